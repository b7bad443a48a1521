import { ConfigProblem, allowed, formatPath } from './errors';
import { isoDate } from './expiry';
import { AppConfig, EnvironmentConfig, IAM_ROLE_ARN, isPrivateModel, PRIVATE_MODEL_PREFIX, TenantConfig } from './schema';

/**
 * Governance rules that need more than one field or one file. They run on every field that passed the
 * schema, even in a file that has other problems, and refuse a deploy that would break a rule rather
 * than warn about it.
 */

/** The longest an app may be approved for: a yearly review, with a day of slack for leap years. */
export const MAX_EXPIRY_DAYS = 366;

/** A config file that passed its schema. */
export interface LoadedFile<T> {
  /** The file, as shown in problems. */
  readonly file: string;
  /** The file name without `.yaml`, which must equal the id or name inside. */
  readonly name: string;
  /** The validated content. */
  readonly value: T;
}

/**
 * A tenant as the rules see it: the whole file if it passed the schema, else the fields that pass their
 * own schema, each app at its index in the file. A field left out (undefined) is one the schema already
 * reported: every rule skips what it cannot read, so it never reports a field twice or guesses. Only
 * `environments` differs: left out means every environment, as always, and an invalid list is empty.
 */
export type TenantParts = Partial<Omit<TenantConfig, 'apps'>> & { readonly apps: readonly Partial<AppConfig>[] };

/** What {@link preflightProblems} checks. */
export interface PreflightInput {
  /** The environment being loaded. */
  readonly environmentName: string;
  /** Its file, if it exists and passed the schema; environment-specific rules are skipped without it. */
  readonly environment?: LoadedFile<EnvironmentConfig>;
  /** Every tenant file that is a mapping, valid or not, deployed to this environment or not. */
  readonly tenants: readonly LoadedFile<TenantParts>[];
  /** The names of all environment files. */
  readonly knownEnvironments: readonly string[];
  /** The moment expiry dates are checked against. */
  readonly now: Date;
}

/** Whether a tenant is deployed to an environment: the ones it lists, or all if it lists none. */
export function isDeployedTo(tenant: Pick<TenantParts, 'environments'>, environmentName: string): boolean {
  return tenant.environments?.includes(environmentName) ?? true;
}

/** Every broken governance rule, across all files. */
export function preflightProblems(input: PreflightInput): ConfigProblem[] {
  const { environment, tenants } = input;
  const deployed = tenants.filter((tenant) => isDeployedTo(tenant.value, input.environmentName));
  return [
    ...(environment ? environmentProblems(environment) : []),
    ...tenants.flatMap((tenant) => [
      ...idMatchesFileName(tenant),
      ...unknownEnvironments(tenant, input.knownEnvironments),
      ...regulatedDataInPooledTenant(tenant),
      ...expiryTooFarAhead(tenant, input.now),
      ...insecureRedirectUrls(tenant),
      ...llmCapsBeyondBudget(tenant),
    ]),
    ...duplicateTenantIds(tenants),
    ...duplicateAppIds(tenants),
    ...(environment ? deployed.flatMap((tenant) => [...placementProblems(tenant, environment), ...modelsNotAllowed(tenant, environment)]) : []),
  ];
}

function environmentProblems(environment: LoadedFile<EnvironmentConfig>): ConfigProblem[] {
  const { file, name, value } = environment;
  const problems: ConfigProblem[] = [];
  if (value.name !== name) {
    problems.push(problem(file, ['name'], `"${value.name}" must match the file name${allowed([name])}`));
  }
  if (value.region && !value.residencyRegions.includes(value.region)) {
    problems.push(problem(file, ['region'], `"${value.region}" is not one of residencyRegions${allowed(value.residencyRegions)}`));
  }
  if (value.identity.threatProtection !== 'off' && value.identity.featurePlan !== 'plus') {
    problems.push(
      problem(
        file,
        ['identity', 'threatProtection'],
        `"${value.identity.threatProtection}" needs identity.featurePlan: plus, which is ${value.identity.featurePlan} (allowed with ${value.identity.featurePlan}: off)`,
      ),
    );
  }
  problems.push(...availabilityZoneProblems(environment), ...keyAdministratorProblems(environment), ...privateModelProblems(environment));
  const tokenSeconds = value.serviceToken.lifetimeMinutes * 60;
  if (value.gateway.authorizerCacheSeconds >= tokenSeconds) {
    // A cached "allow" would outlive the token it was granted for.
    problems.push(
      problem(
        file,
        ['gateway', 'authorizerCacheSeconds'],
        `must be shorter than the service token lifetime of ${tokenSeconds} seconds (allowed: 0 to ${tokenSeconds - 1})`,
      ),
    );
  }
  return problems;
}

function availabilityZoneProblems({ file, value }: LoadedFile<EnvironmentConfig>): ConfigProblem[] {
  const zones = value.availabilityZones;
  const example = value.region ? ` (allowed: 2 to 6 zones of ${value.region}, e.g. ${value.region}a, ${value.region}b)` : '';
  if (!zones) {
    // A pinned environment makes the CDK look its zones up in the account: synth would need credentials.
    return value.account
      ? [problem(file, ['availabilityZones'], `is required when account is set: without it cdk synth needs AWS credentials to look the zones up${example}`)]
      : [];
  }
  if (!value.region) return [problem(file, ['availabilityZones'], 'needs region: availability zones belong to one region')];
  return zones.flatMap((zone, index) =>
    zone.startsWith(value.region!)
      ? []
      : [problem(file, ['availabilityZones', index], `"${zone}" is not a zone of region ${value.region}${example}`)],
  );
}

/** Every `private:<name>` of the model policy must be a model this environment hosts. */
function privateModelProblems({ file, value }: LoadedFile<EnvironmentConfig>): ConfigProblem[] {
  const hosted = value.modelHosting.enabled ? value.modelHosting.models.map((model) => model.name) : [];
  return Object.entries(value.models.allowedByClassification).flatMap(([dataClass, models]) =>
    models.flatMap((model, index) => {
      if (!isPrivateModel(model) || hosted.includes(model.slice(PRIVATE_MODEL_PREFIX.length))) return [];
      const why = value.modelHosting.enabled
        ? `names no model of modelHosting.models${allowed(hosted.map((name) => `${PRIVATE_MODEL_PREFIX}${name}`))}`
        : 'needs modelHosting.enabled: true with the model in modelHosting.models (this environment hosts no models)';
      return [problem(file, ['models', 'allowedByClassification', dataClass, index], `"${model}" ${why}`)];
    }),
  );
}

function keyAdministratorProblems({ file, value }: LoadedFile<EnvironmentConfig>): ConfigProblem[] {
  if (value.removalPolicy === 'retain' && value.keyAdministratorArns.length === 0) {
    // A retained key nobody may administer can only be rescued through the account root.
    return [
      problem(
        file,
        ['keyAdministratorArns'],
        'named key administrators are required where keys are retained (removalPolicy: retain): list at least one IAM role ARN (allowed: arn:aws:iam::<account>:role/<name>)',
      ),
    ];
  }
  if (!value.account) return [];
  return value.keyAdministratorArns.flatMap((arn, index) => {
    const account = IAM_ROLE_ARN.exec(arn)?.[1];
    return account === value.account
      ? []
      : [problem(file, ['keyAdministratorArns', index], `is a role in account ${account}, not in this environment's account${allowed([value.account])}`)];
  });
}

function idMatchesFileName({ file, name, value }: LoadedFile<TenantParts>): ConfigProblem[] {
  if (value.id === undefined || value.id === name) return [];
  return [problem(file, ['id'], `"${value.id}" must match the file name${allowed([name])}`)];
}

function unknownEnvironments({ file, value }: LoadedFile<TenantParts>, known: readonly string[]): ConfigProblem[] {
  return (value.environments ?? []).flatMap((name, index) =>
    known.includes(name) ? [] : [problem(file, ['environments', index], `no environment file for "${name}"${allowed(known)}`)],
  );
}

function regulatedDataInPooledTenant({ file, value }: LoadedFile<TenantParts>): ConfigProblem[] {
  if (value.isolation !== 'pooled') return [];
  return value.apps.flatMap((app, index) =>
    app.dataClassification === 'regulated'
      ? [problem(file, ['apps', index, 'dataClassification'], 'regulated data needs isolation: siloed, but this tenant is pooled (allowed in a pooled tenant: public, internal, confidential)')]
      : [],
  );
}

/**
 * An approval longer than a year is refused. One that has run out is not a problem but a warning: the
 * app is deployed disabled (see `withExpiredAppsDisabled`).
 */
function expiryTooFarAhead({ file, value }: LoadedFile<TenantParts>, now: Date): ConfigProblem[] {
  const latest = isoDate(new Date(now.getTime() + MAX_EXPIRY_DAYS * 24 * 60 * 60 * 1000));
  return value.apps.flatMap((app, index) =>
    app.expires !== undefined && app.expires > latest
      ? [problem(file, ['apps', index, 'expires'], `${app.expires} is more than ${MAX_EXPIRY_DAYS} days ahead (allowed: up to ${latest}; an app is reviewed at least yearly)`)]
      : [],
  );
}

function insecureRedirectUrls({ file, value }: LoadedFile<TenantParts>): ConfigProblem[] {
  return value.apps.flatMap((app, appIndex) =>
    (['callbackUrls', 'logoutUrls'] as const).flatMap((field) =>
      (app[field] ?? []).flatMap((url, index) =>
        isSecureRedirect(url)
          ? []
          : [problem(file, ['apps', appIndex, field, index], `"${url}" must use https (allowed: https://…, http://localhost…, http://127.0.0.1…)`)],
      ),
    ),
  );
}

/** https everywhere; plain http only on the developer's own machine. */
function isSecureRedirect(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return protocol === 'https:' || (protocol === 'http:' && (hostname === 'localhost' || hostname === '127.0.0.1'));
}

function duplicateTenantIds(tenants: readonly LoadedFile<TenantParts>[]): ConfigProblem[] {
  const firstFile = new Map<string, string>();
  return tenants.flatMap(({ file, value }) => {
    if (value.id === undefined) return [];
    const first = firstFile.get(value.id);
    if (first === undefined) {
      firstFile.set(value.id, file);
      return [];
    }
    return [problem(file, ['id'], `duplicate tenant id "${value.id}", also in ${first}`)];
  });
}

/** App ids are OAuth audiences and name per-app resources, so they are unique across all tenants. */
function duplicateAppIds(tenants: readonly LoadedFile<TenantParts>[]): ConfigProblem[] {
  const firstPlace = new Map<string, string>();
  return tenants.flatMap(({ file, value }) =>
    value.apps.flatMap((app, index) => {
      if (app.id === undefined) return [];
      const path = ['apps', index, 'id'];
      const first = firstPlace.get(app.id);
      if (first === undefined) {
        firstPlace.set(app.id, `${file} at ${formatPath(path)}`);
        return [];
      }
      return [problem(file, path, `duplicate app id "${app.id}", also in ${first}`)];
    }),
  );
}

/** Rules that depend on where the tenant is deployed: tiers and data residency. */
function placementProblems({ file, value }: LoadedFile<TenantParts>, environment: LoadedFile<EnvironmentConfig>): ConfigProblem[] {
  const env = environment.value;
  const tiers = Object.keys(env.tiers);
  const problems = value.apps.flatMap((app, index) =>
    app.tier === undefined || app.tier in env.tiers
      ? []
      : [problem(file, ['apps', index, 'tier'], `tier "${app.tier}" is not defined by environment "${env.name}"${allowed(tiers)}`)],
  );
  if (value.residency === undefined) return problems;
  if (!env.residencyRegions.includes(value.residency)) {
    problems.push(
      problem(file, ['residency'], `"${value.residency}" is outside the residency regions of environment "${env.name}"${allowed(env.residencyRegions)}`),
    );
  } else if (env.region && env.region !== value.residency) {
    problems.push(
      problem(
        file,
        ['residency'],
        `environment "${env.name}" deploys to ${env.region}, so data resident in ${value.residency} would be stored outside its residency${allowed([env.region])}`,
      ),
    );
  }
  return problems;
}

/** An app may narrow the environment's models for its data classification, never widen them. */
function modelsNotAllowed({ file, value }: LoadedFile<TenantParts>, environment: LoadedFile<EnvironmentConfig>): ConfigProblem[] {
  const env = environment.value;
  return value.apps.flatMap((app, appIndex) => {
    if (app.models === undefined || app.dataClassification === undefined) return [];
    const permitted = env.models.allowedByClassification[app.dataClassification];
    return app.models.flatMap((model, index) =>
      permitted.includes(model)
        ? []
        : [
            problem(
              file,
              ['apps', appIndex, 'models', index],
              `model "${model}" is not allowed for ${app.dataClassification} data in environment "${env.name}" (models.allowedByClassification.${app.dataClassification})${allowed(permitted)}`,
            ),
          ],
    );
  });
}

/** Every call reserves its output cap from the day's budget: a cap near the budget leaves room for one call a day. */
function llmCapsBeyondBudget({ file, value }: LoadedFile<TenantParts>): ConfigProblem[] {
  return value.apps.flatMap((app, index) =>
    app.llm && app.llm.maxOutputTokens * 2 > app.llm.dailyTokenBudget
      ? [
          problem(
            file,
            ['apps', index, 'llm', 'maxOutputTokens'],
            `${app.llm.maxOutputTokens} must be at most half of dailyTokenBudget (${app.llm.dailyTokenBudget}): every call reserves its output cap (and its prompt) from the day's budget (allowed: 1 to ${Math.floor(app.llm.dailyTokenBudget / 2)})`,
          ),
        ]
      : [],
  );
}

function problem(file: string, path: readonly PropertyKey[], message: string): ConfigProblem {
  return { file, path: formatPath(path), message };
}
