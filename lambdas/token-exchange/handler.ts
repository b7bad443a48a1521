import { KMSClient } from '@aws-sdk/client-kms';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { appRefusal, loadApp, type AppRecord } from '../shared/app-registry';
import { ApiError, errorResponse, OAuthError } from '../shared/errors';
import { jsonResponse } from '../shared/http';
import { createObservability } from '../shared/observability';
import { config } from './config';
import { ACCESS_TOKEN_TYPE, parseExchangeRequest, type ExchangeRequest } from './request';
import { issueServiceToken } from './service-token';
import { verifySubjectToken, type Subject } from './subject-token';
import { createTracer, traced } from '../shared/tracing';

const tracer = createTracer('token-exchange');

const { logger, startRequest, identifyCaller, endRequest } = createObservability('token-exchange', tracer);
const issuerSettings = {
  kms: new KMSClient({}),
  signingKeyArn: config.signingKeyArn,
  issuer: config.issuer,
  audience: config.audience,
  ttlSeconds: config.ttlSeconds,
};
const SERVER_ERROR = new OAuthError('server_error', 'The server could not complete the request.');

/** `POST /oauth2/token`: exchanges a Cognito user access token for a service token of one app (RFC 8693). */
export const handler = traced(tracer, async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  startRequest(event.requestContext?.requestId);
  try {
    const request = parseExchangeRequest(event);
    const subject = await verifySubjectToken(request.subjectToken);
    identifyCaller({ tenantId: subject.tenantId });
    const app = await authorizeApp(subject, request.audience);
    // Only now is the audience an app of this tenant: metrics never take a dimension the caller chose.
    identifyCaller({ appId: app.appId });
    const scopes = grantScopes(request, app);
    const issued = await issueServiceToken(issuerSettings, {
      subject: subject.sub,
      tenantId: subject.tenantId,
      appId: app.appId,
      clientId: subject.clientId,
      scopes,
    });
    logger.info('Service token issued', { tokenId: issued.tokenId, scope: scopes.join(' ') });
    endRequest('served');
    return jsonResponse(200, {
      access_token: issued.token,
      issued_token_type: ACCESS_TOKEN_TYPE, // a JWT access token: satisfies either requested type
      token_type: 'Bearer',
      expires_in: issued.expiresIn,
      scope: scopes.join(' '),
    });
  } catch (error) {
    logFailure(error);
    const response = errorResponse(error, SERVER_ERROR);
    endRequest(response.statusCode >= 500 ? 'error' : 'denied');
    return response;
  }
});

/** The audience app, if the subject's tenant may use it and the token was issued to that app's client. */
async function authorizeApp(subject: Subject, appId: string): Promise<AppRecord> {
  const app = await loadApp(config.appRegistryPrefix, appId);
  const refusal = appRefusal(app, subject.tenantId, new Date());
  if (!app || refusal) {
    // Unknown, other tenant's, disabled and expired apps look the same, so callers learn nothing.
    throw new OAuthError('invalid_target', 'The audience is not an app you can use.', { parameter: 'audience' }, refusal);
  }
  if (subject.clientId !== app.clientId) {
    throw new OAuthError('invalid_grant', 'The subject token was not issued to the audience app.', {
      parameter: 'subject_token',
    });
  }
  return app;
}

/** The requested scopes, or all the app's scopes; asking for one the app lacks is `invalid_scope`. */
function grantScopes(request: ExchangeRequest, app: AppRecord): string[] {
  const requested = request.scopes ?? app.scopes;
  const missing = requested.filter((scope) => !app.scopes.includes(scope));
  if (missing.length > 0) {
    throw new OAuthError('invalid_scope', 'The app may not request some of these scopes.', { scopes: missing });
  }
  return [...requested];
}

function logFailure(error: unknown): void {
  if (error instanceof ApiError) {
    const cause = error.cause instanceof Error ? error.cause.message : String(error.cause ?? '');
    logger.warn('Token exchange refused', { code: error.code, reason: error.message, cause });
  } else {
    logger.error('Token exchange failed', error as Error);
  }
}
