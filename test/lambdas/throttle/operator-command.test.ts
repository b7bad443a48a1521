import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { parseThrottleArgs, runThrottle, UsageError, type ThrottleCommand } from '../../../bin/throttle';
import { exampleConfig } from '../../support/platform';

// `npm run throttle`: the command line it accepts, and what it sends to the throttle function with the
// operator's credentials. Lambda and STS are faked at the SDK boundary.

const lambda = mockClient(LambdaClient);
const sts = mockClient(STSClient);
const OPERATOR = 'arn:aws:sts::123456789012:assumed-role/PlatformOperator/maria';
const config = exampleConfig('dev');

beforeEach(() => {
  lambda.reset();
  sts.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Arn: OPERATOR, Account: '123456789012', UserId: 'AROAEXAMPLE:maria' });
});

const clients = () => ({ lambda: new LambdaClient({ region: 'eu-west-1' }), sts: new STSClient({ region: 'eu-west-1' }) });
const answer = (body: unknown, functionError?: string) => ({ StatusCode: 200, Payload: Buffer.from(JSON.stringify(body)) as unknown as InvokeCommandOutput['Payload'], ...(functionError ? { FunctionError: functionError } : {}) });
const sentPayload = () => JSON.parse(Buffer.from(lambda.commandCalls(InvokeCommand)[0].args[0].input.Payload as Uint8Array).toString('utf8'));

describe('arguments', () => {
  test('lift of a tenant with env and reason', () => {
    expect(parseThrottleArgs(['lift', 'acme-foods', '--env', 'dev', '--reason', 'budget raised to $800'])).toMatchObject({
      action: 'lift',
      environment: 'dev',
      tenantId: 'acme-foods',
      reason: 'budget raised to $800',
    });
  });

  test('tenant/app names an app', () => {
    const command = parseThrottleArgs(['status', 'acme-foods/where2eat', '--env', 'prod', '--region', 'eu-west-1']);
    expect(command).toMatchObject({ action: 'status', tenantId: 'acme-foods', appId: 'where2eat', region: 'eu-west-1' });
    expect(command).not.toHaveProperty('reason');
  });

  test.each([
    [['unblock', 'acme-foods', '--env', 'dev'], 'unknown command "unblock" (allowed: lift, status)'],
    [['lift', '--env', 'dev', '--reason', 'why'], 'name exactly one tenant, or tenant/app'],
    [['lift', 'acme-foods', 'globex-hr', '--env', 'dev', '--reason', 'why'], 'name exactly one tenant, or tenant/app'],
    [['lift', 'acme-foods', '--reason', 'why'], '--env is required'],
    [['lift', 'acme-foods', '--env', 'dev'], 'a lift needs --reason'],
    [['lift', 'acme-foods', '--env', 'dev', '--reason', '  '], 'a lift needs --reason'],
    [['status', 'acme-foods/a/b', '--env', 'dev'], '"acme-foods/a/b" is not <tenant> or <tenant>/<app>'],
    [['status', 'acme-foods', '--env', 'dev', '--force'], "Unknown option '--force'"],
  ])('%j is refused with usage', (argv, message) => {
    expect(() => parseThrottleArgs(argv)).toThrow(UsageError);
    expect(() => parseThrottleArgs(argv)).toThrow(message);
  });
});

describe('invoking the throttle function', () => {
  const lift: ThrottleCommand = { action: 'lift', environment: 'dev', tenantId: 'acme-foods', reason: 'approved, FIN-42', configDir: 'config' };

  test('a lift invokes microplane-<env>-throttle synchronously with the subject, reason and caller ARN', async () => {
    // GIVEN
    lambda.on(InvokeCommand).resolves(answer({ ok: true, results: [{ applied: true, subject: 'tenant#acme-foods', from: 'blocked', to: 'normal' }] }));
    // WHEN
    const result = await runThrottle(lift, clients(), config);
    // THEN
    expect(lambda.commandCalls(InvokeCommand)[0].args[0].input).toMatchObject({ FunctionName: 'microplane-dev-throttle', InvocationType: 'RequestResponse' });
    expect(sentPayload()).toEqual({ action: 'lift', subject: 'tenant#acme-foods', operator: OPERATOR, reason: 'approved, FIN-42' });
    expect(result).toMatchObject({ ok: true, results: [{ from: 'blocked', to: 'normal' }] });
  });

  test('status of an app asks for the app subject', async () => {
    lambda.on(InvokeCommand).resolves(answer({ ok: true, status: { subject: 'app#where2eat', state: 'normal', inForce: 'normal' } }));
    await runThrottle({ action: 'status', environment: 'dev', tenantId: 'acme-foods', appId: 'where2eat', configDir: 'config' }, clients(), config);
    expect(sentPayload()).toEqual({ action: 'status', subject: 'app#where2eat' });
  });

  test('a tenant not deployed to the environment is refused before anything is invoked', async () => {
    await expect(runThrottle({ ...lift, tenantId: 'umbrella' }, clients(), config)).rejects.toThrow('tenant "umbrella" is not deployed to dev (allowed: acme-foods, globex-hr, initech-finance)');
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });

  test('an app of another tenant is refused, listing the tenant\'s apps', async () => {
    await expect(runThrottle({ ...lift, appId: 'payroll' }, clients(), config)).rejects.toThrow('tenant "acme-foods" has no app "payroll" (allowed: where2eat, meeting-room-finder, purchasing-assistant)');
  });

  test('a function error is reported as a failure', async () => {
    lambda.on(InvokeCommand).resolves(answer({ errorMessage: 'Task timed out' }, 'Unhandled'));
    await expect(runThrottle(lift, clients(), config)).rejects.toThrow('The throttle function failed (Unhandled)');
  });

  test('a request the function refuses is reported with its reason', async () => {
    lambda.on(InvokeCommand).resolves(answer({ ok: false, error: 'reason: give a reason of at least 3 characters' }));
    await expect(runThrottle(lift, clients(), config)).rejects.toThrow('refused the request: reason: give a reason');
  });
});
