import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { TenantKeys } from '../../lib/constructs/tenant-keys';

function keysStack(props: Partial<ConstructorParameters<typeof TenantKeys>[2]> = {}) {
  const stack = new Stack();
  const keys = new TenantKeys(stack, 'Keys', { tenantIds: ['acme', 'globex'], environmentName: 'dev', ...props });
  return {
    stack,
    keys,
    get template() {
      return Template.fromStack(stack);
    },
  };
}

test('every tenant gets its own rotating key with a per-environment alias', () => {
  // GIVEN / WHEN
  const { template } = keysStack();
  // THEN
  template.resourceCountIs('AWS::KMS::Key', 2);
  template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, RotationPeriodInDays: 365, PendingWindowInDays: 30 });
  template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/microplane/dev/acme' });
  template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/microplane/dev/globex' });
});

test('a tenant key admits only principals tagged with that tenant for use', () => {
  const { template } = keysStack();
  template.hasResourceProperties('AWS::KMS::Key', {
    Description: Match.stringLikeRegexp('tenant acme$'),
    KeyPolicy: Match.objectLike({
      Statement: Match.arrayWith([
        Match.objectLike({
          Sid: 'UseOnlyByTenantPrincipals',
          Action: Match.arrayWith(['kms:Encrypt', 'kms:Decrypt']),
          Condition: { StringEquals: { 'aws:PrincipalTag/TenantId': 'acme' } },
        }),
      ]),
    }),
  });
});

test('key administrators may manage a tenant key but never use it', () => {
  const { template } = keysStack();
  const keys = template.findResources('AWS::KMS::Key');
  for (const key of Object.values(keys)) {
    const statements = key.Properties.KeyPolicy.Statement as Array<{ Sid: string; Action: string[]; Condition?: unknown }>;
    const admin = statements.find((s) => s.Sid === 'KeyAdministration')!;
    expect(admin.Action).not.toEqual(expect.arrayContaining(['kms:Decrypt']));
    expect(admin.Action).not.toContain('kms:*');
    expect(statements.filter((s) => s.Action.includes('kms:Decrypt')).every((s) => s.Condition)).toBe(true);
  }
});

test('named administrators and the deploying role replace the account as key administrators', () => {
  const { template } = keysStack({
    administrators: [new iam.ArnPrincipal('arn:aws:iam::111111111111:role/key-admins')],
    deployingRole: new iam.ArnPrincipal('arn:aws:iam::111111111111:role/deployer'),
  });
  template.hasResourceProperties('AWS::KMS::Key', {
    KeyPolicy: Match.objectLike({
      Statement: Match.arrayWith([
        Match.objectLike({
          Sid: 'KeyAdministration',
          Principal: { AWS: ['arn:aws:iam::111111111111:role/key-admins', 'arn:aws:iam::111111111111:role/deployer'] },
        }),
      ]),
    }),
  });
});

test('by default the deploying role is the bootstrap CloudFormation execution role, which must keep kms:PutKeyPolicy', () => {
  const { template } = keysStack({ administrators: [new iam.ArnPrincipal('arn:aws:iam::111111111111:role/key-admins')] });
  const [key] = Object.values(template.findResources('AWS::KMS::Key'));
  const admin = key.Properties.KeyPolicy.Statement.find((statement: { Sid: string }) => statement.Sid === 'KeyAdministration');
  expect(admin.Principal.AWS).toContainEqual({
    'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}',
  });
  expect(admin.Action).toContain('kms:PutKeyPolicy');
});

test('no statement lets a principal grant itself use of a tenant key: no kms:Create*/kms:Put* wildcards, grants only for AWS resources', () => {
  // GIVEN the account as administrator, as in an environment without named administrators
  const { template } = keysStack();
  for (const key of Object.values(template.findResources('AWS::KMS::Key'))) {
    const statements = key.Properties.KeyPolicy.Statement as Array<{ Sid: string; Action: string[]; Condition?: Record<string, Record<string, unknown>> }>;
    for (const statement of statements) {
      expect(statement.Action).not.toEqual(expect.arrayContaining([expect.stringMatching(/^kms:(Create|Put)?\*$/)]));
      if (statement.Action.includes('kms:CreateGrant')) {
        expect(statement.Condition?.Bool).toEqual({ 'kms:GrantIsForAWSResource': 'true' });
      }
    }
    const admin = statements.find((statement) => statement.Sid === 'KeyAdministration')!;
    expect(admin.Action).not.toContain('kms:CreateGrant');
  }
});

test('keys are retained by default and destroyed only when asked', () => {
  keysStack().template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  keysStack({ removalPolicy: RemovalPolicy.DESTROY }).template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
});

test('keys carry the TenantId tag', () => {
  keysStack().template.hasResourceProperties('AWS::KMS::Key', { Tags: Match.arrayWith([{ Key: 'TenantId', Value: 'globex' }]) });
});

test('grantEncryptDecrypt gives the grantee explicit use actions on that tenant key only', () => {
  // GIVEN
  const { stack, keys } = keysStack();
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  // WHEN
  keys.grantEncryptDecrypt('acme', role);
  // THEN
  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: {
      Statement: [
        Match.objectLike({
          Action: Match.arrayWith(['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey']),
          Resource: { 'Fn::GetAtt': [stack.getLogicalId(keys.keyFor('acme').node.defaultChild as never), 'Arn'] },
        }),
      ],
    },
  });
  const policy = JSON.stringify(template.findResources('AWS::IAM::Policy'));
  expect(policy).not.toContain('*"');
});

test('grantDecrypt and grantEncrypt are one-way', () => {
  const { stack, keys } = keysStack();
  const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const writer = new iam.Role(stack, 'Writer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  keys.grantDecrypt('acme', reader);
  keys.grantEncrypt('acme', writer);
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  const actionsOf = (prefix: string) =>
    Object.entries(policies).find(([id]) => id.startsWith(prefix))![1].Properties.PolicyDocument.Statement[0].Action;
  expect(actionsOf('ReaderDefaultPolicy')).toContain('kms:Decrypt');
  expect(actionsOf('ReaderDefaultPolicy')).not.toContain('kms:Encrypt');
  expect(actionsOf('WriterDefaultPolicy')).toContain('kms:Encrypt');
  expect(actionsOf('WriterDefaultPolicy')).not.toContain('kms:Decrypt');
});

test('asking for the key of an unknown tenant names the tenants that have keys', () => {
  const { keys } = keysStack();
  expect(() => keys.keyFor('initech')).toThrow('has no key for tenant "initech" (has: acme, globex)');
});

test('an empty tenant list is refused', () => {
  expect(() => new TenantKeys(new Stack(), 'Keys', { tenantIds: [], environmentName: 'dev' })).toThrow('tenantIds must not be empty');
});

test('AWS services may use a tenant key only on the account\'s behalf through kms:ViaService', () => {
  const { template } = keysStack({ services: ['rds', 'secretsmanager', 'logs'] });
  template.hasResourceProperties('AWS::KMS::Key', {
    KeyPolicy: Match.objectLike({
      Statement: Match.arrayWith([
        Match.objectLike({
          Sid: 'UseThroughAwsServices',
          Action: Match.arrayWith(['kms:Decrypt']),
          Condition: {
            StringEquals: {
              'kms:ViaService': [
                { 'Fn::Join': ['', ['rds.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] },
                { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] },
                { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] },
              ],
              'kms:CallerAccount': { Ref: 'AWS::AccountId' },
            },
          },
        }),
      ]),
    }),
  });
});

test('with no services, only tenant-tagged principals may use a tenant key', () => {
  const { template } = keysStack({ services: [] });
  const statements = Object.values(template.findResources('AWS::KMS::Key'))[0].Properties.KeyPolicy.Statement;
  expect(statements.map((s: { Sid: string }) => s.Sid)).toEqual(['KeyAdministration', 'UseOnlyByTenantPrincipals']);
});
