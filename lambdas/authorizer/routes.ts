import type { PolicyDocument, Statement } from 'aws-lambda';
// zod/mini: the classic `zod` entry pulls in every locale (~440 KB) and the authorizer stays under 100 KB.
import * as z from 'zod/mini';

const routeScopeSchema = z.object({
  method: z.enum(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE', 'ANY']),
  path: z.string().check(z.regex(/^\/(?:(?:[A-Za-z0-9._~-]+|\{[A-Za-z0-9_]+\+?\})(?:\/|$))*$/, 'must be an API path like /v1/notes/{id}')),
  scope: z.string().check(z.minLength(1)),
});

/** A gateway route and the scope it requires. */
export type RouteScope = z.infer<typeof routeScopeSchema>;

/** Parses `ROUTE_SCOPES`, a JSON array of `{method, path, scope}`. */
export function parseRouteScopes(json: string): RouteScope[] {
  const parsed = z.array(routeScopeSchema).safeParse(JSON.parse(json));
  if (!parsed.success) throw new Error(`ROUTE_SCOPES is invalid: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/**
 * The route a method ARN calls. `{id}` matches exactly one non-empty segment and never spans `/`;
 * only a greedy `{proxy+}` matches several.
 */
export function routeFor(methodArn: string, routes: readonly RouteScope[]): RouteScope | undefined {
  const { method, path } = calledMethod(methodArn);
  return routes.find((route) => (route.method === 'ANY' || route.method === method) && templateMatches(route.path, path));
}

function templateMatches(template: string, path: string): boolean {
  const pattern = template
    .split('/')
    .map((segment) => (/^\{[^}]+\+\}$/.test(segment) ? '[^/]+(?:/[^/]+)*' : /^\{[^}]+\}$/.test(segment) ? '[^/]+' : escapeRegExp(segment)))
    .join('/');
  return new RegExp(`^${pattern}$`).test(path);
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A policy allowing exactly the routes whose scope is granted. It covers every route, not only the one
 * called, because API Gateway caches the policy per token and reuses it for the token's next calls.
 * An IAM `*` also matches `/`, so each `{id}` wildcard comes with a Deny of the deeper paths it would
 * otherwise reach.
 */
export function routePolicy(methodArn: string, routes: readonly RouteScope[], scopes: readonly string[]): PolicyDocument {
  const prefix = stageArnPrefix(methodArn);
  const granted = routes.filter((route) => scopes.includes(route.scope));
  if (granted.length === 0) return denyAllPolicy(methodArn);
  const allowed = unique(granted.map((route) => prefix + routeResource(route)));
  const denied = unique(granted.flatMap((route) => spanningResources(route, granted)).map((resource) => prefix + resource));
  const statements: Statement[] = [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: allowed }];
  if (denied.length > 0) statements.push({ Effect: 'Deny', Action: 'execute-api:Invoke', Resource: denied });
  return { Version: '2012-10-17', Statement: statements };
}

/** A policy denying every route of the stage. */
export function denyAllPolicy(methodArn: string): PolicyDocument {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'execute-api:Invoke', Resource: `${stageArnPrefix(methodArn)}*` }] };
}

/** `arn:aws:execute-api:region:account:apiId/stage/` from a method ARN `…/stage/METHOD/path`. */
function stageArnPrefix(methodArn: string): string {
  const [api, stage] = methodArn.split('/');
  if (!/^arn:aws[a-z-]*:execute-api:[a-z0-9-]+:\d{12}:[A-Za-z0-9]+$/.test(api) || !stage) {
    throw new Error(`Unexpected method ARN: ${methodArn}`);
  }
  return `${api}/${stage}/`;
}

/** The method and path (`/v1/notes/42`) of a method ARN. */
function calledMethod(methodArn: string): { method: string; path: string } {
  const [, , method = '', ...path] = methodArn.split('/');
  return { method, path: `/${path.join('/')}` };
}

/** `GET/v1/notes/*` for `GET /v1/notes/{noteId}`. */
function routeResource(route: RouteScope): string {
  return `${methodPattern(route)}${route.path.replace(/\{[^}]+\}/g, '*')}`;
}

/**
 * For each single-segment parameter of `route`, the pattern of paths where that `*` would span `/`
 * (`GET/v1/notes/*\/*`). Left out when a granted route of the same method is deeper, so a Deny never
 * hits a path the token may call.
 */
function spanningResources(route: RouteScope, granted: readonly RouteScope[]): string[] {
  const segments = route.path.split('/');
  const deeper = granted.some((other) => sameMethod(other, route) && other.path.split('/').length > segments.length);
  if (deeper || route.path.includes('+}')) return [];
  return segments.flatMap((segment, index) => {
    if (!/^\{[^}]+\}$/.test(segment)) return [];
    const pattern = segments.map((part, at) => (at === index ? '*/*' : part.replace(/^\{[^}]+\}$/, '*'))).join('/');
    return [`${methodPattern(route)}${pattern}`];
  });
}

const methodPattern = (route: RouteScope): string => (route.method === 'ANY' ? '*' : route.method);
const sameMethod = (a: RouteScope, b: RouteScope): boolean => a.method === 'ANY' || b.method === 'ANY' || a.method === b.method;
const unique = (values: readonly string[]): string[] => [...new Set(values)];
