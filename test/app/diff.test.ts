import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { stackTemplates } from '../../bin/diff';

const ROOT = path.join(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

/** A cloud assembly with the given stacks, each holding one SSM parameter with the given value. */
function assembly(stacks: Record<string, string>): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'microplane-diff-test-'));
  const app = new App({ outdir });
  for (const [name, value] of Object.entries(stacks)) new ssm.StringParameter(new Stack(app, name), 'Parameter', { stringValue: value });
  app.synth();
  return outdir;
}

function diff(...args: string[]) {
  const result = spawnSync(TSX, [path.join(ROOT, 'bin', 'diff.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true' },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const before = assembly({ Kept: 'a', Removed: 'x' });
const after = assembly({ Kept: 'b', Added: 'y' });

test('lists the stacks of a cloud assembly with their templates', () => {
  expect([...stackTemplates(before).entries()]).toEqual([
    ['Kept', path.join(before, 'Kept.template.json')],
    ['Removed', path.join(before, 'Removed.template.json')],
  ]);
});

test('shows every stack\'s changes against the old assembly without AWS credentials', () => {
  const { status, output } = diff(before, '--new', after);
  expect(status).toBe(0);
  expect(output).toMatch(/Stack Kept[\s\S]*\[-\] a[\s\S]*\[\+\] b/);
  expect(output).toMatch(/Stack Added[\s\S]*\[\+\] AWS::SSM::Parameter/);
  expect(output).toMatch(/Stack Removed\n\[-\] removed/);
});

test('with --fail, exits 1 when anything differs and 0 when nothing does', () => {
  expect(diff(before, '--new', after, '--fail').status).toBe(1);
  expect(diff(after, '--new', after, '--fail').status).toBe(0);
});

test('refuses a directory that is not a cloud assembly', () => {
  const { status, output } = diff(os.tmpdir(), '--new', after);
  expect(status).toBe(2);
  expect(output).toContain('is not a cloud assembly');
});
