import { requireEnv } from '../shared/env';
import { parseRouteScopes, type RouteScope } from './routes';

/** Settings of the authorizer, read once per container from the environment. */
export interface AuthorizerConfig {
  readonly signingKeyArn: string;
  readonly issuer: string;
  /** The `aud` of every service token: the platform API. */
  readonly audience: string;
  readonly appRegistryPrefix: string;
  readonly routes: readonly RouteScope[];
  /** Budget throttling; absent when the gateway was composed without a throttle table. */
  readonly throttling?: AuthorizerThrottling;
}

/** Where the authorizer reads throttle states, and the usage key of a throttled tenant. */
export interface AuthorizerThrottling {
  readonly tableName: string;
  /** The throttled usage key value with `{tenantId}` in place of the tenant id. */
  readonly throttledKeyTemplate: string;
  /** How long a tenant's or app's state is cached per container. */
  readonly cacheSeconds: number;
}

function throttlingFrom(env: NodeJS.ProcessEnv): AuthorizerThrottling | undefined {
  const tableName = env.THROTTLE_TABLE_NAME;
  if (!tableName) return undefined;
  const cacheSeconds = Number(env.THROTTLE_STATE_CACHE_SECONDS ?? '30');
  if (!Number.isInteger(cacheSeconds) || cacheSeconds < 0) throw new Error('THROTTLE_STATE_CACHE_SECONDS must be a whole number of seconds');
  return { tableName, throttledKeyTemplate: requireEnv('THROTTLED_USAGE_KEY_TEMPLATE', env), cacheSeconds };
}

/** The configuration of this container; a bad `ROUTE_SCOPES` fails the cold start. */
export const config: AuthorizerConfig = {
  signingKeyArn: requireEnv('SIGNING_KEY_ARN'),
  issuer: requireEnv('SERVICE_TOKEN_ISSUER'),
  audience: requireEnv('SERVICE_TOKEN_AUDIENCE'),
  appRegistryPrefix: requireEnv('APP_REGISTRY_PREFIX'),
  routes: parseRouteScopes(requireEnv('ROUTE_SCOPES')),
  throttling: throttlingFrom(process.env),
};
