import { findingIds, guardFindings, template } from './guard';

const RULES = 'principals.guard';

/** Where each kind of policy document sits in its resource. */
const DOCUMENTS: Array<[string, string]> = [
  ['AWS::IAM::Role', 'AssumeRolePolicyDocument'],
  ['AWS::KMS::Key', 'KeyPolicy'],
  ['AWS::SecretsManager::ResourcePolicy', 'ResourcePolicy'],
  ['AWS::SQS::QueuePolicy', 'PolicyDocument'],
  ['AWS::SNS::TopicPolicy', 'PolicyDocument'],
  ['AWS::S3::BucketPolicy', 'PolicyDocument'],
];

function withStatements(type: string, property: string, ...statements: unknown[]): Record<string, unknown> {
  return { Type: type, Properties: { [property]: { Version: '2012-10-17', Statement: statements } } };
}

const allow = (principal: unknown, condition?: unknown) => ({ Effect: 'Allow', Principal: principal, Action: 'x:Y', Resource: '*', ...(condition ? { Condition: condition } : {}) });

test.each(DOCUMENTS)('a %s policy allowing everyone without a condition fails the policy', (type, property) => {
  const findings = guardFindings(
    RULES,
    template({
      Star: withStatements(type, property, allow('*')),
      AwsStar: withStatements(type, property, allow({ AWS: '*' })),
      AwsList: withStatements(type, property, allow({ AWS: ['arn:aws:iam::111111111111:root', '*'] })),
    }),
  );
  expect(findingIds(findings)).toEqual([
    'microplane_no_open_principal_without_condition AwsList',
    'microplane_no_open_principal_without_condition AwsStar',
    'microplane_no_open_principal_without_condition Star',
  ]);
  expect(findings[0].fix).toContain('add a condition');
});

test.each(DOCUMENTS)('a %s policy may allow everyone under a condition, deny everyone, and allow named principals', (type, property) => {
  const fine = withStatements(
    type,
    property,
    allow('*', { StringEquals: { 'aws:PrincipalAccount': '111111111111' } }),
    { Effect: 'Deny', Principal: '*', Action: 'x:Y', Resource: '*' },
    allow({ AWS: 'arn:aws:iam::111111111111:root' }),
    allow({ Service: 'lambda.amazonaws.com' }),
  );
  expect(guardFindings(RULES, template({ Fine: fine }))).toEqual([]);
});
