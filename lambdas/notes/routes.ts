import type { APIGatewayProxyEvent } from 'aws-lambda';
import { notesErrors } from './errors';
import { createNote, deleteNote, getNote, listNotes, restoreNote, updateNote, type Operation } from './operations';

/** The routes of the notes API by resource template; the gateway's name for `{id}` does not matter. */
const ROUTES: Readonly<Record<string, Readonly<Record<string, Operation>>>> = {
  '/v1/notes': { GET: listNotes, POST: createNote },
  '/v1/notes/{id}': { GET: getNote, PATCH: updateNote, DELETE: deleteNote },
  '/v1/notes/{id}/restore': { POST: restoreNote },
};

/** The route's template and operation; 404 for an unknown resource, 405 for an unsupported method. */
export function routeOf(event: APIGatewayProxyEvent): { template: string; operation: Operation } {
  const template = (event.resource ?? '').replace(/\{[A-Za-z0-9_]+\}/g, '{id}');
  const methods = Object.hasOwn(ROUTES, template) ? ROUTES[template] : undefined;
  if (!methods) throw notesErrors.routeNotFound();
  const method = event.httpMethod?.toUpperCase() ?? '';
  const operation = Object.hasOwn(methods, method) ? methods[method] : undefined;
  if (!operation) throw notesErrors.methodNotAllowed(Object.keys(methods));
  return { template, operation };
}
