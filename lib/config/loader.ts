import * as path from 'node:path';
import { z } from 'zod';
import { CONFIG_EXTENSION, displayPath, listConfigFolder, readConfigText } from './config-files';
import { ConfigError, ConfigProblem, WHOLE_FILE, allowed, describeIssue, formatPath, problemsFromIssues } from './errors';
import { SCAFFOLD_PLACEHOLDER, placeholderFields } from './placeholders';
import { expiryWarnings, withExpiredAppsDisabled } from './expiry';
import { LoadedFile, TenantParts, isDeployedTo, preflightProblems } from './preflight';
import {
  ENV_NAME_MAX,
  EnvironmentConfig,
  PlatformConfig,
  appSchema,
  environmentName,
  environmentSchema,
  tenantSchema,
} from './schema';
import { LoadedTemplate, promptTemplateSchema, templateProblems, unknownTemplateApps } from './prompts';
import { parseYaml } from './yaml-text';

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
  const { configDir } = options;
  const problems: ConfigProblem[] = [];
  const environments = listEnvironments(configDir, problems);
  const environment = readEnvironment(configDir, options.environment, environments, problems);
  const tenantFolder = listConfigFolder(configDir, 'tenants');
  problems.push(...tenantFolder.problems);
  const tenantFiles = tenantFolder.files.flatMap((file) => readConfigFile(configDir, file, tenantSchema, problems) ?? []);
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
    knownEnvironments: environments,
    now: options.now ?? new Date(),
  });
  problems.push(...preflight.filter((problem) => !reported.has(problemKey(problem))));
  const templates = readTemplates(configDir, problems);
  // A missing or invalid environment file always leaves a problem, so `!environment` only narrows the type.
  if (problems.length > 0 || !environment) throw new ConfigError(sortedByFile(problems));

  const now = options.now ?? new Date();
  const deployed = tenantFiles
    .flatMap(({ file, name, value }) => (value ? [{ file, name, value }] : []))
    .filter((tenant) => isDeployedTo(tenant.value, options.environment))
    .sort((a, b) => a.value.id.localeCompare(b.value.id));
  return {
    environment: environment.value,
    tenants: deployed.map((tenant) => withExpiredAppsDisabled(tenant.value, now)),
    warnings: [
      ...deployed.flatMap((tenant) => expiryWarnings(tenant, now)),
      ...unknownTemplateApps(templates, new Set(tenantFiles.flatMap(({ value }) => value?.apps.map((app) => app.id) ?? []))),
    ],
    prompts: templates.map((template) => template.value).sort((a, b) => a.id.localeCompare(b.id)),
  };
}

/** The prompt templates of `configDir/prompts`, checked against the schema and the tenants' apps. */
function readTemplates(configDir: string, problems: ConfigProblem[]): LoadedTemplate[] {
  const folder = listConfigFolder(configDir, 'prompts');
  problems.push(...folder.problems);
  const loaded = folder.files.flatMap((file) => {
    const read = readConfigFile(configDir, file, promptTemplateSchema, problems);
    return read?.value ? [{ file: read.file, name: read.name, value: read.value }] : [];
  });
  problems.push(...templateProblems(loaded));
  return loaded;
}

/**
 * Loads and validates one environment file alone, for tools that need its settings (tiers, regions)
 * without the tenants.
 *
 * @throws ConfigError if the file is missing or invalid
 */
export function loadEnvironment(configDir: string, environment: string): EnvironmentConfig {
  const problems: ConfigProblem[] = [];
  const loaded = readEnvironment(configDir, environment, listEnvironments(configDir, []), problems);
  if (!loaded) throw new ConfigError(problems);
  return loaded.value;
}

/** The names of the environment files; records entries that are not one. */
function listEnvironments(configDir: string, problems: ConfigProblem[]): string[] {
  const listing = listConfigFolder(configDir, 'environments');
  problems.push(...listing.problems);
  return listing.files.flatMap((file) => {
    const name = path.basename(file, CONFIG_EXTENSION);
    if (environmentName.safeParse(name).success) return [name];
    problems.push({ file: displayPath(file), path: WHOLE_FILE, message: `the file name must be an environment name: ${environmentNameRule}` });
    return [];
  });
}

const environmentNameRule = `2 to ${ENV_NAME_MAX} lowercase letters or digits, starting with a letter`;

/**
 * The environment `name` (as given by `-c env=…`), if it names an environment file. A name that is
 * not an environment name (`./dev`, `DEV`) is refused rather than resolved as a path: it would read
 * dev.yaml, yet deploy none of the tenants that list `dev`.
 */
function readEnvironment(
  configDir: string,
  name: string,
  known: readonly string[],
  problems: ConfigProblem[],
): LoadedFile<EnvironmentConfig> | undefined {
  const dir = path.join(configDir, 'environments');
  if (!environmentName.safeParse(name).success) {
    problems.push({
      file: displayPath(dir),
      path: WHOLE_FILE,
      message: `${JSON.stringify(name)} is not an environment name (${environmentNameRule}); name one of the files here${allowed(known)}`,
    });
    return undefined;
  }
  const file = path.join(dir, `${name}${CONFIG_EXTENSION}`);
  if (!known.includes(name)) {
    problems.push({ file: displayPath(file), path: WHOLE_FILE, message: `no such environment file${allowed(known)}` });
    return undefined;
  }
  const read = readConfigFile(configDir, file, environmentSchema, problems);
  return read?.value ? { ...read, value: read.value } : undefined;
}

/** A config file that is valid YAML: its content, and its validated value if it passed the schema. */
interface ReadFile<T> extends LoadedFile<T | undefined> {
  readonly input: unknown;
}

/** Reads, parses and validates one config file and records its problems; undefined if it is not readable YAML. */
function readConfigFile<S extends z.ZodType>(
  configDir: string,
  file: string,
  schema: S,
  problems: ConfigProblem[],
): ReadFile<z.output<S>> | undefined {
  const shown = displayPath(file);
  const read = readConfigText(configDir, file);
  if ('problem' in read) {
    problems.push({ file: shown, path: WHOLE_FILE, message: read.problem });
    return undefined;
  }
  const parsed = parseYaml(read.text);
  if ('errors' in parsed) {
    problems.push(...parsed.errors.map((message) => ({ file: shown, path: WHOLE_FILE, message })));
    return undefined;
  }
  const placeholders = placeholderProblems(shown, parsed.value);
  const result = schema.safeParse(parsed.value, { error: describeIssue });
  const invalid = result.success ? [] : problemsFromIssues(shown, result.error.issues, parsed.value, schema);
  // A placeholder says more than whatever rule the placeholder text also happens to break.
  const placeholderPaths = new Set(placeholders.map((problem) => problem.path));
  problems.push(...placeholders, ...invalid.filter((problem) => !placeholderPaths.has(problem.path)));
  return { file: shown, name: path.basename(file, CONFIG_EXTENSION), input: parsed.value, value: result.data };
}

function placeholderProblems(file: string, input: unknown): ConfigProblem[] {
  return placeholderFields(input).map(({ path: fieldPath, value }) => ({
    file,
    path: formatPath(fieldPath),
    message: `still holds the ${SCAFFOLD_PLACEHOLDER} placeholder of npm run tenant:new (${JSON.stringify(value)}): fill in the real value`,
  }));
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

function problemKey(problem: ConfigProblem): string {
  return `${problem.file}\0${problem.path}`;
}

/** Groups problems by file, keeping each file's problems in the order they were found. */
function sortedByFile(problems: readonly ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => a.file.localeCompare(b.file));
}
