import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ParameterNotFoundError } from '@aws-lambda-powertools/parameters/errors';
import { getParameter } from '@aws-lambda-powertools/parameters/ssm';
import { budgetPolicyParameterName } from '../shared/budget-events';
import { requireEnv } from '../shared/env';
import type { ThrottleDeps } from './handler';
import { ThrottleStateStore } from './state-store';

/** Budget policies change only with a tenant's deploy: a minute of caching is plenty. */
const POLICY_MAX_AGE_SECONDS = 60;

/**
 * The production dependencies: the table `THROTTLE_TABLE_NAME`, budget policies from SSM under
 * `/microplane/<ENVIRONMENT_NAME>/budgets/`, and the budget topic `BUDGET_TOPIC_ARN`.
 */
export function productionDeps(env: NodeJS.ProcessEnv = process.env): ThrottleDeps {
  const environmentName = requireEnv('ENVIRONMENT_NAME', env);
  return {
    environmentName,
    budgetTopicArn: requireEnv('BUDGET_TOPIC_ARN', env),
    store: new ThrottleStateStore(new DynamoDBClient({}), requireEnv('THROTTLE_TABLE_NAME', env)),
    loadPolicy: async (tenantId) => {
      try {
        return await getParameter(budgetPolicyParameterName(environmentName, tenantId), {
          transform: 'json',
          maxAge: POLICY_MAX_AGE_SECONDS,
          throwOnMissing: true,
        });
      } catch (error) {
        if (error instanceof ParameterNotFoundError) return undefined;
        throw error;
      }
    },
  };
}
