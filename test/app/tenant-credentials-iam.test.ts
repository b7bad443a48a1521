import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { synthExample } from '../support/platform';

// An IAM analysis of the whole synthesized environment: which principal could ever hold a tenant's
// credentials? Only a session obtained from STS with a service token whose signed TenantId tag names
// that tenant. No role of the platform may assume a tenant role with its own rights, and only the token
// exchange may sign service tokens.

type Statement = { Effect: string; Action?: unknown; NotAction?: unknown; Resource?: unknown; NotResource?: unknown; Principal?: unknown; Condition?: Record<string, Record<string, unknown>> };

const { stacks } = synthExample('dev');
const allStacks: Stack[] = [stacks.platform, ...stacks.tenants.values()];
const templates = allStacks.map((stack) => ({ stack, template: Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, any> }>; Parameters?: Record<string, unknown> } }));

const asList = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Every identity-policy statement in every stack, with where it is. */
function identityStatements(): Array<{ where: string; statement: Statement }> {
  const found: Array<{ where: string; statement: Statement }> = [];
  for (const { stack, template } of templates) {
    for (const [id, resource] of Object.entries(template.Resources)) {
      const documents =
        resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy'
          ? [resource.Properties.PolicyDocument]
          : resource.Type === 'AWS::IAM::Role'
            ? asList(resource.Properties.Policies).map((policy) => (policy as { PolicyDocument: unknown }).PolicyDocument)
            : [];
      for (const document of documents) {
        for (const statement of asList((document as { Statement: unknown }).Statement)) {
          found.push({ where: `${stack.stackName}/${id}`, statement: statement as Statement });
        }
      }
    }
  }
  return found;
}

/** Whether an action pattern of a policy could match `action`. */
function actionMatches(pattern: unknown, action: string): boolean {
  if (typeof pattern !== 'string') return true; // an unresolved token: assume the worst
  const regex = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
  return regex.test(action);
}

/** Whether a resource of a policy could name a tenant role (`role/microplane-<env>-tenant-<id>`). */
function couldNameTenantRole(resource: unknown): boolean {
  const text = JSON.stringify(resource);
  return text === '"*"' || /role\/[^"]*\*/.test(text) || /tenant-(?!functions)/.test(text);
}

const ASSUME_ACTIONS = ['sts:AssumeRole', 'sts:AssumeRoleWithWebIdentity', 'sts:AssumeRoleWithSAML', 'sts:TagSession'];

test('no identity policy in any stack allows assuming a tenant role', () => {
  const offending = identityStatements().filter(
    ({ statement }) =>
      statement.Effect === 'Allow' &&
      ASSUME_ACTIONS.some((action) => asList(statement.Action).some((pattern) => actionMatches(pattern, action))) &&
      asList(statement.Resource).some(couldNameTenantRole),
  );
  expect(offending).toEqual([]);
});

test('no identity policy uses NotAction or NotResource, which the analysis above could not bound', () => {
  expect(identityStatements().filter(({ statement }) => statement.NotAction || statement.NotResource)).toEqual([]);
});

test.each([...stacks.tenants.keys()])('the role of tenant %s trusts only a service token whose TenantId tag names it', (tenantId) => {
  const template = templates.find(({ stack }) => stack === stacks.tenants.get(tenantId))!.template;
  const tenantRoles = Object.values(template.Resources).filter(
    (resource) => resource.Type === 'AWS::IAM::Role' && resource.Properties.RoleName === `microplane-dev-tenant-${tenantId}`,
  );
  expect(tenantRoles).toHaveLength(1);
  const trust = asList(tenantRoles[0].Properties.AssumeRolePolicyDocument.Statement) as Statement[];
  for (const statement of trust) {
    expect(statement.Effect).toBe('Allow');
    expect(Object.keys(statement.Principal as object)).toEqual(['Federated']);
    // The federated principal is the platform's service-token provider, read from its SSM parameter.
    const { Ref: parameter } = (statement.Principal as { Federated: { Ref: string } }).Federated;
    expect(template.Parameters?.[parameter]).toMatchObject({
      Type: 'AWS::SSM::Parameter::Value<String>',
      Default: '/microplane/dev/platform/identity/service-token-provider-arn',
    });
    expect(asList(statement.Action).sort()).toEqual(['sts:AssumeRoleWithWebIdentity', 'sts:TagSession']);
    expect(statement.Condition?.StringEquals?.['aws:RequestTag/TenantId']).toBe(tenantId);
    expect(statement.Condition?.['ForAllValues:StringEquals']?.['aws:TagKeys']).toEqual(['TenantId']);
  }
});

test('the platform registers its service-token issuer as the IAM OIDC provider, accepting only the platform audience', () => {
  Template.fromStack(stacks.platform).hasResourceProperties('AWS::IAM::OIDCProvider', { ClientIdList: ['microplane-dev-api'] });
  Template.fromStack(stacks.platform).hasResourceProperties('AWS::SSM::Parameter', {
    Name: '/microplane/dev/platform/identity/service-token-provider-arn',
  });
});

test('only the token exchange may sign service tokens, so only it can mint a TenantId tag', () => {
  const signers = identityStatements().filter(
    ({ statement }) => statement.Effect === 'Allow' && asList(statement.Action).some((pattern) => actionMatches(pattern, 'kms:Sign')),
  );
  expect(signers.map(({ where }) => where)).toEqual([expect.stringMatching(/\/TokenExchangeTokenRoleDefaultPolicy/)]);
});

test('the functions that serve tenants and whoami hold no right to any tenant role or secret by themselves', () => {
  const tenantFunctions = identityStatements().filter(({ where }) => /TenantFunctionsRole|WhoAmI/.test(where));
  const reachesTenantData = tenantFunctions.filter(({ statement }) =>
    asList(statement.Action).some((pattern) => ['secretsmanager:GetSecretValue', 'kms:Decrypt', ...ASSUME_ACTIONS].some((action) => actionMatches(pattern, action))),
  );
  expect(reachesTenantData).toEqual([]);
});
