import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../lib/config/loader';
import { platformStackName, tenantStackName } from '../../lib/microplane';

/**
 * The real `cdk synth` of every environment in config/environments, as a developer or CI without an AWS
 * account runs it: credentials unset and every place the SDK could find some pointed at nothing. One CLI
 * run per environment, with cdk-nag and the Guard rules on, exactly as `npm run synth`.
 */
const ROOT = path.join(__dirname, '..', '..');
const CONFIG_DIR = path.join(ROOT, 'config');
const CDK = path.join(ROOT, 'node_modules', '.bin', 'cdk');
const ENVIRONMENTS = fs
  .readdirSync(path.join(CONFIG_DIR, 'environments'))
  .filter((file) => file.endsWith('.yaml'))
  .map((file) => path.basename(file, '.yaml'));

const CREDENTIAL_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'];

function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CREDENTIAL_VARIABLES) delete env[name];
  return {
    ...env,
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    AWS_EC2_METADATA_DISABLED: 'true',
    CI: 'true',
  };
}

function expectedStacks(environment: string): string[] {
  const config = loadConfig({ configDir: CONFIG_DIR, environment });
  return [platformStackName(environment), ...config.tenants.map((tenant) => tenantStackName(environment, tenant.id))];
}

test('there is at least one environment to synthesize', () => {
  expect(ENVIRONMENTS.length).toBeGreaterThan(0);
});

describe.each(ENVIRONMENTS)('cdk synth -c env=%s without AWS credentials', (environment) => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `microplane-cli-${environment}-`));
  let result: ReturnType<typeof spawnSync>;

  beforeAll(() => {
    result = spawnSync(CDK, ['synth', '-c', `env=${environment}`, '--quiet', '-o', outdir], {
      cwd: ROOT,
      env: offlineEnv(),
      encoding: 'utf8',
      timeout: 240_000,
    });
  }, 250_000);

  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('exits 0', () => {
    if (result.status !== 0) {
      throw new Error(`cdk synth -c env=${environment} exited ${result.status}:\n${String(result.stderr).slice(-4000)}`);
    }
  });

  test('writes the template of the platform stack and of every tenant stack', () => {
    for (const stack of expectedStacks(environment)) {
      const template = path.join(outdir, `${stack}.template.json`);
      expect({ stack, exists: fs.existsSync(template) }).toEqual({ stack, exists: true });
      expect(JSON.parse(fs.readFileSync(template, 'utf8')).Resources).toBeDefined();
    }
  });

  test('writes the app catalog of the environment beside the templates', () => {
    const catalog = JSON.parse(fs.readFileSync(path.join(outdir, 'catalog.json'), 'utf8'));
    const tenantIds = loadConfig({ configDir: CONFIG_DIR, environment }).tenants.map((tenant) => tenant.id);
    expect(catalog.environment).toBe(environment);
    expect(catalog.tenants.map((tenant: { id: string }) => tenant.id)).toEqual(tenantIds);
    expect(fs.readFileSync(path.join(outdir, 'catalog.md'), 'utf8')).toContain(`# Microplane app catalog: ${environment}`);
  });

  test('prints no bundling banners or esbuild size tables', () => {
    const output = `${String(result.stdout)}${String(result.stderr)}`;
    expect(output).not.toMatch(/Bundling asset|⚡ Done|index\.js\.map/);
  });
});
