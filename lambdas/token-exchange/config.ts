import { requireEnv } from '../shared/env';

/** The longest a service token may live: it cannot be revoked, so it must expire soon. */
const MAX_TTL_SECONDS = 900;

/** Settings of the token endpoint, read once per container from the environment. */
export interface ExchangeConfig {
  readonly userPoolId: string;
  readonly signingKeyArn: string;
  readonly issuer: string;
  /** The `aud` of every service token: the platform API (also the client id STS federation accepts). */
  readonly audience: string;
  readonly ttlSeconds: number;
  readonly appRegistryPrefix: string;
}

function loadConfig(env: NodeJS.ProcessEnv): ExchangeConfig {
  const ttlSeconds = Number(requireEnv('SERVICE_TOKEN_TTL_SECONDS', env));
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) {
    throw new Error(`SERVICE_TOKEN_TTL_SECONDS must be an integer from 1 to ${MAX_TTL_SECONDS}`);
  }
  return {
    userPoolId: requireEnv('USER_POOL_ID', env),
    signingKeyArn: requireEnv('SIGNING_KEY_ARN', env),
    issuer: requireEnv('SERVICE_TOKEN_ISSUER', env),
    audience: requireEnv('SERVICE_TOKEN_AUDIENCE', env),
    ttlSeconds,
    appRegistryPrefix: requireEnv('APP_REGISTRY_PREFIX', env),
  };
}

/** The configuration of this container. */
export const config = loadConfig(process.env);
