import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Gateway } from '../../lib/constructs/gateway';
import { ServiceTokenKey } from '../../lib/constructs/service-token-key';

function gatewayStack(props: Partial<ConstructorParameters<typeof Gateway>[2]> = {}) {
  const stack = new Stack();
  const serviceTokenKey = new ServiceTokenKey(stack, 'Key', { environmentName: 'dev' });
  const gateway = new Gateway(stack, 'Gateway', {
    environmentName: 'dev',
    serviceTokenKey,
    appRegistryPrefix: '/microplane/dev/apps/',
    ...props,
  });
  const fn = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 })'),
  });
  return { stack, gateway, fn };
}

describe('a gateway with one tenant route and one public route', () => {
  const { stack, gateway, fn } = gatewayStack({ authorizerCacheTtl: Duration.seconds(45) });
  gateway.addTenantRoute('GET', '/v1/whoami', fn, 'whoami.read');
  gateway.addTenantRoute('DELETE', '/v1/notes/{id}', fn, 'notes.write');
  gateway.addPublicRoute('POST', '/oauth2/token', fn, 'public by design');
  const template = Template.fromStack(stack);

  test('usage keys come from the authorizer, so callers never hold API keys', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { Name: 'microplane-dev', ApiKeySourceType: 'AUTHORIZER' });
  });

  test('tenant routes need the token authorizer and a usage key', () => {
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      AuthorizationType: 'CUSTOM',
      AuthorizerId: Match.anyValue(),
      ApiKeyRequired: true,
      RequestParameters: { 'method.request.header.Authorization': true },
    });
  });

  test('public routes need no authorizer', () => {
    template.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'POST', AuthorizationType: 'NONE' });
  });

  test('the authorizer reads bearer tokens and caches its decision for the configured time', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'TOKEN',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 45,
      IdentityValidationExpression: Match.stringLikeRegexp('^\\^Bearer '),
    });
  });

  test('the authorizer learns every tenant route and its scope', () => {
    const functions = template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: Match.objectLike({ ROUTE_SCOPES: Match.anyValue() }) } },
    });
    const variables = Object.values(functions)[0].Properties.Environment.Variables;
    expect(JSON.parse(variables.ROUTE_SCOPES)).toEqual([
      { method: 'GET', path: '/v1/whoami', scope: 'whoami.read' },
      { method: 'DELETE', path: '/v1/notes/{id}', scope: 'notes.write' },
    ]);
    expect(variables.APP_REGISTRY_PREFIX).toBe('/microplane/dev/apps/');
    expect(variables.SERVICE_TOKEN_ISSUER).toBe('https://microplane.dev.invalid');
    expect(gateway.tenantRoutes).toHaveLength(2);
  });

  test('the authorizer may read the public signing key and the app registry, nothing more', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'kms:GetPublicKey' }),
          Match.objectLike({
            Action: 'ssm:GetParameter',
            Resource: { 'Fn::Join': ['', Match.arrayWith([':parameter/microplane/dev/apps/*'])] },
          }),
        ]),
      },
    });
  });

  test('the stage traces, logs JSON access lines with tenant and app, and never logs bodies', () => {
    const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0].Properties;
    expect(stage.TracingEnabled).toBe(true);
    expect(stage.MethodSettings).toEqual([expect.objectContaining({ DataTraceEnabled: false, LoggingLevel: 'INFO' })]);
    const format = JSON.parse(stage.AccessLogSetting.Format);
    expect(format).toMatchObject({ tenantId: '$context.authorizer.tenantId', appId: '$context.authorizer.appId' });
  });

  test('API Gateway errors use the {code, message, details} envelope', () => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'UNAUTHORIZED',
      StatusCode: '401',
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('"code":"unauthorized","message":.*"details"') },
    });
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', { ResponseType: 'QUOTA_EXCEEDED', StatusCode: '429' });
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', { ResponseType: 'ACCESS_DENIED', StatusCode: '403' });
  });

  test('a WAF web ACL with a per-IP rate limit guards the stage', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      Rules: Match.arrayWith([Match.objectLike({ Name: 'RateLimitPerIp', Statement: { RateBasedStatement: Match.objectLike({ Limit: 2000 }) } })]),
    });
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
  });
});

test('WAF can be switched off', () => {
  const { stack, gateway, fn } = gatewayStack({ waf: false });
  gateway.addPublicRoute('GET', '/.well-known/jwks.json', fn, 'public by design');
  Template.fromStack(stack).resourceCountIs('AWS::WAFv2::WebACL', 0);
});

test('the authorizer cache defaults to 60 seconds', () => {
  const { stack, gateway, fn } = gatewayStack();
  gateway.addTenantRoute('GET', '/v1/whoami', fn, 'whoami.read');
  Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::Authorizer', { AuthorizerResultTtlInSeconds: 60 });
});

test('a service token lifetime over 15 minutes is refused', () => {
  expect(() => new ServiceTokenKey(new Stack(), 'Key', { environmentName: 'dev', tokenLifetime: Duration.minutes(16) })).toThrow(
    'at most 15 minutes',
  );
});

test('the signing key is an ECC P-256 signing key with its own alias', () => {
  const { stack, gateway, fn } = gatewayStack();
  gateway.addPublicRoute('GET', '/.well-known/jwks.json', fn, 'public by design');
  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::KMS::Key', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
  template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/microplane/dev/service-token-signing' });
});
