import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, ConfigProblem, WHOLE_FILE, allowed, describeIssue, problemsFromIssues } from './errors';
import { LoadedFile, isDeployedTo, preflightProblems } from './preflight';
import { EnvironmentConfig, PlatformConfig, environmentSchema, tenantSchema } from './schema';

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** The folder holding `environments/` and `tenants/`, e.g. `config`. */
  readonly configDir: string;
  /** The environment to load, e.g. `dev`: reads `environments/<environment>.yaml`. */
  readonly environment: string;
  /**
   * The moment app expiry dates are checked against.
   * @default the current time
   */
  readonly now?: Date;
}

/**
 * Loads and validates the config of one environment: its environment file and every tenant file,
 * checked against the schema and the cross-file pre-flight rules.
 *
 * @returns the environment and the tenants deployed to it, sorted by id
 * @throws ConfigError listing every problem in every file
 */
export function loadConfig(options: LoadConfigOptions): PlatformConfig {
  const problems: ConfigProblem[] = [];
  const environment = readEnvironment(options.configDir, options.environment, problems);
  const tenants = listYamlFiles(options.configDir, 'tenants', problems).flatMap((file) => {
    const tenant = readConfigFile(file, tenantSchema, problems);
    return tenant ? [tenant] : [];
  });

  problems.push(
    ...preflightProblems({
      environmentName: options.environment,
      environment,
      tenants,
      knownEnvironments: environmentNames(options.configDir),
      now: options.now ?? new Date(),
    }),
  );
  // A missing or invalid environment file always leaves a problem, so `!environment` only narrows the type.
  if (problems.length > 0 || !environment) throw new ConfigError(sortedByFile(problems));

  return {
    environment: environment.value,
    tenants: tenants
      .map((tenant) => tenant.value)
      .filter((tenant) => isDeployedTo(tenant, options.environment))
      .sort((a, b) => a.id.localeCompare(b.id)),
  };
}

/**
 * Loads and validates one environment file alone, for tools that need its settings (tiers, regions)
 * without the tenants.
 *
 * @throws ConfigError if the file is missing or invalid
 */
export function loadEnvironment(configDir: string, environment: string): EnvironmentConfig {
  const problems: ConfigProblem[] = [];
  const loaded = readEnvironment(configDir, environment, problems);
  if (!loaded) throw new ConfigError(problems);
  return loaded.value;
}

function readEnvironment(configDir: string, name: string, problems: ConfigProblem[]): LoadedFile<EnvironmentConfig> | undefined {
  const file = path.join(configDir, 'environments', `${name}.yaml`);
  if (!fs.existsSync(file)) {
    problems.push({
      file: displayPath(file),
      path: WHOLE_FILE,
      message: `no such environment file${allowed(environmentNames(configDir))}`,
    });
    return undefined;
  }
  return readConfigFile(file, environmentSchema, problems);
}

/** Parses and validates one YAML file; records its problems and returns undefined if it has any. */
function readConfigFile<S extends z.ZodType>(
  file: string,
  schema: S,
  problems: ConfigProblem[],
): LoadedFile<z.output<S>> | undefined {
  const shown = displayPath(file);
  const parsed = parseYaml(fs.readFileSync(file, 'utf8'));
  if ('error' in parsed) {
    problems.push({ file: shown, path: WHOLE_FILE, message: parsed.error });
    return undefined;
  }
  const result = schema.safeParse(parsed.value, { error: describeIssue });
  if (!result.success) {
    problems.push(...problemsFromIssues(shown, result.error.issues, parsed.value, schema));
    return undefined;
  }
  return { file: shown, name: path.basename(file, '.yaml'), value: result.data };
}

function parseYaml(text: string): { value: unknown } | { error: string } {
  const lines = new LineCounter();
  // Duplicate keys are errors: with "last one wins", a copy-paste slip would silently change a setting.
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter: lines });
  const [first] = document.errors;
  if (first) return { error: `malformed YAML at line ${lines.linePos(first.pos[0]).line}: ${first.message}` };
  if (document.contents === null) return { error: 'the file is empty (expected a mapping of fields)' };
  try {
    return { value: document.toJS() };
  } catch (error) {
    return { error: `malformed YAML: ${(error as Error).message}` };
  }
}

/** The `*.yaml` files of a config folder; a `.yml` file is reported rather than silently skipped. */
function listYamlFiles(configDir: string, folder: string, problems: ConfigProblem[]): string[] {
  const dir = path.join(configDir, folder);
  if (!fs.existsSync(dir)) return [];
  const names = fs.readdirSync(dir).sort();
  for (const name of names.filter((n) => n.endsWith('.yml'))) {
    problems.push({ file: displayPath(path.join(dir, name)), path: WHOLE_FILE, message: 'only .yaml files are loaded: rename this one (allowed: .yaml)' });
  }
  return names.filter((name) => name.endsWith('.yaml')).map((name) => path.join(dir, name));
}

function environmentNames(configDir: string): string[] {
  const dir = path.join(configDir, 'environments');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => path.basename(name, '.yaml'))
    .sort();
}

function displayPath(file: string): string {
  return path.relative(process.cwd(), file);
}

/** Groups problems by file, keeping each file's problems in the order they were found. */
function sortedByFile(problems: readonly ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => a.file.localeCompare(b.file));
}
