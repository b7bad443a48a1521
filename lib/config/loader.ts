import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError, ConfigProblem, WHOLE_FILE, allowed, describeIssue, problemsFromIssues } from './errors';
import { LoadedFile, TenantParts, isDeployedTo, preflightProblems } from './preflight';
import { EnvironmentConfig, PlatformConfig, appSchema, environmentSchema, tenantSchema } from './schema';

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
  const tenantFiles = listYamlFiles(options.configDir, 'tenants', problems).flatMap(
    (file) => readConfigFile(file, tenantSchema, problems) ?? [],
  );
  // A tenant file with problems is still checked: the rules run on the fields that passed.
  const tenants = tenantFiles.flatMap(({ file, name, input, value }) => {
    const parts = value ?? salvageTenant(input);
    return parts ? [{ file, name, value: parts }] : [];
  });

  // One problem per field: the rules skip fields the schema rejected; this also covers a schema
  // refinement that rejects a field which passes on its own.
  const reported = new Set(problems.map(problemKey));
  const preflight = preflightProblems({
    environmentName: options.environment,
    environment,
    tenants,
    knownEnvironments: environmentNames(options.configDir),
    now: options.now ?? new Date(),
  });
  problems.push(...preflight.filter((problem) => !reported.has(problemKey(problem))));
  // A missing or invalid environment file always leaves a problem, so `!environment` only narrows the type.
  if (problems.length > 0 || !environment) throw new ConfigError(sortedByFile(problems));

  return {
    environment: environment.value,
    tenants: tenantFiles
      .flatMap((tenant) => (tenant.value ? [tenant.value] : []))
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
  const read = readConfigFile(file, environmentSchema, problems);
  return read?.value ? { ...read, value: read.value } : undefined;
}

/** A config file that is valid YAML: its content, and its validated value if it passed the schema. */
interface ReadFile<T> extends LoadedFile<T | undefined> {
  readonly input: unknown;
}

/** Parses and validates one YAML file and records its problems; undefined if it is not valid YAML. */
function readConfigFile<S extends z.ZodType>(file: string, schema: S, problems: ConfigProblem[]): ReadFile<z.output<S>> | undefined {
  const shown = displayPath(file);
  const parsed = parseYaml(fs.readFileSync(file, 'utf8'));
  if ('error' in parsed) {
    problems.push({ file: shown, path: WHOLE_FILE, message: parsed.error });
    return undefined;
  }
  const result = schema.safeParse(parsed.value, { error: describeIssue });
  if (!result.success) problems.push(...problemsFromIssues(shown, result.error.issues, parsed.value, schema));
  return { file: shown, name: path.basename(file, '.yaml'), input: parsed.value, value: result.data };
}

/**
 * What the rules can still check of a tenant file that failed its schema: each field that passes its
 * own schema, and each app, at its index in the file, with the fields that pass theirs. Nothing of a
 * file that is not a mapping.
 */
function salvageTenant(input: unknown): TenantParts | undefined {
  if (!isMapping(input)) return undefined;
  const environments = tenantSchema.shape.environments.safeParse(input.environments);
  return {
    ...validFields(tenantSchema, input),
    // An invalid list says nothing of where the tenant runs: deploy it nowhere, so no rule guesses.
    environments: environments.success ? environments.data : [],
    apps: Array.isArray(input.apps) ? input.apps.map((app) => validFields(appSchema, app)) : [],
  };
}

/** The fields of `input` that pass their own schema in `schema`, each parsed alone. */
function validFields<S extends z.ZodObject>(schema: S, input: unknown): Partial<z.output<S>> {
  if (!isMapping(input)) return {};
  const valid = Object.entries(schema.shape).flatMap(([key, field]) => {
    const result = z.safeParse(field, input[key]);
    return result.success ? [[key, result.data]] : [];
  });
  return Object.fromEntries(valid) as Partial<z.output<S>>;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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

function problemKey(problem: ConfigProblem): string {
  return `${problem.file}\0${problem.path}`;
}

/** Groups problems by file, keeping each file's problems in the order they were found. */
function sortedByFile(problems: readonly ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => a.file.localeCompare(b.file));
}
