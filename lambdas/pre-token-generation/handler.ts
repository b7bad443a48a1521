import type { Context, PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { isTenantId } from '../shared/ids';
import { createObservability } from '../shared/observability';
import { createTracer, traced } from '../shared/tracing';

const tracer = createTracer('pre-token-generation');

const { logger, startRequest, identifyCaller, endRequest } = createObservability('pre-token-generation', tracer);

/**
 * Cognito pre token generation trigger (V2_0): copies the user attribute `custom:tenant_id` into the
 * `tenant_id` claim of the access and ID tokens. Users without a valid tenant get no claim, and the
 * token exchange refuses them; they are counted as denials here, per user pool client.
 */
export const handler = traced(tracer, async (event: PreTokenGenerationV2TriggerEvent, context?: Context): Promise<PreTokenGenerationV2TriggerEvent> => {
  startRequest(context?.awsRequestId);
  const tenantId = event.request.userAttributes['custom:tenant_id'];
  if (!isTenantId(tenantId)) {
    logger.warn('User has no valid tenant; no tenant claim added', {
      userPoolId: event.userPoolId,
      clientId: event.callerContext.clientId,
      hasAttribute: tenantId !== undefined,
    });
    endRequest('denied');
    return event;
  }
  identifyCaller({ tenantId });
  addTenantClaim(event, tenantId);
  logger.info('Tenant claim added', { clientId: event.callerContext.clientId });
  endRequest('served');
  return event;
});

function addTenantClaim(event: PreTokenGenerationV2TriggerEvent, tenantId: string): void {
  // Cognito sends null here; keep whatever another step may have set.
  const details = event.response.claimsAndScopeOverrideDetails ?? {};
  const { idTokenGeneration: id, accessTokenGeneration: access } = details;
  event.response.claimsAndScopeOverrideDetails = {
    ...details,
    idTokenGeneration: { ...id, claimsToAddOrOverride: { ...id?.claimsToAddOrOverride, tenant_id: tenantId } },
    accessTokenGeneration: { ...access, claimsToAddOrOverride: { ...access?.claimsToAddOrOverride, tenant_id: tenantId } },
  };
}
