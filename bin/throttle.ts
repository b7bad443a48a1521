#!/usr/bin/env node
/**
 * Lifts or shows a budget throttle: `npm run throttle -- <lift|status> <tenant>[/<app>] --env <env>
 * [--reason "…"] [--region <region>] [--config-dir config]`.
 *
 * It invokes the environment's throttle function (`microplane-<env>-throttle`) with the operator's own
 * AWS credentials: the function records the operator (the caller's IAM ARN, from STS) and the reason in
 * its audit log, and CloudTrail records who invoked it when Lambda data events are logged. A lift lasts
 * for the rest of the budget period: a repeated notification cannot undo it, a higher threshold can.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { appSubject, tenantSubject, throttleFunctionName } from '../lambdas/shared/budget-events';
import { loadConfig } from '../lib/config/loader';
import type { PlatformConfig } from '../lib/config/schema';

export const USAGE = 'usage: npm run throttle -- <lift|status> <tenant>[/<app>] --env <env> [--reason "why"] [--region <region>] [--config-dir <dir>]';

/** A command line, understood. */
export interface ThrottleCommand {
  readonly action: 'lift' | 'status';
  readonly environment: string;
  readonly tenantId: string;
  readonly appId?: string;
  readonly reason?: string;
  readonly region?: string;
  readonly configDir: string;
}

/** A command line the tool refuses, with what to do instead. */
export class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
    this.name = 'UsageError';
  }
}

/** Parses `argv` (without node and the script); throws {@link UsageError}. */
export function parseThrottleArgs(argv: readonly string[]): ThrottleCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        env: { type: 'string' },
        reason: { type: 'string' },
        region: { type: 'string' },
        'config-dir': { type: 'string', default: path.join(__dirname, '..', 'config') },
      },
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [action, target, ...extra] = positionals;
  if (action !== 'lift' && action !== 'status') throw new UsageError(`unknown command "${action ?? ''}" (allowed: lift, status)`);
  if (!target || extra.length > 0) throw new UsageError('name exactly one tenant, or tenant/app');
  if (!values.env) throw new UsageError('--env is required');
  const reason = values.reason?.trim();
  if (action === 'lift' && (!reason || reason.length < 3)) throw new UsageError('a lift needs --reason "…" (at least 3 characters): it goes to the audit log');
  const [tenantId, appId, ...more] = target.split('/');
  if (!tenantId || more.length > 0 || appId === '') throw new UsageError(`"${target}" is not <tenant> or <tenant>/<app>`);
  return {
    action,
    environment: values.env,
    tenantId,
    ...(appId ? { appId } : {}),
    ...(reason ? { reason } : {}),
    ...(values.region ? { region: values.region } : {}),
    configDir: values['config-dir'] as string,
  };
}

/** The state subject the command names, checked against the environment's config. */
export function subjectOf(command: ThrottleCommand, config: PlatformConfig): string {
  const tenant = config.tenants.find((candidate) => candidate.id === command.tenantId);
  if (!tenant) throw new UsageError(`tenant "${command.tenantId}" is not deployed to ${command.environment} (allowed: ${config.tenants.map((t) => t.id).join(', ')})`);
  if (!command.appId) return tenantSubject(tenant.id);
  if (!tenant.apps.some((app) => app.id === command.appId)) {
    throw new UsageError(`tenant "${tenant.id}" has no app "${command.appId}" (allowed: ${tenant.apps.map((app) => app.id).join(', ')})`);
  }
  return appSubject(command.appId);
}

/** The payload the throttle function receives. */
export function throttleRequest(command: ThrottleCommand, subject: string, operator: string): Record<string, string> {
  if (command.action === 'status') return { action: 'status', subject };
  return { action: 'lift', subject, operator, reason: command.reason ?? '' };
}

/** The AWS clients the command uses; tests pass fakes. */
export interface ThrottleClients {
  readonly lambda: LambdaClient;
  readonly sts: STSClient;
}

/** Runs the command: returns the function's answer, or throws with what went wrong. */
export async function runThrottle(command: ThrottleCommand, clients: ThrottleClients, config?: PlatformConfig): Promise<unknown> {
  const loaded = config ?? loadConfig({ configDir: command.configDir, environment: command.environment });
  const subject = subjectOf(command, loaded);
  const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
  if (!identity.Arn) throw new Error('STS did not say who you are: check your AWS credentials');
  const output = await clients.lambda.send(
    new InvokeCommand({
      FunctionName: throttleFunctionName(command.environment),
      InvocationType: 'RequestResponse',
      Payload: Buffer.from(JSON.stringify(throttleRequest(command, subject, identity.Arn))),
    }),
  );
  const text = output.Payload ? Buffer.from(output.Payload).toString('utf8') : '';
  if (output.FunctionError) throw new Error(`The throttle function failed (${output.FunctionError}): ${text}`);
  const answer = text ? (JSON.parse(text) as { ok?: boolean; error?: string }) : {};
  if (answer.ok === false) throw new Error(`The throttle function refused the request: ${answer.error}`);
  return answer;
}

async function main(): Promise<void> {
  try {
    const command = parseThrottleArgs(process.argv.slice(2));
    const config = loadConfig({ configDir: command.configDir, environment: command.environment });
    const region = command.region ?? config.environment.region;
    const clients = { lambda: new LambdaClient(region ? { region } : {}), sts: new STSClient(region ? { region } : {}) };
    console.log(JSON.stringify(await runThrottle(command, clients, config), null, 2));
  } catch (error) {
    const message = (error as Error).message;
    console.error(message === 'Region is missing' ? `${message}: pass --region, or set AWS_REGION or a region in your AWS profile` : message);
    process.exitCode = 1;
  }
}

if (require.main === module) void main();
