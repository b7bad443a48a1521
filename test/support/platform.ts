import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../lib/config/loader';
import { AppConfig, PlatformConfig, TenantConfig } from '../../lib/config/schema';
import { buildMicroplane, MicroplaneOptions, MicroplaneStacks } from '../../lib/microplane';

/** The shipped example config. */
export const EXAMPLE_CONFIG_DIR = path.join(__dirname, '..', '..', 'config');

/** A fixed "today" so expiry rules do not make the tests age. */
export const TODAY = new Date('2026-11-22T12:00:00Z');

/** The example config of one environment, as the CDK app would load it on TODAY. */
export function exampleConfig(environment = 'dev', configDir = EXAMPLE_CONFIG_DIR): PlatformConfig {
  return loadConfig({ configDir, environment, now: TODAY });
}

/** A fresh app with the example config's stacks; security checks off unless asked for. */
export function synthExample(environment = 'dev', options: MicroplaneOptions & { configDir?: string } = {}): {
  app: App;
  stacks: MicroplaneStacks;
} {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'microplane-cdk-')) });
  const stacks = buildMicroplane(app, exampleConfig(environment, options.configDir), {
    securityChecks: options.securityChecks ?? false,
  });
  return { app, stacks };
}

/** The template as JSON, with asset hashes replaced so snapshots do not change with code or esbuild. */
export function normalizedTemplate(template: Template): unknown {
  const text = JSON.stringify(template.toJSON());
  return JSON.parse(text.replace(/[0-9a-f]{64}/g, '<asset-hash>'));
}

/** Copies the example config to a temp dir, for tests that change it. */
export function copyExampleConfig(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'microplane-config-'));
  fs.cpSync(EXAMPLE_CONFIG_DIR, dir, { recursive: true });
  return dir;
}

/** A minimal valid app for construct tests. */
export function app(overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    id: 'where2eat',
    displayName: 'Where2Eat',
    owner: 'owner@example.com',
    purpose: 'Picks a lunch place for the team',
    tier: 'standard',
    dataClassification: 'internal',
    expires: '2027-06-30',
    callbackUrls: ['https://where2eat.apps.example.com/callback'],
    logoutUrls: [],
    scopes: ['whoami.read'],
    enabled: true,
    ...overrides,
  };
}

/** A minimal valid tenant for construct tests. */
export function tenant(id: string, overrides: Partial<TenantConfig> = {}): TenantConfig {
  return {
    id,
    displayName: `Tenant ${id}`,
    owner: { name: 'Owner', email: 'owner@example.com' },
    costCenter: 'CC-1',
    isolation: 'pooled',
    residency: 'eu-west-1',
    apps: [app({ id: `${id}-app` })],
    ...overrides,
  };
}

/** A JSON string that CloudFormation joins from parts, parsed with every token replaced by `placeholder`. */
export function joinedJson(value: { 'Fn::Join': [string, unknown[]] }, placeholder: string): unknown {
  const [, parts] = value['Fn::Join'];
  return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : placeholder)).join(''));
}
