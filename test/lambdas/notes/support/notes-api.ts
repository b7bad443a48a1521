import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { NotesDeps } from '../../../../lambdas/notes/handler';
import { loadMigrations, MIGRATIONS_DIR } from '../../../../lambdas/schema-provisioner/migrations';
import type { SqlClient } from '../../../../lambdas/shared/db/sql-client';
import type { TestPostgres } from '../../../support/postgres';
import { startTenantCluster } from '../../../db/support/tenant-cluster';

/** The environment the CDK side gives the notes function, with test values. */
export const NOTES_ENV = {
  AWS_REGION: 'eu-west-1',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  TENANT_DATABASE_PARAMETER_PREFIX: '/microplane/dev/tenants/',
  TENANT_ROLE_ARN_TEMPLATE: 'arn:aws:iam::123456789012:role/microplane-dev-tenant-{tenantId}',
};

type Handler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** The handler module, loaded after the environment is set, as Lambda does. */
export function loadNotesModule(): typeof import('../../../../lambdas/notes/handler') {
  Object.assign(process.env, NOTES_ENV);
  return require('../../../../lambdas/notes/handler') as typeof import('../../../../lambdas/notes/handler');
}

/** An authorizer context as the gateway passes it. */
export type Authorizer = Record<string, string>;

/** The context of acme's notes app, unless overridden. */
export function authorizer(overrides: Authorizer = {}): Authorizer {
  return {
    principalId: 'user-0001',
    tenantId: 'acme',
    appId: 'acme-notes',
    scopes: 'notes.read notes.write',
    subject: 'user-0001',
    tokenId: 'token-0001',
    ...overrides,
  };
}

/** What a test sends: everything optional. */
export interface RequestOptions {
  readonly id?: string;
  /** A value is sent as JSON; a string as is. */
  readonly body?: unknown;
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
  readonly query?: Record<string, string>;
  /** `null` sends no authorizer context at all. */
  readonly authorizer?: Authorizer | null;
  readonly base64?: boolean;
}

/** A REST proxy event for `resource` (e.g. `/v1/notes/{id}`), as API Gateway builds it. */
export function notesEvent(method: string, resource: string, options: RequestOptions = {}): APIGatewayProxyEvent {
  const path = resource.replace('{id}', options.id ?? '');
  let body = options.rawBody ?? (options.body === undefined ? null : JSON.stringify(options.body));
  if (options.base64 && body !== null) body = Buffer.from(body).toString('base64');
  return {
    httpMethod: method,
    resource,
    path,
    headers: { 'Content-Type': 'application/json', ...options.headers },
    multiValueHeaders: {},
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: resource.includes('{id}') ? { id: options.id ?? '' } : null,
    stageVariables: null,
    body,
    isBase64Encoded: options.base64 ?? false,
    requestContext: {
      requestId: `request-${randomUUID()}`,
      ...(options.authorizer === null ? {} : { authorizer: options.authorizer ?? authorizer() }),
    },
  } as unknown as APIGatewayProxyEvent;
}

/** The error envelope's fields, present on error responses. */
export interface ErrorFields {
  code?: string;
  message?: string;
  details?: Record<string, unknown>;
}

/** A response with its body parsed. */
export interface Reply<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly json: T & ErrorFields;
  readonly raw: APIGatewayProxyResult;
}

/** The notes routes as calls. */
export class NotesClient {
  constructor(private readonly handler: Handler) {}

  async send<T = Record<string, unknown>>(method: string, resource: string, options: RequestOptions = {}): Promise<Reply<T>> {
    const raw = await this.handler(notesEvent(method, resource, options));
    return {
      status: raw.statusCode,
      headers: (raw.headers ?? {}) as Record<string, string>,
      json: (raw.body === '' ? undefined : JSON.parse(raw.body)) as T & ErrorFields,
      raw,
    };
  }

  create(body: unknown, options: RequestOptions = {}) {
    return this.send<NoteJson>('POST', '/v1/notes', { body, ...options });
  }

  list(query: Record<string, string> = {}, options: RequestOptions = {}) {
    return this.send<PageJson>('GET', '/v1/notes', { query, ...options });
  }

  get(id: string, options: RequestOptions = {}) {
    return this.send<NoteJson>('GET', '/v1/notes/{id}', { id, ...options });
  }

  patch(id: string, body: unknown, ifMatch: string | undefined, options: RequestOptions = {}) {
    const headers = { ...(ifMatch === undefined ? {} : { 'If-Match': ifMatch }), ...options.headers };
    return this.send<NoteJson>('PATCH', '/v1/notes/{id}', { id, body, ...options, headers });
  }

  delete(id: string, options: RequestOptions = {}) {
    return this.send('DELETE', '/v1/notes/{id}', { id, ...options });
  }

  restore(id: string, options: RequestOptions = {}) {
    return this.send<NoteJson>('POST', '/v1/notes/{id}/restore', { id, ...options });
  }

  /** Every page of a listing, following `nextCursor`. */
  async listAll(query: Record<string, string> = {}, options: RequestOptions = {}): Promise<NoteJson[]> {
    const notes: NoteJson[] = [];
    let cursor: string | null = null;
    do {
      const page: Reply<PageJson> = await this.list({ ...query, ...(cursor ? { cursor } : {}) }, options);
      expect(page.status).toBe(200);
      notes.push(...page.json.items);
      cursor = page.json.nextCursor;
    } while (cursor);
    return notes;
  }
}

/** A note as the API returns it. */
export interface NoteJson {
  id: string;
  title: string;
  body: string;
  tags: string[];
  version: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}

/** A page as the API returns it. */
export interface PageJson {
  items: NoteJson[];
  nextCursor: string | null;
}

/** A real PostgreSQL with tenants provisioned by the schema provisioner and the notes migrations. */
export interface TenantDatabases {
  readonly postgres: TestPostgres;
  /** Each tenant's client, connected as the tenant's own login role. */
  readonly clients: ReadonlyMap<string, SqlClient>;
  /** The tenants `databaseFor` was asked for, in order. */
  readonly requested: string[];
  /** `databaseFor` over the tenant clients. */
  databaseFor(tenantId: string): Promise<SqlClient>;
  stop(): Promise<void>;
}

/**
 * Starts PostgreSQL and provisions `tenantIds` as the platform does at deploy: as an Aurora-like
 * (non-superuser) master, migrating each tenant as its own role.
 */
export async function startTenantDatabases(tenantIds: readonly string[]): Promise<TenantDatabases> {
  const cluster = await startTenantCluster();
  const migrations = loadMigrations(MIGRATIONS_DIR);
  const clients = new Map<string, SqlClient>();
  for (const tenantId of tenantIds) {
    const password = `pw-${randomUUID()}`;
    const { role } = await cluster.provision(tenantId, password, migrations);
    // Room for the concurrency tests' parallel requests.
    clients.set(tenantId, cluster.connectAs(role, password, 12));
  }
  const requested: string[] = [];
  return {
    postgres: cluster.postgres,
    clients,
    requested,
    databaseFor: async (tenantId) => {
      requested.push(tenantId);
      const client = clients.get(tenantId);
      if (!client) throw new Error(`No database for tenant ${tenantId}`);
      return client;
    },
    stop: () => cluster.stop(),
  };
}

/** A clock that moves one millisecond per reading, or stands still while frozen. */
export class TestClock {
  private at = Date.parse('2025-03-10T12:00:00.000Z');
  private frozen = false;

  readonly now = (): Date => new Date(this.frozen ? this.at : (this.at += 1));

  freeze(): void {
    this.frozen = true;
  }

  resume(): void {
    this.frozen = false;
  }
}

/** Notes dependencies over the tenant databases and the clock. */
export function testDeps(databases: TenantDatabases, clock: TestClock): NotesDeps {
  return { databaseFor: (tenantId) => databases.databaseFor(tenantId), now: clock.now };
}
