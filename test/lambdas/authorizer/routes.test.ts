import type { PolicyDocument } from 'aws-lambda';
import * as routes from '../../../lambdas/authorizer/routes';
import { denyAllPolicy, parseRouteScopes, routePolicy } from '../../../lambdas/authorizer/routes';

const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/v1/whoami';

test('a path parameter matches any value in the policy', () => {
  const routes = parseRouteScopes(JSON.stringify([{ method: 'DELETE', path: '/v1/notes/{noteId}', scope: 'notes.write' }]));
  expect(routePolicy(METHOD_ARN, routes, ['notes.write']).Statement[0]).toMatchObject({
    Resource: ['arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/DELETE/v1/notes/*'],
  });
});

test('a route for any method allows every method of its path', () => {
  const routes = parseRouteScopes(JSON.stringify([{ method: 'ANY', path: '/v1/notes', scope: 'notes.write' }]));
  expect(routePolicy(METHOD_ARN, routes, ['notes.write']).Statement[0]).toMatchObject({
    Resource: ['arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/*/v1/notes'],
  });
});

test('the deny-all policy covers every route of the stage', () => {
  expect(denyAllPolicy(METHOD_ARN).Statement).toEqual([
    { Effect: 'Deny', Action: 'execute-api:Invoke', Resource: 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/*' },
  ]);
});

test('a route table with a malformed path is refused at cold start', () => {
  expect(() => parseRouteScopes(JSON.stringify([{ method: 'GET', path: 'v1/whoami', scope: 'whoami.read' }]))).toThrow(
    /ROUTE_SCOPES is invalid/,
  );
});

test('a route table with an unknown method is refused at cold start', () => {
  expect(() => parseRouteScopes(JSON.stringify([{ method: 'FETCH', path: '/v1/whoami', scope: 'whoami.read' }]))).toThrow(
    /ROUTE_SCOPES is invalid/,
  );
});

test('a method ARN that is not an execute-api ARN is refused', () => {
  expect(() => denyAllPolicy('arn:aws:s3:::bucket/key')).toThrow(/Unexpected method ARN/);
});

const STAGE = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/';
const NOTE_ROUTES = parseRouteScopes(
  JSON.stringify([
    { method: 'GET', path: '/v1/notes/{id}', scope: 'notes.read' },
    { method: 'POST', path: '/v1/notes/{id}/restore', scope: 'notes.write' },
    { method: 'GET', path: '/v1/files/{key+}', scope: 'files.read' },
  ]),
);

/** How API Gateway evaluates the policy: IAM wildcards (`*` matches `/` too), an explicit Deny wins. */
function policyAllows(policy: PolicyDocument, arn: string): boolean {
  const matches = (effect: string) =>
    policy.Statement.some((statement) => {
      const resources = 'Resource' in statement ? [statement.Resource ?? []].flat() : [];
      const glob = (pattern: string) => new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.?+^$()[\]{}|\\]/g, '\\$&')).join('.*')}$`);
      return statement.Effect === effect && resources.some((resource) => glob(resource).test(arn));
    });
  return matches('Allow') && !matches('Deny');
}

describe('a path parameter matches exactly one path segment', () => {
  test('/v1/notes/a/b is not the route /v1/notes/{id}', () => {
    expect(routes.routeFor(`${STAGE}GET/v1/notes/a/b`, NOTE_ROUTES)).toBeUndefined();
    expect(routes.routeFor(`${STAGE}GET/v1/notes/a`, NOTE_ROUTES)).toMatchObject({ path: '/v1/notes/{id}' });
  });

  test('a greedy parameter matches several segments', () => {
    expect(routes.routeFor(`${STAGE}GET/v1/files/a/b`, NOTE_ROUTES)).toMatchObject({ path: '/v1/files/{key+}' });
  });

  test('the policy of a {id} route does not allow a deeper path', () => {
    const policy = routePolicy(`${STAGE}GET/v1/notes/a`, NOTE_ROUTES, ['notes.read']);
    expect(policyAllows(policy, `${STAGE}GET/v1/notes/a`)).toBe(true);
    expect(policyAllows(policy, `${STAGE}GET/v1/notes/a/b`)).toBe(false);
  });

  test('the policy of a {id} route still allows a granted deeper route of the same method', () => {
    const deeper = parseRouteScopes(JSON.stringify([...NOTE_ROUTES, { method: 'GET', path: '/v1/notes/{id}/history', scope: 'notes.read' }]));
    const policy = routePolicy(`${STAGE}GET/v1/notes/a`, deeper, ['notes.read']);
    expect(policyAllows(policy, `${STAGE}GET/v1/notes/a/history`)).toBe(true);
  });
});
