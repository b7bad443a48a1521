import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const REPO_ROOT = path.join(__dirname, '..', '..');

/** Runs the CDK app as `cdk synth -c env=<env>` would, without the CDK CLI. */
function synthWithEnv(env: string): { status: number | null; stderr: string } {
  const result = spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['bin/microplane.ts'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ env }) },
  });
  return { status: result.status, stderr: result.stderr };
}

test('-c env=./dev stops the app before any stack, naming the environments there are', () => {
  // WHEN
  const result = synthWithEnv('./dev');
  // THEN
  expect(result.status).toBe(1);
  expect(result.stderr).toBe(
    'The config has 1 problem:\nconfig/environments: (file): "./dev" is not an environment name (2 to 10 lowercase letters or digits, starting with a letter); name one of the files here (allowed: dev, prod)\n',
  );
});
