import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnResource, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AUTHORIZER_LAYER_PACKAGES, BEARER_VALIDATION_REGEX, Gateway } from '../../lib/constructs/gateway';
import { BUNDLE_FILE, installedPowertoolsVersion } from '../../lib/constructs/microplane-function';
import { TokenExchange } from '../../lib/constructs/token-exchange';
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
      IdentityValidationExpression: BEARER_VALIDATION_REGEX,
    });
  });

  test('the authorizer\'s identity validation accepts the Bearer scheme in any case (RFC 9110)', () => {
    const [authorizer] = Object.values(template.findResources('AWS::ApiGateway::Authorizer'));
    const validation = new RegExp(authorizer.Properties.IdentityValidationExpression);
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) expect(validation.test(`${scheme} aaa.bbb.ccc`)).toBe(true);
    expect(validation.test('Basic aaa.bbb.ccc')).toBe(false);
  });

  test('the gateway\'s 401 names the Bearer scheme in WWW-Authenticate', () => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'UNAUTHORIZED',
      ResponseParameters: Match.objectLike({ 'gatewayresponse.header.WWW-Authenticate': '\'Bearer realm="microplane"\'' }),
    });
  });

  test('the authorizer verifies the platform audience', () => {
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: Match.objectLike({ ROUTE_SCOPES: Match.anyValue() }) } },
    }));
    expect(fn.Properties.Environment.Variables.SERVICE_TOKEN_AUDIENCE).toBe('microplane-dev-api');
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

  describe('the authorizer\'s Powertools Tracer', () => {
    const authorizer = () => template.toJSON().Resources[stack.getLogicalId(gateway.authorizerFunction.function.node.defaultChild as CfnResource)];

    test('comes from the Powertools layer of the installed version, with active tracing', () => {
      const { Properties } = authorizer();
      expect(Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(Properties.Layers).toEqual([{ Ref: expect.any(String) }]);
      expect(template.toJSON().Parameters[Properties.Layers[0].Ref]).toEqual({
        Type: 'AWS::SSM::Parameter::Value<String>',
        Default: `/aws/service/powertools/typescript/generic/all/${installedPowertoolsVersion(['@aws-lambda-powertools/tracer'])}`,
      });
    });

    test('is left out of the authorizer\'s bundle, and the X-Ray SDK with it', () => {
      expect(AUTHORIZER_LAYER_PACKAGES).toEqual(['@aws-lambda-powertools/tracer']);
      const code = fs.readFileSync(path.join(gateway.authorizerFunction.bundleDir, BUNDLE_FILE), 'utf8');
      const { sources } = JSON.parse(fs.readFileSync(path.join(gateway.authorizerFunction.bundleDir, `${BUNDLE_FILE}.map`), 'utf8')) as { sources: string[] };
      expect(code).toContain('require("@aws-lambda-powertools/tracer")');
      expect(sources.filter((source) => /node_modules\/(@aws-lambda-powertools\/tracer|aws-xray-sdk-core)\//.test(source))).toEqual([]);
      expect(sources).toContain('../../lambdas/authorizer/tracing.ts');
    });

    test('is the only function with a layer', () => {
      const withLayers = Object.values(template.findResources('AWS::Lambda::Function')).filter((fn) => fn.Properties.Layers);
      expect(withLayers).toEqual([authorizer()]);
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

describe('the service token issuer', () => {
  const authorizerEnv = (stack: Stack) =>
    Object.values(
      Template.fromStack(stack).findResources('AWS::Lambda::Function', {
        Properties: { Environment: { Variables: Match.objectLike({ ROUTE_SCOPES: Match.anyValue() }) } },
      }),
    )[0].Properties.Environment.Variables;

  test('defaults to the stage URL, without a trailing slash, built from the API id and not the stage', () => {
    // GIVEN
    const { stack, gateway, fn } = gatewayStack();
    // WHEN
    gateway.addTenantRoute('GET', '/v1/whoami', fn, 'whoami.read');
    // THEN the authorizer's issuer references the RestApi only: a reference to the Stage would be a cycle
    expect(stack.resolve(gateway.issuer)).toEqual({
      'Fn::Join': ['', ['https://', { Ref: stack.getLogicalId(gateway.api.node.defaultChild as CfnResource) }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/live']],
    });
    expect(authorizerEnv(stack).SERVICE_TOKEN_ISSUER).toEqual(stack.resolve(gateway.issuer));
  });

  test('follows a custom stage name', () => {
    const { stack, gateway } = gatewayStack({ stageName: 'v2' });
    expect(JSON.stringify(stack.resolve(gateway.issuer))).toMatch(/"\/v2"\]\]\}$/);
  });

  test('is the configured issuer when one is given, e.g. a custom domain', () => {
    const { stack, gateway, fn } = gatewayStack({ issuer: 'https://id.example.com' });
    gateway.addTenantRoute('GET', '/v1/whoami', fn, 'whoami.read');
    expect(gateway.issuer).toBe('https://id.example.com');
    expect(authorizerEnv(stack).SERVICE_TOKEN_ISSUER).toBe('https://id.example.com');
  });

  test('is the one the token exchange signs with and the discovery document names', () => {
    // GIVEN
    const { stack, gateway, fn } = gatewayStack();
    gateway.addTenantRoute('GET', '/v1/whoami', fn, 'whoami.read');
    const serviceTokenKey = stack.node.findChild('Key') as ServiceTokenKey;
    // WHEN
    const exchange = new TokenExchange(stack, 'Exchange', {
      gateway,
      serviceTokenKey,
      userPool: new cognito.UserPool(stack, 'Pool'),
      appRegistryPrefix: '/microplane/dev/apps/',
    });
    // THEN
    const template = Template.fromStack(stack);
    const variablesOf = (fn: lambda.Function) =>
      template.toJSON().Resources[stack.getLogicalId(fn.node.defaultChild as CfnResource)].Properties.Environment.Variables;
    const issuer = JSON.parse(JSON.stringify(stack.resolve(gateway.issuer)));
    expect(variablesOf(exchange.tokenFunction.function)).toMatchObject({ SERVICE_TOKEN_ISSUER: issuer, SERVICE_TOKEN_AUDIENCE: 'microplane-dev-api' });
    expect(variablesOf(exchange.jwksFunction.function)).toMatchObject({ SERVICE_TOKEN_ISSUER: issuer });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'openid-configuration' });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      AuthorizationType: 'NONE',
      Integration: Match.objectLike({ Uri: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.objectLike({ 'Fn::GetAtt': [Match.stringLikeRegexp('^ExchangeJwks'), 'Arn'] })])] }) }),
    });
  });
});
