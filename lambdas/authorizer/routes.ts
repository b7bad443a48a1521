import type { PolicyDocument } from 'aws-lambda';
import { z } from 'zod';

const routeScopeSchema = z.object({
  method: z.enum(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE', 'ANY']),
  path: z.string().regex(/^\/(?:(?:[A-Za-z0-9._~-]+|\{[A-Za-z0-9_]+\+?\})(?:\/|$))*$/, 'must be an API path like /v1/notes/{id}'),
  scope: z.string().min(1),
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
 * A policy allowing exactly the routes whose scope is granted. It covers every route, not only the one
 * called, because API Gateway caches the policy per token and reuses it for the token's next calls.
 */
export function routePolicy(methodArn: string, routes: readonly RouteScope[], scopes: readonly string[]): PolicyDocument {
  const prefix = stageArnPrefix(methodArn);
  const resources = routes.filter((route) => scopes.includes(route.scope)).map((route) => prefix + routeResource(route));
  if (resources.length === 0) return denyAllPolicy(methodArn);
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: [...new Set(resources)] }] };
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

/** `GET/v1/notes/*` for `GET /v1/notes/{noteId}`: path parameters match any value. */
function routeResource(route: RouteScope): string {
  const method = route.method === 'ANY' ? '*' : route.method;
  return `${method}${route.path.replace(/\{[^}]+\}/g, '*')}`;
}
