import { Logger } from '@aws-lambda-powertools/logger';
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { isTenantId } from '../shared/ids';

const logger = new Logger({ serviceName: 'pre-token-generation' });

/**
 * Cognito pre token generation trigger (V2_0): copies the user attribute `custom:tenant_id` into the
 * `tenant_id` claim of the access and ID tokens. Users without a valid tenant get no claim, and the
 * token exchange refuses them.
 */
export const handler = async (event: PreTokenGenerationV2TriggerEvent): Promise<PreTokenGenerationV2TriggerEvent> => {
  const tenantId = event.request.userAttributes['custom:tenant_id'];
  if (!isTenantId(tenantId)) {
    logger.warn('User has no valid tenant; no tenant claim added', {
      userPoolId: event.userPoolId,
      hasAttribute: tenantId !== undefined,
    });
    return event;
  }
  // Cognito sends null here; keep whatever another step may have set.
  const details = event.response.claimsAndScopeOverrideDetails ?? {};
  const { idTokenGeneration: id, accessTokenGeneration: access } = details;
  event.response.claimsAndScopeOverrideDetails = {
    ...details,
    idTokenGeneration: { ...id, claimsToAddOrOverride: { ...id?.claimsToAddOrOverride, tenant_id: tenantId } },
    accessTokenGeneration: { ...access, claimsToAddOrOverride: { ...access?.claimsToAddOrOverride, tenant_id: tenantId } },
  };
  return event;
};
