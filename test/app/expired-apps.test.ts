import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../lib/config';
import { buildMicroplane } from '../../lib/microplane';
import { EXAMPLE_CONFIG_DIR, joinedJson } from '../support/platform';

// The day after the example's earliest expiry (2027-10-31): the README's first command must still
// synthesize on it, with the expired apps switched off rather than the whole synth refused.
const AFTER_FIRST_EXPIRY = new Date('2027-11-01T08:00:00Z');

const config = loadConfig({ configDir: EXAMPLE_CONFIG_DIR, environment: 'dev', now: AFTER_FIRST_EXPIRY });
const expiredAppIds = config.tenants.flatMap((tenant) => tenant.apps.filter((app) => app.expires < '2027-11-01').map((app) => app.id));
const app = new App();
const stacks = buildMicroplane(app, config, { securityChecks: false });

test('expiry disables apps the config left enabled', () => {
  const configured = loadConfig({ configDir: EXAMPLE_CONFIG_DIR, environment: 'dev', now: new Date('2027-06-01T00:00:00Z') });
  const enabledBefore = configured.tenants.flatMap((tenant) => tenant.apps.filter((a) => a.enabled).map((a) => a.id));
  expect(expiredAppIds.filter((id) => enabledBefore.includes(id)).length).toBeGreaterThan(0);
});

test('the example config still loads after some of its apps expired, and says which', () => {
  expect(expiredAppIds.length).toBeGreaterThan(0);
  const expiredWarnings = (config.warnings ?? []).filter((warning) => warning.message.includes('expired on'));
  expect(expiredWarnings.map((warning) => warning.message.split(' ')[1]).sort()).toEqual([...expiredAppIds].sort());
});

test('an expired app keeps its client and registry entry but its usage key is off and the registry says disabled', () => {
  for (const tenantStack of stacks.tenants.values()) {
    const template = Template.fromStack(tenantStack);
    for (const tenantApp of tenantStack.apps.appIds) {
      // Apps switched off in config stay off; expired ones are off too.
      const expired = expiredAppIds.includes(tenantApp) || !tenantStack.apps.appFor(tenantApp).app.enabled;
      template.hasResourceProperties('AWS::ApiGateway::ApiKey', { Name: Match.stringLikeRegexp(`-${tenantApp}$`), Enabled: !expired });
      const [entry] = Object.values(template.findResources('AWS::SSM::Parameter', { Properties: { Name: Match.stringLikeRegexp(`/apps/${tenantApp}$`) } }));
      expect(joinedJson(entry.Properties.Value, 'client-id')).toMatchObject({ appId: tenantApp, enabled: !expired });
    }
  }
});
