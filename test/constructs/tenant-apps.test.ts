import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { TenantApps, usageKeyValue } from '../../lib/constructs/tenant-apps';
import { app, joinedJson } from '../support/platform';

function appsStack(apps = [app(), app({ id: 'hr-leave', tier: 'sandbox', enabled: false, scopes: ['whoami.read', 'notes.read'] })]) {
  const stack = new Stack();
  const tenantApps = new TenantApps(stack, 'Apps', {
    tenantId: 'acme',
    apps,
    environmentName: 'dev',
    userPool: cognito.UserPool.fromUserPoolId(stack, 'Pool', 'eu-west-1_pool'),
    usagePlanIds: { standard: 'plan-standard', sandbox: 'plan-sandbox' },
    appRegistryPrefix: '/microplane/dev/apps/',
    userTokenValidity: Duration.minutes(30),
  });
  return { stack, tenantApps, template: Template.fromStack(stack) };
}

describe('two apps of one tenant', () => {
  const { template, tenantApps } = appsStack();

  test('each app gets a public client with the authorization code flow and no secret', () => {
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 2);
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ClientName: 'acme-where2eat',
      UserPoolId: 'eu-west-1_pool',
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      CallbackURLs: ['https://where2eat.apps.example.com/callback'],
      AllowedOAuthScopes: ['openid', 'email', 'profile', 'microplane/whoami.read'],
      SupportedIdentityProviders: ['COGNITO'],
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      AccessTokenValidity: 30,
    });
  });

  test('clients may read the tenant attribute but never write it', () => {
    const clients = Object.values(template.findResources('AWS::Cognito::UserPoolClient'));
    for (const client of clients) {
      expect(client.Properties.ReadAttributes).toContain('custom:tenant_id');
      expect(client.Properties.WriteAttributes).not.toContain('custom:tenant_id');
    }
  });

  test('each app has its own API key on its tier\'s usage plan', () => {
    template.hasResourceProperties('AWS::ApiGateway::ApiKey', {
      Name: 'microplane-dev-where2eat',
      Enabled: true,
      Value: usageKeyValue('dev', 'where2eat'),
    });
    template.hasResourceProperties('AWS::ApiGateway::ApiKey', { Name: 'microplane-dev-hr-leave', Enabled: false });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlanKey', { UsagePlanId: 'plan-standard', KeyType: 'API_KEY' });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlanKey', { UsagePlanId: 'plan-sandbox', KeyType: 'API_KEY' });
  });

  test('the registry entry tells the token exchange and authorizer the app\'s tenant, client, scopes and expiry', () => {
    const parameter = Object.values(
      template.findResources('AWS::SSM::Parameter', { Properties: { Name: '/microplane/dev/apps/hr-leave' } }),
    )[0];
    expect(joinedJson(parameter.Properties.Value, 'CLIENT_ID')).toEqual({
      tenantId: 'acme',
      appId: 'hr-leave',
      clientId: 'CLIENT_ID',
      scopes: ['whoami.read', 'notes.read'],
      expires: '2027-06-30',
      enabled: false,
      usageKey: 'microplane-dev-hr-leave-usage',
      tier: 'sandbox',
    });
  });

  test('per-app resources are tagged with the app id', () => {
    template.hasResourceProperties('AWS::ApiGateway::ApiKey', { Tags: Match.arrayWith([{ Key: 'microplane:app', Value: 'hr-leave' }]) });
  });

  test('apps can be looked up by id', () => {
    expect(tenantApps.appIds).toEqual(['where2eat', 'hr-leave']);
    expect(tenantApps.appFor('where2eat').app.tier).toBe('standard');
    expect(() => tenantApps.appFor('nope')).toThrow('has no app "nope" (has: where2eat, hr-leave)');
  });
});

test('an app on a tier without a usage plan is refused with the tiers that exist', () => {
  expect(() => appsStack([app({ tier: 'gold' })])).toThrow('uses tier "gold", which has no usage plan (have: standard, sandbox)');
});

test('usage key values are long enough for API Gateway and unique per environment', () => {
  expect(usageKeyValue('dev', 'abc').length).toBeGreaterThanOrEqual(20);
  expect(usageKeyValue('dev', 'abc')).not.toBe(usageKeyValue('prod', 'abc'));
});
