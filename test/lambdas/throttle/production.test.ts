import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { mockClient } from 'aws-sdk-client-mock';
import { productionDeps } from '../../../lambdas/throttle/production';
import { ACME_POLICY, THROTTLE_ENV } from './support/throttle';

const ssm = mockClient(SSMClient);
const dynamodb = mockClient(DynamoDBClient);

beforeEach(() => {
  ssm.reset();
  dynamodb.reset();
  clearCaches();
  Object.assign(process.env, THROTTLE_ENV);
});

test('budget policies are read as JSON from /microplane/<env>/budgets/<tenant>', async () => {
  // GIVEN
  ssm.on(GetParameterCommand, { Name: '/microplane/dev/budgets/acme-foods' }).resolves({ Parameter: { Value: JSON.stringify(ACME_POLICY) } });
  // WHEN
  const policy = await productionDeps(THROTTLE_ENV).loadPolicy('acme-foods');
  // THEN
  expect(policy).toEqual(ACME_POLICY);
});

test('a tenant without a budget policy parameter has none', async () => {
  ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'ParameterNotFound', $metadata: {} }));
  await expect(productionDeps(THROTTLE_ENV).loadPolicy('globex-hr')).resolves.toBeUndefined();
});

test('other SSM failures are thrown, so the notification is retried', async () => {
  ssm.on(GetParameterCommand).rejects(new Error('ThrottlingException'));
  await expect(productionDeps(THROTTLE_ENV).loadPolicy('acme-foods')).rejects.toThrow('ThrottlingException');
});

test('the state store uses the table named by THROTTLE_TABLE_NAME', async () => {
  dynamodb.on(GetItemCommand).resolves({});
  await productionDeps(THROTTLE_ENV).store.get('tenant#acme-foods');
  expect(dynamodb.commandCalls(GetItemCommand)[0].args[0].input).toMatchObject({
    TableName: 'microplane-dev-throttle-state',
    Key: { subject: { S: 'tenant#acme-foods' } },
    ConsistentRead: true,
  });
});

test('a missing setting fails the cold start, naming it', () => {
  const { BUDGET_TOPIC_ARN: _omitted, ...withoutTopic } = THROTTLE_ENV;
  expect(() => productionDeps(withoutTopic)).toThrow('Environment variable BUDGET_TOPIC_ARN is required');
});
