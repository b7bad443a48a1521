import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The repository root, found from both `lib/constructs` (tsx, jest) and `dist/lib/constructs` (compiled). */
const PROJECT_ROOT = findProjectRoot(__dirname);

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

/** esbuild bundles code only: these hooks copy data folders (such as SQL migrations) beside it. */
function bundledFolderHooks(handlerName: string, folders: readonly string[]) {
  if (folders.length === 0) return undefined;
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) =>
      folders.map((folder) => `cp -R "${path.join(inputDir, 'lambdas', handlerName, folder)}" "${path.join(outputDir, folder)}"`),
  };
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
}

/**
 * A Node.js Lambda function with the platform's defaults: the current Node.js runtime on ARM,
 * bundled by the local esbuild with every dependency pinned by the lockfile, JSON logs in its own
 * log group, X-Ray tracing, and a role that starts with no permission beyond writing its own logs.
 */
export class MicroplaneFunction extends Construct {
  /** The function. */
  public readonly function: NodejsFunction;
  /** Its log group. */
  public readonly logGroup: logs.LogGroup;
  /** Its execution role. */
  public readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: MicroplaneFunctionProps) {
    super(scope, id);
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
    this.function = new NodejsFunction(this, 'Function', {
      entry: lambdaEntry(props.handlerName),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
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
      bundling: {
        format: OutputFormat.CJS,
        target: 'node24',
        minify: true,
        sourceMap: true,
        // Bundle the AWS SDK too: the deployed code runs the versions the lockfile pins and the tests ran.
        externalModules: [],
        forceDockerBundling: false,
        commandHooks: bundledFolderHooks(props.handlerName, props.bundledFolders ?? []),
      },
    });
    this.logGroup.grantWrite(this.role);
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Active X-Ray tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which have no resource-level permissions.',
    });
  }
}
