/**
 * Diffs every stack against a previous synth, offline: `npm run diff -- <old cdk.out> [-c env=prod] [--fail]`.
 * Synthesizes the app once (or takes `--new <cdk.out>`), then runs `cdk diff --template` per stack against
 * the old cloud assembly, so no AWS account or credentials are involved. A stack missing from the old
 * assembly diffs against an empty template (every resource added); one missing from the new is reported
 * as removed. With `--fail`, any difference exits 1.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = path.join(__dirname, '..');
const CDK = path.join(ROOT, 'node_modules', '.bin', 'cdk');
const USAGE = 'usage: npm run diff -- <old cdk.out> [--new <cdk.out>] [-c key=value]... [--fail]';

interface Manifest {
  artifacts?: Record<string, { type: string; properties?: { templateFile?: string } }>;
}

/** Stack id → template path, from a cloud assembly's manifest. */
export function stackTemplates(assemblyDir: string): Map<string, string> {
  const manifestFile = path.join(assemblyDir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) throw new Error(`${assemblyDir} is not a cloud assembly: no manifest.json`);
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Manifest;
  const stacks = Object.entries(manifest.artifacts ?? {}).filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack');
  return new Map(stacks.map(([id, artifact]) => [id, path.join(assemblyDir, artifact.properties?.templateFile ?? `${id}.template.json`)]));
}

function run(args: readonly string[]): number {
  const result = spawnSync(CDK, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function synthesize(context: readonly string[], workDir: string): string {
  const outdir = path.join(workDir, 'cdk.out');
  const status = run(['synth', '--quiet', ...context.flatMap((value) => ['-c', value]), '-o', outdir]);
  if (status !== 0) throw new Error(`cdk synth failed (exit ${status})`);
  return outdir;
}

function main(): number {
  const { values, positionals } = parseArgs({
    options: {
      new: { type: 'string' },
      context: { type: 'string', short: 'c', multiple: true, default: [] },
      fail: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new Error(USAGE);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'microplane-diff-'));
  try {
    const oldStacks = stackTemplates(path.resolve(positionals[0]));
    const newAssembly = values.new ? path.resolve(values.new) : synthesize(values.context ?? [], workDir);
    const emptyTemplate = path.join(workDir, 'empty.template.json');
    fs.writeFileSync(emptyTemplate, '{}');
    const newStacks = stackTemplates(newAssembly);
    let status = 0;
    for (const stack of newStacks.keys()) {
      const failFlag = values.fail ? ['--fail'] : [];
      const oldTemplate = oldStacks.get(stack) ?? emptyTemplate;
      status = Math.max(status, run(['diff', '--app', newAssembly, '--template', oldTemplate, ...failFlag, stack]));
    }
    const removed = [...oldStacks.keys()].filter((stack) => !newStacks.has(stack));
    for (const stack of removed) console.log(`Stack ${stack}\n[-] removed: in ${positionals[0]} only`);
    return values.fail && removed.length > 0 ? Math.max(status, 1) : status;
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  try {
    process.exitCode = main();
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 2;
  }
}
