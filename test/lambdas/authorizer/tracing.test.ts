import { KMSClient } from '@aws-sdk/client-kms';
import { SSMClient } from '@aws-sdk/client-ssm';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import * as AWSXRay from 'aws-xray-sdk-core';
import { Segment, Subsegment } from 'aws-xray-sdk-core';
import { createAuthorizerTracing } from '../../../lambdas/authorizer/tracing';
import { captureLogs, fakeKms, fakeRegistry } from '../support/aws';
import { appRecord, PLATFORM_ENV, serviceClaims, SIGNING_KEY_ID } from '../support/fixtures';
import { ecKey, signToken } from '../support/tokens';

type AuthorizerHandler = (event: APIGatewayTokenAuthorizerEvent, context?: Context) => Promise<APIGatewayAuthorizerResult>;

Object.assign(process.env, PLATFORM_ENV);
// The Tracer turns itself on only inside Lambda; this is how it knows it is (read when it is created).
process.env.AWS_EXECUTION_ENV = 'AWS_Lambda_nodejs24.x';

const WHOAMI_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/v1/whoami';
const signingKey = ecKey(SIGNING_KEY_ID);
const apps = [appRecord()];
const kms = mockClient(KMSClient);
const ssm = mockClient(SSMClient);
let handler: AuthorizerHandler;
let logs: ReturnType<typeof captureLogs>;

const bearer = (): string => `Bearer ${signToken(serviceClaims(), signingKey)}`;
const call = (authorize: AuthorizerHandler, authorizationToken = bearer()): Promise<APIGatewayAuthorizerResult> =>
  authorize({ type: 'TOKEN', authorizationToken, methodArn: WHOAMI_ARN }, { awsRequestId: 'request-0001' } as Context);

/** Runs `body` in an X-Ray context whose current segment is `root`, as Lambda's facade segment is. */
function inTrace<T>(root: Segment, body: () => Promise<T>): Promise<T> {
  return AWSXRay.getNamespace().runPromise(async () => {
    AWSXRay.setSegment(root);
    return body();
  });
}

/** The subsegments the authorizer opened under `root`, with the annotations the SDK's typings leave out. */
function subsegmentsOf(root: Segment): Array<Subsegment & { annotations?: Record<string, unknown> }> {
  return (root.subsegments ?? []) as Array<Subsegment & { annotations?: Record<string, unknown> }>;
}

/** How many requests the authorizer counted: each run of its handler publishes one `Requests` metric. */
const requestsCounted = (): number => logs.lines().filter((line) => 'Requests' in line).length;

beforeAll(() => {
  ({ handler } = require('../../../lambdas/authorizer/handler') as typeof import('../../../lambdas/authorizer/handler'));
});

beforeEach(() => {
  kms.reset();
  ssm.reset();
  clearCaches();
  fakeKms(kms, signingKey);
  fakeRegistry(ssm, apps);
  logs = captureLogs();
  // The X-Ray daemon is not here: keep closed subsegments from being streamed to it.
  jest.spyOn(Subsegment.prototype, 'close').mockImplementation(function (this: Subsegment) {
    (this as unknown as { in_progress: boolean }).in_progress = false;
  });
});

afterEach(() => jest.restoreAllMocks());

test('each invocation is a subsegment annotated with the tenant, app, correlation id, service and cold start', async () => {
  // GIVEN
  const root = new Segment('authorizer-test-root');
  // WHEN
  const result = await inTrace(root, async () => {
    const answer = await call(handler);
    // AND the facade segment is current again for the next invocation
    expect(AWSXRay.getSegment()).toBe(root);
    return answer;
  });
  // THEN the decision is the usual one
  expect(result.context).toMatchObject({ tenantId: 'acme', appId: 'acme-notes' });
  // AND the trace can be found by tenant, app and request
  const [subsegment] = subsegmentsOf(root);
  expect(subsegment.name).toMatch(/^## /);
  expect(subsegment.annotations).toMatchObject({ tenantId: 'acme', appId: 'acme-notes', correlationId: 'request-0001', Service: 'authorizer' });
  expect(subsegment.annotations).toHaveProperty('ColdStart');
});

test('a refused token is still Unauthorized, recorded on the subsegment', async () => {
  const root = new Segment('authorizer-test-root');
  await expect(inTrace(root, () => call(handler, 'Bearer aaa.bbb.ccc'))).rejects.toThrow(/^Unauthorized$/);
  expect(JSON.stringify(subsegmentsOf(root)[0])).toContain('Unauthorized');
});

describe('a tracing failure neither denies nor allows: the answer is the untraced one', () => {
  const failing = (): never => {
    throw new Error('X-Ray SDK failure');
  };
  // Without its subsegment, the Tracer warns that annotations cannot go on Lambda's own segment.
  beforeEach(() => jest.spyOn(console, 'warn').mockImplementation(() => undefined));
  const tracingFailures = (): unknown[] => logs.lines().filter((line) => line.message === 'Tracing failed; the decision is unaffected');
  /** The answer to a fresh token in a trace, without the token id (which differs from token to token). */
  const traced = async () => {
    const { context, ...answer } = await inTrace(new Segment('authorizer-test-root'), () => call(handler));
    const { tokenId, ...rest } = context ?? {};
    expect(tokenId).toEqual(expect.any(String));
    return { ...answer, context: rest };
  };

  test.each([
    ['an annotation fails', 'putAnnotation'],
    ['opening the subsegment fails, before the handler runs', 'annotateColdStart'],
    ['getting the segment fails, before the handler runs', 'getSegment'],
  ] as const)('%s', async (_, method) => {
    // GIVEN the answer with working tracing
    const expected = await traced();
    const counted = requestsCounted();
    jest.spyOn(Tracer.prototype, method).mockImplementation(failing);
    // WHEN
    const answer = await traced();
    // THEN the request was authorized once, as with working tracing
    expect(answer).toEqual(expected);
    expect(answer.context).toMatchObject({ tenantId: 'acme', appId: 'acme-notes' });
    expect(requestsCounted() - counted).toBe(1);
    expect(tracingFailures().length).toBeGreaterThan(0);
  });

  test('closing the subsegment fails, after the handler ran', async () => {
    const expected = await traced();
    const counted = requestsCounted();
    jest.spyOn(Subsegment.prototype, 'close').mockImplementation(failing);
    expect(await traced()).toEqual(expected);
    expect(requestsCounted() - counted).toBe(1);
    expect(tracingFailures()).toHaveLength(1);
  });

  test('recording a refusal fails: still exactly Unauthorized (401), not an error (500)', async () => {
    jest.spyOn(Tracer.prototype, 'addErrorAsMetadata').mockImplementation(failing);
    await expect(inTrace(new Segment('authorizer-test-root'), () => call(handler, 'Bearer aaa.bbb.ccc'))).rejects.toThrow(/^Unauthorized$/);
    expect(requestsCounted()).toBe(1);
    expect(tracingFailures()).toHaveLength(1);
  });

  test('without the Powertools layer the authorizer starts and answers untraced', async () => {
    // GIVEN a container where the layer's Tracer cannot be loaded
    let untraced: AuthorizerHandler | undefined;
    jest.isolateModules(() => {
      jest.doMock('@aws-lambda-powertools/tracer', () => {
        throw new Error("Cannot find module '@aws-lambda-powertools/tracer'");
      });
      // This registry's own AWS SDK clients, faked like the others.
      const isolatedMock = require('aws-sdk-client-mock') as typeof import('aws-sdk-client-mock');
      const support = require('../support/aws') as typeof import('../support/aws');
      support.fakeKms(isolatedMock.mockClient((require('@aws-sdk/client-kms') as typeof import('@aws-sdk/client-kms')).KMSClient), signingKey);
      support.fakeRegistry(isolatedMock.mockClient((require('@aws-sdk/client-ssm') as typeof import('@aws-sdk/client-ssm')).SSMClient), apps);
      ({ handler: untraced } = require('../../../lambdas/authorizer/handler') as typeof import('../../../lambdas/authorizer/handler'));
    });
    jest.dontMock('@aws-lambda-powertools/tracer');
    // WHEN
    const result = await call(untraced!);
    // THEN
    expect(result.context).toMatchObject({ tenantId: 'acme', appId: 'acme-notes' });
    expect(logs.lines()).toContainEqual(expect.objectContaining({ level: 'WARN', message: 'Tracer unavailable; answering untraced' }));
    await expect(call(untraced!, 'Bearer aaa.bbb.ccc')).rejects.toThrow(/^Unauthorized$/);
  });
});

test('createAuthorizerTracing reports why the Tracer is unavailable and leaves the handler as it is', async () => {
  const report = jest.fn();
  const tracing = createAuthorizerTracing('authorizer', report, () => {
    throw new Error('no layer');
  });
  const inner = async (event: number) => event * 2;
  expect(tracing.unavailable).toEqual(new Error('no layer'));
  expect(tracing.traced(inner)).toBe(inner);
  expect(() => tracing.annotator.putAnnotation('tenantId', 'acme')).not.toThrow();
  expect(report).not.toHaveBeenCalled();
});
