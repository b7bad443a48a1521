import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { buildSync, type BuildOptions } from 'esbuild';
import { acknowledgeComplianceRule } from '../nag-ids';

/** The repository root, found from both `lib/constructs` (tsx, jest) and `dist/lib/constructs` (compiled). */
export const PROJECT_ROOT = findProjectRoot(__dirname);

function findProjectRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'package-lock.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`Cannot find package-lock.json above ${start}`);
    dir = parent;
  }
  return dir;
}

/** The handler file of `lambdas/<name>/`, preferring TypeScript sources over compiled output. */
export function lambdaEntry(name: string): string {
  const candidates = ['handler.ts', 'handler.js'].map((file) => path.join(PROJECT_ROOT, 'lambdas', name, file));
  const entry = candidates.find((candidate) => fs.existsSync(candidate));
  if (!entry) throw new Error(`No handler for function "${name}": looked for ${candidates.join(', ')}`);
  return entry;
}

/**
 * Modules the Lambda runtime provides, so they stay out of every bundle. The Node.js 18 and later
 * runtimes (here nodejs24.x) ship the AWS SDK for JavaScript v3 with its Smithy packages; only the
 * Node.js 16 and older runtimes shipped SDK v2. Bundling the SDK made the authorizer, token exchange and
 * notes functions 1.1–1.2 MB; leaving it out makes them a few tens of KB, which load faster at cold start.
 * Trade-off: a deployed function runs the SDK version of the runtime (which AWS updates), not the version
 * package-lock.json pins and the tests ran. To pin a function's SDK again, bundle it: drop these externals.
 */
export const RUNTIME_PROVIDED_MODULES: readonly string[] = ['@aws-sdk/*', '@smithy/*'];

/**
 * How every function is bundled; the bundle benchmark and tests reuse exactly these options.
 * Source maps stay, so `--enable-source-maps` turns minified stack traces into `lambdas/**.ts` lines,
 * but without `sourcesContent`: a stack trace needs file names and positions, not a copy of every
 * source file, which made the maps about 4 MB.
 * `logLevel: 'warning'` keeps synth and tests quiet; esbuild still prints warnings and errors.
 */
export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node24',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  external: [...RUNTIME_PROVIDED_MODULES],
  logLevel: 'warning',
  absWorkingDir: PROJECT_ROOT,
} as const satisfies BuildOptions;

/** The file names of a bundle: the handler is `index.handler`. */
export const BUNDLE_FILE = 'index.js';

/**
 * The complete esbuild options for one handler. The output path is virtual (nothing is written there):
 * it fixes the source map's paths relative to the repository, so a bundle, and so its asset hash,
 * is the same on every machine. `layerPackages` are left out of the bundle like the AWS SDK (see
 * {@link MicroplaneFunctionProps.powertoolsLayerPackages}).
 */
export function bundleOptions(handlerName: string, layerPackages: readonly string[] = []): BuildOptions & { write: false } {
  return {
    ...BUNDLE_OPTIONS,
    external: [...BUNDLE_OPTIONS.external, ...layerPackages],
    entryPoints: [lambdaEntry(handlerName)],
    outfile: path.join(PROJECT_ROOT, '.bundles', handlerName, BUNDLE_FILE),
    write: false,
  };
}

/** A bundle's files, by path relative to the bundle directory. */
type BundleFiles = ReadonlyMap<string, Uint8Array>;

/** Bundles one handler in memory: `index.js`, `index.js.map` and the bundled folders' files. */
export function bundleFiles(handlerName: string, bundledFolders: readonly string[] = [], layerPackages: readonly string[] = []): BundleFiles {
  const files = new Map<string, Uint8Array>();
  for (const file of buildSync(bundleOptions(handlerName, layerPackages)).outputFiles) files.set(path.basename(file.path), file.contents);
  // esbuild bundles code only: folders read at run time (such as SQL migrations) are copied beside it.
  for (const folder of bundledFolders) {
    const source = path.join(PROJECT_ROOT, 'lambdas', handlerName, folder);
    for (const relative of fs.readdirSync(source, { recursive: true, encoding: 'utf8' })) {
      const absolute = path.join(source, relative);
      if (fs.statSync(absolute).isFile()) files.set(path.join(folder, relative), fs.readFileSync(absolute));
    }
  }
  return files;
}

/** Bundles one handler into `outdir` (`index.js`, `index.js.map` and the bundled folders). */
export function bundleHandler(handlerName: string, outdir: string, bundledFolders: readonly string[] = [], layerPackages: readonly string[] = []): void {
  writeBundle(outdir, bundleFiles(handlerName, bundledFolders, layerPackages));
}

function writeBundle(outdir: string, files: BundleFiles): void {
  for (const [relative, contents] of files) {
    fs.mkdirSync(path.dirname(path.join(outdir, relative)), { recursive: true });
    fs.writeFileSync(path.join(outdir, relative), contents);
  }
}

function contentHash(files: BundleFiles): string {
  const hash = crypto.createHash('sha256');
  for (const [relative, contents] of [...files].sort(([a], [b]) => a.localeCompare(b))) hash.update(`${relative}\0`).update(contents);
  return hash.digest('hex').slice(0, 32);
}

/**
 * Bundled handlers of this process, by handler and folders. Every App, stack and function that uses a
 * handler shares one bundle, so a synth (or a test file building many apps) bundles each handler once.
 */
const bundleCache = new Map<string, string>();

/**
 * The directory holding the bundle of `handlerName`, bundling it on first use in this process. Bundles
 * live in the OS temp folder under their content hash, so processes (Jest workers, repeated synths) share
 * identical bundles instead of leaving one copy each; the asset is copied into the cloud assembly at synth.
 */
export function bundledHandlerDir(handlerName: string, bundledFolders: readonly string[] = [], layerPackages: readonly string[] = []): string {
  const folders = [...bundledFolders].sort();
  const fromLayer = [...layerPackages].sort();
  const key = JSON.stringify([handlerName, folders, fromLayer]);
  const cached = bundleCache.get(key) ?? bundleBuiltByAnotherProcess(handlerName, folders, fromLayer);
  if (cached) {
    bundleCache.set(key, cached);
    return cached;
  }
  const files = bundleFiles(handlerName, folders, fromLayer);
  const dir = path.join(bundlesDir(), `${handlerName}-${contentHash(files)}`);
  if (!fs.existsSync(dir)) writeBundleAtomically(dir, files);
  writeFileAtomically(bundleRecord(handlerName, folders, fromLayer), dir);
  bundleCache.set(key, dir);
  return dir;
}

/** Where bundles and their records live; `MICROPLANE_BUNDLE_DIR` moves them (tests use a fresh one). */
function bundlesDir(): string {
  return process.env.MICROPLANE_BUNDLE_DIR ?? path.join(os.tmpdir(), 'microplane-bundles');
}

/**
 * Where the bundle of a handler built from exactly the current inputs was recorded. Each Jest worker
 * and each synth is a process of its own; the record lets them skip esbuild (about 2.5 s for every
 * handler) when nothing the bundle is built from has changed.
 */
function bundleRecord(handlerName: string, folders: readonly string[], layerPackages: readonly string[]): string {
  const variant = crypto.createHash('sha256').update(JSON.stringify(layerPackages.length > 0 ? [folders, layerPackages] : folders)).digest('hex').slice(0, 8);
  return path.join(bundlesDir(), 'records', `${handlerName}-${variant}-${bundleInputsDigest()}`);
}

function bundleBuiltByAnotherProcess(handlerName: string, folders: readonly string[], layerPackages: readonly string[]): string | undefined {
  const record = bundleRecord(handlerName, folders, layerPackages);
  if (!fs.existsSync(record)) return undefined;
  const dir = fs.readFileSync(record, 'utf8');
  return fs.existsSync(path.join(dir, BUNDLE_FILE)) ? dir : undefined;
}

let inputsDigest: string | undefined;

/**
 * A digest of everything a bundle is built from: every source under `lambdas/` and `lib/`, the
 * lockfile (so every dependency and esbuild's own version), tsconfig.json and the esbuild options.
 */
function bundleInputsDigest(): string {
  if (inputsDigest) return inputsDigest;
  const hash = crypto.createHash('sha256').update(JSON.stringify(BUNDLE_OPTIONS));
  for (const file of ['package-lock.json', 'tsconfig.json']) hash.update(file).update(fs.readFileSync(path.join(PROJECT_ROOT, file)));
  for (const folder of ['lambdas', 'lib']) {
    const root = path.join(PROJECT_ROOT, folder);
    for (const relative of fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).sort()) {
      const absolute = path.join(root, relative);
      if (fs.statSync(absolute).isFile()) hash.update(`${folder}/${relative}\0`).update(fs.readFileSync(absolute));
    }
  }
  inputsDigest = hash.digest('hex').slice(0, 32);
  return inputsDigest;
}

function writeFileAtomically(file: string, contents: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const staging = `${file}.${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  fs.writeFileSync(staging, contents);
  fs.renameSync(staging, file);
}

/** Writes beside `dir` and renames, so a concurrent process never sees a half-written bundle. */
function writeBundleAtomically(dir: string, files: BundleFiles): void {
  const staging = `${dir}.${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  writeBundle(staging, files);
  try {
    fs.renameSync(staging, dir);
  } catch (error) {
    // Another process wrote the same content first: keep its copy.
    fs.rmSync(staging, { recursive: true, force: true });
    if (!fs.existsSync(dir)) throw error;
  }
}

/** The npm scope of Powertools for AWS Lambda (TypeScript): the only packages the Powertools layer provides. */
const POWERTOOLS_SCOPE = '@aws-lambda-powertools/';

/**
 * The installed (node_modules) version of the Powertools packages a function loads from the layer. They
 * must agree: the layer holds one release of every Powertools package.
 */
export function installedPowertoolsVersion(layerPackages: readonly string[]): string {
  const versions = new Set(
    layerPackages.map((name) => {
      if (!name.startsWith(POWERTOOLS_SCOPE)) throw new Error(`The Powertools layer provides ${POWERTOOLS_SCOPE}* packages only, not ${name}`);
      const manifest = path.join(PROJECT_ROOT, 'node_modules', ...name.split('/'), 'package.json');
      return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }).version;
    }),
  );
  if (versions.size !== 1) throw new Error(`Powertools packages from the layer must share one version, found ${[...versions].join(', ') || 'none'}`);
  return [...versions][0];
}

/**
 * The public SSM parameter in which Powertools publishes, in every commercial region, the ARN of its
 * official layer (`arn:aws:lambda:<region>:094274105915:layer:AWSLambdaPowertoolsTypeScriptV2:<n>`)
 * for one release: https://docs.aws.amazon.com/powertools/typescript/latest/getting-started/lambda-layers/
 */
export function powertoolsLayerParameterName(version: string): string {
  return `/aws/service/powertools/typescript/generic/all/${version}`;
}

/** Properties of {@link MicroplaneFunction}. */
export interface MicroplaneFunctionProps {
  /** The folder under `lambdas/` holding `handler.ts`. */
  readonly handlerName: string;
  /** A sentence saying what the function does; shown in the Lambda console. */
  readonly description: string;
  /**
   * Environment variables for the handler.
   * @default - none besides the Powertools settings
   */
  readonly environment?: Record<string, string>;
  /**
   * How long the function's logs are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the log group when the function is removed.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Memory in MiB.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Maximum run time.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Concurrent executions reserved for (and capping) this function.
   * @default - the account's unreserved pool
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Folders next to the handler (e.g. `migrations`) copied into the bundle, for files read at run time.
   * @default - none
   */
  readonly bundledFolders?: readonly string[];
  /**
   * An existing execution role, for functions whose role name other stacks trust.
   * @default - a new role that may write only to this function's log group
   */
  readonly role?: iam.IRole;
  /**
   * Who invokes the function, synchronously; named in the compliance reasons for having no dead-letter
   * queue (a DLQ only ever receives asynchronous invocations).
   * @default 'API Gateway, through a Lambda proxy integration'
   */
  readonly invokedBy?: string;
  /**
   * Powertools for AWS Lambda (TypeScript) packages (e.g. `@aws-lambda-powertools/tracer`) that the
   * function loads from the official Powertools layer, in `/opt/nodejs/node_modules`, instead of from
   * its bundle: to keep a bundle small (the Tracer brings the X-Ray SDK, about 120 KB). The packages stay
   * out of the bundle, and with them everything only they import (esbuild does not follow an external
   * package), and the layer of exactly the installed version is attached.
   * @default - none: every package is bundled and no layer is attached
   */
  readonly powertoolsLayerPackages?: readonly string[];
}

/**
 * A Node.js Lambda function with the platform's defaults: the current Node.js runtime on ARM,
 * bundled once per process by the local esbuild ({@link BUNDLE_OPTIONS}: every dependency pinned by the
 * lockfile except the runtime's AWS SDK and any {@link MicroplaneFunctionProps.powertoolsLayerPackages}), JSON logs in its own log group, X-Ray tracing, and a role that
 * starts with no permission beyond writing its own logs.
 */
export class MicroplaneFunction extends Construct {
  /** The function. */
  public readonly function: NodejsFunction;
  /** The folder under `lambdas/` whose handler it runs. */
  public readonly handlerName: string;
  /** Its log group. */
  public readonly logGroup: logs.LogGroup;
  /** Its execution role. */
  public readonly role: iam.IRole;
  /** The folder holding its bundle (`index.js`, the asset of the function). */
  public readonly bundleDir: string;

  constructor(scope: Construct, id: string, props: MicroplaneFunctionProps) {
    super(scope, id);
    this.handlerName = props.handlerName;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.role =
      props.role ??
      new iam.Role(this, 'Role', {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `Execution role of ${props.handlerName}: writes its own logs, nothing else unless granted`,
      });
    // NodejsFunction with the bundle made by the local esbuild once per process (BUNDLE_OPTIONS): its own
    // bundling would run esbuild again for every app and stack that uses the handler, printing a banner
    // each time.
    const layerPackages = props.powertoolsLayerPackages ?? [];
    this.bundleDir = bundledHandlerDir(props.handlerName, props.bundledFolders, layerPackages);
    this.function = new NodejsFunction(this, 'Function', {
      code: lambda.Code.fromAsset(this.bundleDir),
      layers: layerPackages.length > 0 ? [this.powertoolsLayer(layerPackages)] : undefined,
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      description: props.description,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      role: this.role,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.handlerName,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
    });
    this.logGroup.grantWrite(this.role);
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Active X-Ray tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which have no resource-level permissions.',
    });
    this.acknowledgeComplianceFindings(props.invokedBy ?? 'API Gateway, through a Lambda proxy integration');
  }

  /**
   * The official Powertools layer of exactly the installed Powertools version, resolved by CloudFormation
   * at deploy time from the public SSM parameter Powertools publishes per release (an
   * `AWS::SSM::Parameter::Value<String>` stack parameter). Not a context lookup, so synth needs no
   * credentials and stays offline; not a pinned `AWSLambdaPowertoolsTypeScriptV2:<n>` ARN, whose layer
   * version number is unrelated to the npm version and would need a hand-kept table: upgrading Powertools
   * in package.json moves the layer with it. A release without the parameter fails the deploy (the stack
   * parameter does not resolve) rather than running another version than the tests did.
   */
  private powertoolsLayer(layerPackages: readonly string[]): lambda.ILayerVersion {
    const parameterName = powertoolsLayerParameterName(installedPowertoolsVersion(layerPackages));
    return lambda.LayerVersion.fromLayerVersionArn(this, 'PowertoolsLayer', ssm.StringParameter.valueForStringParameter(this, parameterName));
  }

  private acknowledgeComplianceFindings(invokedBy: string): void {
    acknowledgeComplianceRule(
      this.function,
      'LambdaDLQ',
      `${this.handlerName} is invoked synchronously by ${invokedBy}: a failure returns to that caller, which reports or retries it; a dead-letter queue only receives asynchronous invocations.`,
    );
    acknowledgeComplianceRule(
      this.function,
      'LambdaInsideVPC',
      `${this.handlerName} reaches only AWS APIs (RDS Data API, STS, KMS, SSM, Secrets Manager) over TLS with IAM; the data VPC deliberately has no NAT gateway or interface endpoints (no idle cost), and the database admits no network connection at all.`,
    );
  }
}
