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
