import * as fs from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { synthExample } from '../support/platform';

// Renaming a construct id gives a resource a new logical id, and CloudFormation replaces it: for a key,
// a cluster or a secret that loses data. The logical ids of every stateful resource of the shipped
// environments are committed in stateful-resources.json; each must still exist with the same type and
// name. A new stateful resource is added to the file on purpose (the message says how).

const STATEFUL_TYPES = new Set([
  'AWS::KMS::Key',
  'AWS::KMS::Alias',
  'AWS::SecretsManager::Secret',
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBInstance',
  'AWS::Cognito::UserPool',
  'AWS::Logs::LogGroup',
  'AWS::IAM::OIDCProvider',
  'Custom::MicroplaneTenantSchema',
  'AWS::OpenSearchServerless::Collection',
  'AWS::OpenSearchServerless::Index',
  'AWS::DynamoDB::Table',
  'AWS::SQS::Queue',
  // Replacing the models cluster drops every workload on it; its name is fixed, so CloudFormation could not even create the new one.
  'AWS::EKS::Cluster',
]);
const COMMITTED = path.join(__dirname, 'stateful-resources.json');

/** `<stack>/<logical id>` → `<type> <name>` for every stateful resource of an environment. */
function statefulResources(environment: string): Record<string, string> {
  const { stacks } = synthExample(environment);
  const found: Record<string, string> = {};
  for (const stack of [stacks.platform, ...stacks.tenants.values(), ...(stacks.models ? [stacks.models] : [])]) {
    for (const [id, resource] of Object.entries(Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>)) {
      if (!STATEFUL_TYPES.has(resource.Type)) continue;
      const props = resource.Properties ?? {};
      const name = props.Name ?? props.AliasName ?? props.DBClusterIdentifier ?? props.LogGroupName ?? props.TenantId ?? props.IndexName ?? props.TableName ?? props.QueueName ?? '';
      found[`${stack.stackName}/${id}`] = `${resource.Type} ${typeof name === 'string' ? name : ''}`.trim();
    }
  }
  return found;
}

const current = { ...statefulResources('dev'), ...statefulResources('prod') };

test('no stateful resource of the shipped environments was renamed or removed', () => {
  if (process.env.UPDATE_STATEFUL_RESOURCES === 'true') fs.writeFileSync(COMMITTED, `${JSON.stringify(current, null, 2)}\n`);
  const committed = JSON.parse(fs.readFileSync(COMMITTED, 'utf8')) as Record<string, string>;
  const missing = Object.entries(committed).filter(([id, description]) => current[id] !== description);
  expect(missing).toEqual([]);
});

test('every stateful resource is in the committed list (add new ones with UPDATE_STATEFUL_RESOURCES=true)', () => {
  const committed = JSON.parse(fs.readFileSync(COMMITTED, 'utf8')) as Record<string, string>;
  expect(Object.keys(current).filter((id) => !(id in committed))).toEqual([]);
});
