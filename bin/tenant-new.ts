/**
 * Scaffolds a tenant file: `npm run tenant:new -- <id> [--config-dir config]`.
 * The example app uses the first tier and residency region of the dev environment.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { loadEnvironment } from '../lib/config/loader';
import { scaffoldTenant, tenantIdProblem } from '../lib/config/scaffold';

const USAGE = 'usage: npm run tenant:new -- <tenant-id> [--config-dir <dir>]';

function main(): void {
  const { values, positionals } = parseArgs({
    options: { 'config-dir': { type: 'string', default: 'config' } },
    allowPositionals: true,
  });
  const [id] = positionals;
  if (!id || positionals.length > 1) fail(USAGE);
  const idProblem = tenantIdProblem(id);
  if (idProblem) fail(`"${id}" is not a valid tenant id: ${idProblem}`);

  const configDir = values['config-dir'];
  const file = path.join(configDir, 'tenants', `${id}.yaml`);
  if (fs.existsSync(file)) fail(`${file} already exists; edit it instead, or choose another id.`);

  const dev = loadEnvironment(configDir, 'dev');
  const text = scaffoldTenant({ id, now: new Date(), tier: Object.keys(dev.tiers)[0], residency: dev.residencyRegions[0] });
  fs.writeFileSync(file, text, { flag: 'wx' });
  console.log(`Created ${file}. The config is refused until every CHANGE-ME value is filled in; then check it with: npm run synth`);
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

try {
  main();
} catch (error) {
  fail((error as Error).message);
}
