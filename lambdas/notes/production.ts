import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { getParameter } from '@aws-lambda-powertools/parameters/ssm';
import { z } from 'zod';
import { RdsDataSqlClient } from '../shared/db/rds-data-client';
import type { SqlClient } from '../shared/db/sql-client';
import { requireEnv } from '../shared/env';
import { isTenantId } from '../shared/ids';
import { TenantCredentials, type TenantAwsCredentials } from '../shared/tenant-credentials';
import type { NotesDeps } from './handler';

/** Registry entries are cached for five minutes, like the app registry. */
const SETTINGS_MAX_AGE_SECONDS = 300;

const settingsSchema = z.object({
  clusterArn: z.string().startsWith('arn:'),
  secretArn: z.string().startsWith('arn:'),
  database: z.string().min(1),
  // Not used to build queries: the tenant's login role has its schema as search_path.
  schema: z.string().min(1),
});

/** Where one tenant's schema lives, as its stack publishes it in SSM. */
export type TenantDatabaseSettings = z.infer<typeof settingsSchema>;

/** Where a function finds tenant databases and how it acts as a tenant. */
export interface TenantDatabasesProps {
  /** SSM prefix of the tenant database registry; the tenant id follows it. */
  readonly parameterPrefix: string;
  /** The tenant-scoped AWS credentials. */
  readonly credentials: TenantCredentials;
}

interface CachedDatabase {
  readonly settings: TenantDatabaseSettings;
  readonly client: SqlClient;
}

/**
 * `databaseFor` over the RDS Data API: the tenant's registry entry from SSM, the tenant's role assumed
 * with the caller's own service token (STS checks the token's TenantId tag against the role), and the
 * tenant's own database secret, which only that tagged session may read. A client is kept per session
 * (so per token) until its credentials are renewed or the registry entry changes.
 */
export function tenantDatabases(props: TenantDatabasesProps): NotesDeps['databaseFor'] {
  const clients = new WeakMap<TenantAwsCredentials, CachedDatabase>();
  return async (tenantId, serviceToken) => {
    if (!isTenantId(tenantId)) throw new Error('Invalid tenant id'); // it becomes a parameter name
    const [settings, credentials] = await Promise.all([
      loadSettings(props.parameterPrefix, tenantId),
      props.credentials.forCaller(tenantId, serviceToken),
    ]);
    const cached = clients.get(credentials);
    // TenantCredentials returns the same object until it renews, so identity means "not expired".
    if (cached && sameSettings(cached.settings, settings)) return cached.client;
    const client = new RdsDataSqlClient({
      client: new RDSDataClient({ credentials }),
      resourceArn: settings.clusterArn,
      secretArn: settings.secretArn,
      database: settings.database,
    });
    clients.set(credentials, { settings, client });
    return client;
  };
}

/** The production dependencies, from the function's environment; a missing variable fails the cold start. */
export function productionDeps(env: NodeJS.ProcessEnv = process.env): NotesDeps {
  return {
    databaseFor: tenantDatabases({
      parameterPrefix: requireEnv('TENANT_DATABASE_PARAMETER_PREFIX', env),
      credentials: new TenantCredentials({ roleArnTemplate: requireEnv('TENANT_ROLE_ARN_TEMPLATE', env) }),
    }),
  };
}

async function loadSettings(prefix: string, tenantId: string): Promise<TenantDatabaseSettings> {
  const value = await getParameter(`${prefix}${tenantId}`, {
    transform: 'json',
    maxAge: SETTINGS_MAX_AGE_SECONDS,
    throwOnMissing: true,
  });
  const settings = settingsSchema.safeParse(value);
  if (!settings.success) throw new Error(`The database registry entry of tenant ${tenantId} is malformed`);
  return settings.data;
}

function sameSettings(a: TenantDatabaseSettings, b: TenantDatabaseSettings): boolean {
  return a.clusterArn === b.clusterArn && a.secretArn === b.secretArn && a.database === b.database;
}
