import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildSync, type BuildOptions, type Metafile } from 'esbuild';
import { AUTHORIZER_LAYER_PACKAGES } from '../../lib/constructs/gateway';
import {
  BUNDLE_FILE,
  bundledHandlerDir,
  bundleOptions,
  installedPowertoolsVersion,
  lambdaEntry,
  MicroplaneFunction,
  PROJECT_ROOT,
} from '../../lib/constructs/microplane-function';

// The real esbuild, watched: how often a handler is bundled is the point of one test.
jest.mock('esbuild', () => {
  const actual = jest.requireActual<typeof import('esbuild')>('esbuild');
  return { ...actual, buildSync: jest.fn(actual.buildSync) };
});

const KB = 1024;

/** The authorizer bundled with the construct's own options (as the gateway declares it), and what went into it. */
const authorizer = (() => {
  const result = buildSync({ ...bundleOptions('authorizer', AUTHORIZER_LAYER_PACKAGES), metafile: true });
  const code = result.outputFiles.find((file) => file.path.endsWith(BUNDLE_FILE))!;
  const map = result.outputFiles.find((file) => file.path.endsWith(`${BUNDLE_FILE}.map`))!;
  return { code: code.text, map: JSON.parse(map.text) as { sources: string[]; sourcesContent?: unknown }, metafile: result.metafile as Metafile };
})();

function bundledInputs(metafile: Metafile): string[] {
  return Object.values(metafile.outputs).flatMap((output) => Object.keys(output.inputs));
}

function functionStack(handlerName: string, bundledFolders?: string[], powertoolsLayerPackages?: string[]): Stack {
  const stack = new Stack(new App());
  new MicroplaneFunction(stack, 'Fn', { handlerName, description: 'test', bundledFolders, powertoolsLayerPackages });
  return stack;
}

test('the authorizer leaves the AWS SDK to the Lambda runtime', () => {
  expect(bundledInputs(authorizer.metafile).filter((input) => /node_modules\/(@aws-sdk|@smithy)\//.test(input))).toEqual([]);
  expect(authorizer.code).toMatch(/require\("@aws-sdk\/client-(kms|ssm)"\)/);
});

test('the authorizer leaves the Powertools Tracer and the X-Ray SDK to the Powertools layer', () => {
  expect(bundledInputs(authorizer.metafile).filter((input) => /node_modules\/(@aws-lambda-powertools\/tracer|aws-xray-sdk-core)\//.test(input))).toEqual([]);
  expect(authorizer.code).toContain('require("@aws-lambda-powertools/tracer")');
});

// zod 4's classic `import { z } from 'zod'` pulls in every locale (~440 KB): the authorizer's modules use `zod/mini`;
// the Tracer with the X-Ray SDK (~120 KB) comes from the Powertools layer.
test('the authorizer bundle is under 100 KB', () => {
  expect(Buffer.byteLength(authorizer.code)).toBeLessThan(100 * KB);
});

test('source maps map to the repository files without embedding them', () => {
  expect(authorizer.map.sourcesContent).toBeUndefined();
  expect(authorizer.map.sources).toContain('../../lambdas/authorizer/handler.ts');
});

test('a function runs index.handler of its bundle on Node.js 24 with source maps on', () => {
  Template.fromStack(functionStack('whoami')).hasResourceProperties('AWS::Lambda::Function', {
    Handler: 'index.handler',
    Runtime: 'nodejs24.x',
    Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: 'whoami' } },
  });
});

describe('Powertools packages from the Powertools layer', () => {
  const TRACER = '@aws-lambda-powertools/tracer';
  const installed = (name: string): string =>
    (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'node_modules', ...name.split('/'), 'package.json'), 'utf8')) as { version: string }).version;

  test('attach the layer of the installed Powertools version, resolved from its public SSM parameter at deploy time', () => {
    // WHEN
    const template = Template.fromStack(functionStack('whoami', undefined, [TRACER])).toJSON();
    // THEN
    const [fn] = Object.values(template.Resources as Record<string, { Type: string; Properties: { Layers?: unknown } }>).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(fn.Properties.Layers).toEqual([{ Ref: expect.any(String) }]);
    const parameter = template.Parameters[(fn.Properties.Layers as [{ Ref: string }])[0].Ref];
    expect(parameter).toEqual({ Type: 'AWS::SSM::Parameter::Value<String>', Default: `/aws/service/powertools/typescript/generic/all/${installed(TRACER)}` });
  });

  // A Powertools upgrade moves the layer with it: the layer is chosen by the installed version, which must
  // be the one package.json pins and the lockfile installs, or the deployed Tracer is not the tested one.
  test('the layer version is the version package.json pins and package-lock.json installs', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const lock = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
    for (const name of AUTHORIZER_LAYER_PACKAGES) {
      expect({ name, pinned: manifest.dependencies[name] }).toEqual({ name, pinned: installedPowertoolsVersion([name]) });
      expect({ name, locked: lock.packages[`node_modules/${name}`].version }).toEqual({ name, locked: installedPowertoolsVersion([name]) });
    }
    expect(installedPowertoolsVersion(AUTHORIZER_LAYER_PACKAGES)).toBe(installed(TRACER));
  });

  test('must be Powertools packages of one version', () => {
    expect(() => installedPowertoolsVersion(['aws-xray-sdk-core'])).toThrow('provides @aws-lambda-powertools/* packages only, not aws-xray-sdk-core');
    expect(() => installedPowertoolsVersion([])).toThrow('must share one version');
  });

  test('leave those packages out of the bundle', () => {
    const dir = bundledHandlerDir('whoami', [], [TRACER]);
    expect(dir).not.toBe(bundledHandlerDir('whoami'));
    expect(fs.readFileSync(path.join(dir, BUNDLE_FILE), 'utf8')).toContain(`require("${TRACER}")`);
    expect(fs.readFileSync(path.join(bundledHandlerDir('whoami'), BUNDLE_FILE), 'utf8')).not.toContain(`require("${TRACER}")`);
  });

  test('none by default: no layer', () => {
    Template.fromStack(functionStack('whoami')).hasResourceProperties('AWS::Lambda::Function', { Layers: Match.absent() });
  });
});

test('bundled folders are copied beside the code', () => {
  const dir = bundledHandlerDir('schema-provisioner', ['migrations']);
  expect(fs.readdirSync(dir).sort()).toEqual([BUNDLE_FILE, `${BUNDLE_FILE}.map`, 'migrations']);
  expect(fs.readdirSync(path.join(dir, 'migrations')).some((file) => file.endsWith('.sql'))).toBe(true);
});

test('a handler is bundled at most once per process, however many apps and functions use it', () => {
  // GIVEN
  const bundlesOf = (handlerName: string) =>
    jest.mocked(buildSync).mock.calls.filter(([options]) => (options as BuildOptions).entryPoints?.toString() === lambdaEntry(handlerName));
  // WHEN three apps use the same handler
  functionStack('pre-token-generation');
  functionStack('pre-token-generation');
  functionStack('pre-token-generation');
  // THEN esbuild ran for it once at most (not at all when another process built the same sources),
  // and every function got the same bundle
  expect(bundlesOf('pre-token-generation').length).toBeLessThanOrEqual(1);
  expect(bundledHandlerDir('pre-token-generation')).toBe(bundledHandlerDir('pre-token-generation'));
  expect(fs.existsSync(path.join(bundledHandlerDir('pre-token-generation'), BUNDLE_FILE))).toBe(true);
});

describe('across processes', () => {
  afterEach(() => {
    delete process.env.MICROPLANE_BUNDLE_DIR;
  });

  /** `bundledHandlerDir` of a fresh module registry (a new process, as far as the module knows). */
  function inFreshProcess(handlerName: string): { dir: string; esbuildRuns: number } {
    let result = { dir: '', esbuildRuns: 0 };
    jest.isolateModules(() => {
      const esbuild = require('esbuild') as typeof import('esbuild');
      const before = jest.mocked(esbuild.buildSync).mock.calls.length;
      const { bundledHandlerDir: bundle } = require('../../lib/constructs/microplane-function') as typeof import('../../lib/constructs/microplane-function');
      const dir = bundle(handlerName);
      result = { dir, esbuildRuns: jest.mocked(esbuild.buildSync).mock.calls.length - before };
    });
    return result;
  }

  test('a bundle another process built from the same sources is reused without running esbuild', () => {
    // GIVEN an empty bundle folder of our own
    process.env.MICROPLANE_BUNDLE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'microplane-bundle-cache-'));
    // WHEN two processes ask for the same handler
    const first = inFreshProcess('whoami');
    const second = inFreshProcess('whoami');
    // THEN only the first ran esbuild, and both use the same bundle
    expect(first.esbuildRuns).toBe(1);
    expect(second).toEqual({ dir: first.dir, esbuildRuns: 0 });
    expect(first.dir.startsWith(process.env.MICROPLANE_BUNDLE_DIR!)).toBe(true);
  });
});
