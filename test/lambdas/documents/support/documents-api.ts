import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { TOKENS, type TestTenant } from './aws-fakes';

type Handler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** An authorizer context as the gateway passes it. */
export type Authorizer = Record<string, string>;

/** The context of acme's knowledge app with every documents scope, unless overridden. */
export function authorizer(overrides: Authorizer = {}): Authorizer {
  return {
    principalId: 'user-0001',
    tenantId: 'acme',
    appId: 'acme-kb',
    scopes: 'documents.read documents.write documents.text',
    subject: 'user-0001',
    tokenId: 'token-0001',
    ...overrides,
  };
}

/** What a test sends: everything optional. */
export interface RequestOptions {
  readonly id?: string;
  /** A value is sent as JSON. */
  readonly body?: unknown;
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
  /** `null` sends no authorizer context. */
  readonly authorizer?: Authorizer | null;
  /** Whose service token is sent; defaults to the authorizer's tenant. */
  readonly token?: string;
}

/** A REST proxy event for `resource` (e.g. `/v1/documents/{id}`), as API Gateway builds it. */
export function documentsEvent(method: string, resource: string, options: RequestOptions = {}): APIGatewayProxyEvent {
  const context = options.authorizer === null ? undefined : (options.authorizer ?? authorizer());
  const token = options.token ?? TOKENS[(context?.tenantId ?? 'acme') as TestTenant] ?? 'x.y.z';
  return {
    httpMethod: method,
    resource,
    path: resource.replace('{id}', options.id ?? ''),
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, ...options.headers },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: resource.includes('{id}') ? { id: options.id ?? '' } : null,
    stageVariables: null,
    body: options.rawBody ?? (options.body === undefined ? null : JSON.stringify(options.body)),
    isBase64Encoded: false,
    requestContext: { requestId: `request-${randomUUID()}`, ...(context ? { authorizer: context } : {}) },
  } as unknown as APIGatewayProxyEvent;
}

/** A response with its body parsed. */
export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string>;
  // Test assertions read whatever the body holds.
  readonly json: any;
}

/** The documents routes as calls. */
export class DocumentsClient {
  constructor(private readonly handler: Handler) {}

  async send(method: string, resource: string, options: RequestOptions = {}): Promise<Reply> {
    const raw = await this.handler(documentsEvent(method, resource, options));
    return {
      status: raw.statusCode,
      headers: (raw.headers ?? {}) as Record<string, string>,
      json: raw.body === '' ? undefined : JSON.parse(raw.body),
    };
  }

  ingest(body: unknown, options: RequestOptions = {}) {
    return this.send('POST', '/v1/documents', { body, ...options });
  }

  status(id: string, options: RequestOptions = {}) {
    return this.send('GET', '/v1/documents/{id}', { id, ...options });
  }

  delete(id: string, options: RequestOptions = {}) {
    return this.send('DELETE', '/v1/documents/{id}', { id, ...options });
  }

  purge(options: RequestOptions = {}) {
    return this.send('POST', '/v1/documents/purge', { body: {}, ...options });
  }

  search(body: unknown, options: RequestOptions = {}) {
    return this.send('POST', '/v1/search', { body, ...options });
  }
}

/** A clock the test moves. */
export class TestClock {
  constructor(public current = new Date('2025-03-10T12:00:00.000Z')) {}

  readonly now = (): Date => this.current;

  advanceDays(days: number): void {
    this.current = new Date(this.current.getTime() + days * 86_400_000);
  }
}
