import { ParameterNotFoundError } from '@aws-lambda-powertools/parameters/errors';
import { getParameter } from '@aws-lambda-powertools/parameters/ssm';
// zod/mini keeps the authorizer, which loads this on every cold start, small.
import * as z from 'zod/mini';
import { isAppId } from './ids';

/** Registry entries are cached for five minutes: disabling an app takes effect within that time. */
const REGISTRY_MAX_AGE_SECONDS = 300;

const appRecordSchema = z.object({
  tenantId: z.string().check(z.minLength(1)),
  appId: z.string().check(z.minLength(1)),
  clientId: z.string().check(z.minLength(1)),
  scopes: z.array(z.string()),
  expires: z.iso.date(),
  enabled: z.boolean(),
  usageKey: z.string().check(z.minLength(1)),
  tier: z.string().check(z.minLength(1)),
  // Present for apps with the llm.complete scope; only the LLM proxy reads it, and checks its shape
  // itself (lambdas/llm-proxy/policy.ts), so the authorizer does not carry that schema.
  llm: z.optional(z.unknown()),
});

/** One app as the platform publishes it in SSM under `${APP_REGISTRY_PREFIX}${appId}`. */
export type AppRecord = z.infer<typeof appRecordSchema>;

/** Why an app may not be used by a tenant right now. */
export type AppRefusal = 'unknown' | 'other-tenant' | 'disabled' | 'expired';

/**
 * Loads an app from the registry; `undefined` when there is none. A malformed entry is a platform
 * bug and throws, so it surfaces as a server error rather than as a refusal.
 */
export async function loadApp(prefix: string, appId: string): Promise<AppRecord | undefined> {
  if (!isAppId(appId)) return undefined; // never build a parameter path from arbitrary input
  let value: unknown;
  try {
    value = await getParameter(`${prefix}${appId}`, {
      transform: 'json',
      maxAge: REGISTRY_MAX_AGE_SECONDS,
      throwOnMissing: true,
    });
  } catch (error) {
    if (error instanceof ParameterNotFoundError) return undefined;
    throw error;
  }
  const record = appRecordSchema.safeParse(value);
  if (!record.success || record.data.appId !== appId) {
    throw new Error(`App registry entry for ${appId} is malformed`);
  }
  return record.data;
}

/** The reason `tenantId` may not use `app` at `now`, or `undefined` when it may. */
export function appRefusal(app: AppRecord | undefined, tenantId: string, now: Date): AppRefusal | undefined {
  if (!app) return 'unknown';
  if (app.tenantId !== tenantId) return 'other-tenant';
  if (!app.enabled) return 'disabled';
  // An app is valid through its expiry date, in UTC; ISO dates compare as strings.
  if (app.expires < now.toISOString().slice(0, 10)) return 'expired';
  return undefined;
}
