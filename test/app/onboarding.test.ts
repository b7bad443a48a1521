import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { scaffoldTenant } from '../../lib/config/scaffold';
import { copyExampleConfig, normalizedTemplate, synthExample, TODAY } from '../support/platform';

/** Every stack of an app by name, as normalized templates. */
function templatesOf(app: App): Map<string, unknown> {
  const stacks = app.node.children.filter((child): child is Stack => child instanceof Stack);
  return new Map(stacks.map((stack) => [stack.stackName, normalizedTemplate(Template.fromStack(stack))]));
}

const before = templatesOf(synthExample('dev').app);

test('adding one tenant file adds exactly one stack and changes no other stack', () => {
  // GIVEN the example config plus one new tenant file, as `npm run tenant:new` writes it
  const configDir = copyExampleConfig();
  fs.writeFileSync(
    path.join(configDir, 'tenants', 'hooli-sales.yaml'),
    // The scaffold is refused until its placeholders are filled in, as a platform engineer would.
    fillInPlaceholders(scaffoldTenant({ id: 'hooli-sales', now: TODAY, tier: 'sandbox' })),
  );
  // WHEN
  const after = templatesOf(synthExample('dev', { configDir }).app);
  // THEN
  expect([...after.keys()].filter((name) => !before.has(name))).toEqual(['Microplane-dev-Tenant-hooli-sales']);
  for (const [name, template] of before) {
    expect({ name, template: after.get(name) }).toEqual({ name, template });
  }
});

test('removing one tenant file removes only its stack and changes no other stack', () => {
  const configDir = copyExampleConfig();
  fs.rmSync(path.join(configDir, 'tenants', 'globex-hr.yaml'));
  const after = templatesOf(synthExample('dev', { configDir }).app);
  expect([...before.keys()].filter((name) => !after.has(name))).toEqual(['Microplane-dev-Tenant-globex-hr']);
  for (const [name, template] of after) {
    expect({ name, template }).toEqual({ name, template: before.get(name) });
  }
});

test('stack names and stateful logical ids derive from the tenant id only', () => {
  const { stacks } = synthExample('dev');
  const acme = stacks.tenants.get('acme-foods')!;
  expect(acme.stackName).toBe('Microplane-dev-Tenant-acme-foods');
  const keyIds = Object.keys(Template.fromStack(acme).findResources('AWS::KMS::Key'));
  expect(keyIds).toEqual([expect.stringMatching(/^Keysacmefoods[0-9A-F]{8}$/)]);
});

/** What a platform engineer does after `npm run tenant:new`: replaces every CHANGE-ME placeholder. */
function fillInPlaceholders(yaml: string): string {
  return yaml
    .replace(/change-me@example\.com/gi, 'owner@hooli.example.com')
    .replace(/CHANGE-ME Owner Name/g, 'Gavin Belson')
    .replace(/costCenter: CHANGE-ME/g, 'costCenter: HOOLI-1')
    .replace(/CHANGE-ME what the app does and for whom, in a sentence or two\./g, 'Shows the sales team their open deals.');
}
