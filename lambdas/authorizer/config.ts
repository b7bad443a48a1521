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
}

/** The configuration of this container; a bad `ROUTE_SCOPES` fails the cold start. */
export const config: AuthorizerConfig = {
  signingKeyArn: requireEnv('SIGNING_KEY_ARN'),
  issuer: requireEnv('SERVICE_TOKEN_ISSUER'),
  audience: requireEnv('SERVICE_TOKEN_AUDIENCE'),
  appRegistryPrefix: requireEnv('APP_REGISTRY_PREFIX'),
  routes: parseRouteScopes(requireEnv('ROUTE_SCOPES')),
};
