/**
 * Bundle benchmark: bundles every function in lambdas/ exactly as MicroplaneFunction does (its exported
 * esbuild options) and prints, per function, the bundle size (minified and gzipped), the source map
 * size and the cold-start module init time: the time `require()` of the bundle takes in a fresh `node`
 * process, with the function's environment variables stubbed and `--enable-source-maps` on, as deployed.
 * Modules the Lambda runtime provides (the AWS SDK v3) resolve from node_modules, as they would from the
 * runtime's own copy; so do the Powertools packages a function takes from the Powertools layer (the
 * authorizer's Tracer, with the X-Ray SDK behind it), as they would from the layer's
 * /opt/nodejs/node_modules: they are not in the bundle size but their load is in the init time.
 *
 *   npm run bench:bundles                      # 15 cold starts per function
 *   npm run bench:bundles -- --runs 40         # more runs, steadier percentiles
 *   npm run bench:bundles -- --baseline        # as bundled before: AWS SDK inside, sources in the maps
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { buildSync } from 'esbuild';
import { AUTHORIZER_LAYER_PACKAGES } from '../lib/constructs/gateway';
import { BUNDLE_FILE, bundleHandler, bundleOptions, PROJECT_ROOT } from '../lib/constructs/microplane-function';

const LAMBDAS_DIR = path.join(PROJECT_ROOT, 'lambdas');

/** The Powertools packages each function takes from the Powertools layer, as its construct declares them. */
const LAYER_PACKAGES: Readonly<Record<string, readonly string[]>> = { authorizer: AUTHORIZER_LAYER_PACKAGES };

/** Environment every handler may read at module load, with values of the right shape. */
const STUB_ENV: Record<string, string> = {
  AWS_REGION: 'eu-west-1',
  AWS_DEFAULT_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIABENCHMARKONLY000',
  AWS_SECRET_ACCESS_KEY: 'benchmark-only',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  NODE_OPTIONS: '--enable-source-maps',
  NODE_PATH: path.join(PROJECT_ROOT, 'node_modules'),
  APP_REGISTRY_PREFIX: '/microplane/bench/apps/',
  ROUTE_SCOPES: JSON.stringify([{ method: 'GET', path: '/v1/whoami', scope: 'whoami.read' }]),
  SERVICE_TOKEN_AUDIENCE: 'microplane-bench',
  SERVICE_TOKEN_ISSUER: 'https://microplane.example.com/bench',
  SERVICE_TOKEN_TTL_SECONDS: '300',
  SIGNING_KEY_ARN: 'arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000000',
  TENANT_DATABASE_PARAMETER_PREFIX: '/microplane/bench/tenants/',
  TENANT_ROLE_ARN_TEMPLATE: 'arn:aws:iam::111111111111:role/microplane-bench-tenant-{tenantId}',
  USER_POOL_ID: 'eu-west-1_Bench0001',
  VECTOR_REGISTRY_PARAMETER_PREFIX: '/microplane/bench/vectors/',
  EMBEDDING_MODEL_ID: 'amazon.titan-embed-text-v2:0',
  EMBEDDING_DIMENSIONS: '1024',
  INGEST_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/111111111111/microplane-bench-ingest',
  SYNC_INGEST_MAX_BYTES: '65536',
  CHUNK_CHARACTERS: '2000',
  CHUNK_OVERLAP_CHARACTERS: '200',
  ENVIRONMENT_NAME: 'bench',
  BUDGET_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111111111111:microplane-bench-budgets',
  THROTTLE_TABLE_NAME: 'microplane-bench-throttle-state',
  THROTTLED_USAGE_KEY_TEMPLATE: 'microplane-bench-{tenantId}-throttled-usage',
  APP_REGISTRY_PARAMETER_PREFIX: '/microplane/bench/apps/',
  TOKEN_USAGE_TABLE_NAME: 'microplane-bench-llm-token-usage',
  COMPLETION_CACHE_TABLE_NAME: 'microplane-bench-llm-cache',
  TENANT_KEY_ALIAS_PREFIX: 'alias/microplane/bench/',
  // The LLM proxy reads its templates and model policy from its layer at cold start.
  PROXY_CONFIG_PATH: writeStubProxyConfig(),
};

/** A minimal LLM proxy config file (no templates, no models), as its layer would ship it. */
function writeStubProxyConfig(): string {
  const file = path.join(os.tmpdir(), 'microplane-bench-llm-proxy.json');
  const none = { public: [], internal: [], confidential: [], regulated: [] };
  fs.writeFileSync(file, JSON.stringify({ environmentName: 'bench', templates: [], allowedByClassification: none, prices: {}, redaction: none, cacheTtlSeconds: 0 }));
  return file;
}

/** Prints how long `require(process.argv[1])` takes, in milliseconds. */
const MEASURE_REQUIRE = 'const t=process.hrtime.bigint();require(process.argv[1]);process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))';

interface Row {
  name: string;
  minifiedKb: number;
  gzippedKb: number;
  mapKb: number;
  medianMs: number;
  p95Ms: number;
}

/** Every `lambdas/<name>/` with a handler, i.e. every deployable function. */
function handlerNames(): string[] {
  return fs
    .readdirSync(LAMBDAS_DIR)
    .filter((name) => ['handler.ts', 'handler.js'].some((file) => fs.existsSync(path.join(LAMBDAS_DIR, name, file))))
    .sort();
}

/** Folders beside a handler that hold no code (such as SQL migrations): files read at run time. */
function dataFolders(name: string): string[] {
  const dir = path.join(LAMBDAS_DIR, name);
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !fs.readdirSync(path.join(dir, entry.name)).some((file) => /\.[cm]?[jt]s$/.test(file)))
    .map((entry) => entry.name);
}

/** The bundle as it was before the AWS SDK became external: everything inside, sources in the maps. */
function bundleBaseline(name: string, outdir: string, folders: readonly string[]): void {
  const result = buildSync({ ...bundleOptions(name), external: [], sourcesContent: true });
  fs.mkdirSync(outdir, { recursive: true });
  for (const file of result.outputFiles) fs.writeFileSync(path.join(outdir, path.basename(file.path)), file.contents);
  for (const folder of folders) fs.cpSync(path.join(LAMBDAS_DIR, name, folder), path.join(outdir, folder), { recursive: true });
}

function requireTimeMs(bundle: string): number {
  const child = spawnSync(process.execPath, ['-e', MEASURE_REQUIRE, bundle], { env: STUB_ENV, encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`require(${bundle}) failed:\n${child.stderr}`);
  return Number(child.stdout);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function measure(name: string, outdir: string, runs: number, baseline: boolean): Row {
  const folders = dataFolders(name);
  if (baseline) bundleBaseline(name, outdir, folders);
  else bundleHandler(name, outdir, folders, LAYER_PACKAGES[name]);
  const code = fs.readFileSync(path.join(outdir, BUNDLE_FILE));
  const times = Array.from({ length: runs }, () => requireTimeMs(path.join(outdir, BUNDLE_FILE))).sort((a, b) => a - b);
  return {
    name,
    minifiedKb: code.length / 1024,
    gzippedKb: gzipSync(code).length / 1024,
    mapKb: fs.statSync(path.join(outdir, `${BUNDLE_FILE}.map`)).size / 1024,
    medianMs: percentile(times, 50),
    p95Ms: percentile(times, 95),
  };
}

function printTable(rows: readonly Row[], runs: number, baseline: boolean): void {
  console.log(`${baseline ? 'Baseline (AWS SDK bundled, sources in maps)' : 'MicroplaneFunction bundles'}; init = require() in a fresh node, ${runs} runs, node ${process.version}`);
  console.log('| function | minified KB | gzipped KB | map KB | init median ms | init p95 ms |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const cells = [r.minifiedKb, r.gzippedKb, r.mapKb].map((kb) => kb.toFixed(1)).concat([r.medianMs, r.p95Ms].map((ms) => ms.toFixed(1)));
    console.log(`| ${r.name}${!baseline && LAYER_PACKAGES[r.name] ? ' *' : ''} | ${cells.join(' | ')} |`);
  }
  if (baseline) return;
  for (const [name, packages] of Object.entries(LAYER_PACKAGES)) {
    console.log(`\n* ${name}: ${packages.join(', ')} from the Powertools layer, not in the bundle; init loads it from node_modules, as Lambda does from /opt/nodejs/node_modules.`);
  }
}

function main(): void {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' }, baseline: { type: 'boolean', default: false } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'microplane-bench-bundles-'));
  try {
    const rows = handlerNames().map((name) => measure(name, path.join(root, name), runs, values.baseline ?? false));
    printTable(rows, runs, values.baseline ?? false);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main();
