import type { APIGatewayProxyEvent } from 'aws-lambda';
import { documentsErrors } from './errors';
import { ingestDocument } from './ingest';
import { deleteDocument, documentStatus, purgeDocuments } from './manage';
import type { Operation } from './operation';
import { searchDocuments } from './search';

/** An operation and the scope the authorizer already checked for it (checked here again, fail closed). */
interface Route {
  readonly operation: Operation;
  readonly scope: 'documents.read' | 'documents.write';
}

/** The routes of the documents API by resource template; the gateway's name for `{id}` does not matter. */
const ROUTES: Readonly<Record<string, Readonly<Record<string, Route>>>> = {
  '/v1/documents': { POST: { operation: ingestDocument, scope: 'documents.write' } },
  '/v1/documents/purge': { POST: { operation: purgeDocuments, scope: 'documents.write' } },
  '/v1/documents/{id}': {
    GET: { operation: documentStatus, scope: 'documents.read' },
    DELETE: { operation: deleteDocument, scope: 'documents.write' },
  },
  '/v1/search': { POST: { operation: searchDocuments, scope: 'documents.read' } },
};

/** The route of the event; 404 for an unknown resource, 405 for an unsupported method. */
export function routeOf(event: APIGatewayProxyEvent): Route {
  const template = (event.resource ?? '').replace(/\{[A-Za-z0-9_]+\}/g, '{id}');
  const methods = Object.hasOwn(ROUTES, template) ? ROUTES[template] : undefined;
  if (!methods) throw documentsErrors.routeNotFound();
  const method = event.httpMethod?.toUpperCase() ?? '';
  const route = Object.hasOwn(methods, method) ? methods[method] : undefined;
  if (!route) throw documentsErrors.methodNotAllowed(Object.keys(methods));
  return route;
}
