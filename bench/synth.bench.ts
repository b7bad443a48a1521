/**
 * Synthesis benchmark: how long loading config, building and synthesizing an environment takes as the
 * number of tenants grows, and how close the largest stack comes to CloudFormation's 500 resources.
 *
 *   npm run bench                          # 10, 100 and 1000 tenants, security checks off and on for 10/100
 *   npm run bench -- --tenants 50,500      # other sizes
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { App } from 'aws-cdk-lib';
import { loadConfig } from '../lib/config/loader';
import { scaffoldTenant } from '../lib/config/scaffold';
import { buildMicroplane } from '../lib/microplane';

const EXAMPLE_CONFIG = path.join(__dirname, '..', 'config');
const NOW = new Date();

interface Row {
  tenants: number;
  checks: boolean;
  stacks: number;
  maxResources: number;
  loadMs: number;
  buildMs: number;
  synthMs: number;
  heapMb: number;
}

/** A config dir with the example environments and `count` scaffolded tenants of three apps each. */
function configWithTenants(count: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'microplane-bench-'));
  fs.cpSync(path.join(EXAMPLE_CONFIG, 'environments'), path.join(dir, 'environments'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'tenants'));
  for (let i = 0; i < count; i++) {
    const id = `tenant-${String(i).padStart(4, '0')}`;
    const yaml = scaffoldTenant({ id, now: NOW, tier: 'standard' });
    fs.writeFileSync(path.join(dir, 'tenants', `${id}.yaml`), withMoreApps(yaml, id, 2));
  }
  return dir;
}

/** Appends `extra` apps to a scaffolded tenant, copying its example app under new ids. */
function withMoreApps(yaml: string, tenantId: string, extra: number): string {
  const appBlock = yaml.slice(yaml.indexOf('  - id: '));
  const copies = Array.from({ length: extra }, (_, i) => appBlock.replace(/- id: \S+/, `- id: ${tenantId}-app-${i + 1}`));
  return [yaml, ...copies].join('\n');
}

function measure(tenants: number, checks: boolean): Row {
  const configDir = configWithTenants(tenants);
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'microplane-bench-out-'));
  const t0 = performance.now();
  const config = loadConfig({ configDir, environment: 'dev', now: NOW });
  const t1 = performance.now();
  const app = new App({ outdir });
  buildMicroplane(app, config, { securityChecks: checks });
  const t2 = performance.now();
  const assembly = app.synth();
  const t3 = performance.now();
  const maxResources = Math.max(
    ...assembly.stacks.map((stack) => Object.keys((stack.template as { Resources?: object }).Resources ?? {}).length),
  );
  const row = {
    tenants,
    checks,
    stacks: assembly.stacks.length,
    maxResources,
    loadMs: t1 - t0,
    buildMs: t2 - t1,
    synthMs: t3 - t2,
    heapMb: process.memoryUsage().heapUsed / 2 ** 20,
  };
  fs.rmSync(configDir, { recursive: true, force: true });
  fs.rmSync(outdir, { recursive: true, force: true });
  return row;
}

function printTable(rows: Row[]): void {
  const header = '| tenants | cdk-nag + guard | stacks | max resources/stack | load config s | build s | synth s | total s | heap MiB |';
  console.log(header);
  console.log('|' + header.slice(1, -1).split('|').map(() => '---').join('|') + '|');
  for (const r of rows) {
    const s = (ms: number) => (ms / 1000).toFixed(2);
    console.log(
      `| ${r.tenants} | ${r.checks ? 'on' : 'off'} | ${r.stacks} | ${r.maxResources} | ${s(r.loadMs)} | ${s(r.buildMs)} | ${s(r.synthMs)} | ${s(r.loadMs + r.buildMs + r.synthMs)} | ${r.heapMb.toFixed(0)} |`,
    );
  }
}

function plan(argv: string[]): Array<[number, boolean]> {
  const flag = argv.indexOf('--tenants');
  if (flag >= 0) return argv[flag + 1].split(',').map((n) => [Number(n), argv.includes('--checks')]);
  return [
    [10, false],
    [10, true],
    [100, false],
    [100, true],
    [1000, false],
  ];
}

printTable(plan(process.argv.slice(2)).map(([tenants, checks]) => measure(tenants, checks)));
