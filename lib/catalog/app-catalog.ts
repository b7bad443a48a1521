import { allowedModels, type AppLlmPolicy as AppLlmPolicyOfProxy } from '../../lambdas/llm-proxy/policy';
import { proxyConfigOf } from '../constructs/llm-proxy';
import { type AppLlmPolicy, llmPolicyOf } from '../constructs/tenant-apps';
import { DEFAULT_BUDGET_THRESHOLDS, type AppConfig, type BudgetConfig, type DataClassification, type EnvironmentConfig, type PlatformConfig, type TenantConfig, type TierConfig } from '../config/schema';
import { expiresSoon, isExpired, isoDate } from '../config/expiry';

/**
 * The app catalog: every tenant and app of one environment with what governance asks about (owner,
 * purpose, data class, residency, expiry, risk, quotas), built from the loaded config alone, so it
 * needs no synth and no AWS account.
 */

/** How much harm a compromised or misbehaving app could do; drives review depth and alerting. */
export type RiskTier = 'low' | 'moderate' | 'high' | 'critical';

const RISK_TIERS: readonly RiskTier[] = ['low', 'moderate', 'high', 'critical'];

/** The starting risk of each data class, before the app's features raise it. */
const CLASSIFICATION_RISK: Record<DataClassification, number> = { public: 0, internal: 1, confidential: 2, regulated: 3 };

/** What an app can do, read from its scopes; each feature that changes data raises the risk. */
export type AppFeature = 'writes-data' | 'documents' | 'models';

/** Whether an app is reachable today. */
export type AppStatus = 'enabled' | 'disabled' | 'expired' | 'expiring';

/** A monthly cost budget and what each threshold does. */
export interface CatalogBudget {
  readonly monthlyLimitUsd: number;
  /** `<percent>% <actual|forecasted>: <notify|throttle|block>`, in config order (defaults filled in). */
  readonly thresholds: readonly string[];
}

/** One app of the catalog. */
export interface CatalogApp {
  readonly id: string;
  readonly displayName: string;
  readonly tenantId: string;
  readonly owner: string;
  readonly purpose: string;
  readonly tier: string;
  readonly dataClassification: DataClassification;
  readonly residency: string;
  readonly expires: string;
  readonly status: AppStatus;
  readonly features: readonly AppFeature[];
  readonly riskTier: RiskTier;
  readonly scopes: readonly string[];
  /** The tier's limits, which hold per app (each app has its own usage key). */
  readonly quota: {
    readonly ratePerSecond: number;
    readonly burst: number;
    readonly requests: number;
    readonly period: string;
  };
  /** The app's own budget, if it has one (the tenant's budget covers it besides). */
  readonly budget?: CatalogBudget;
  /** The app's model access (apps with the llm.complete scope): its limits and the models it may call, cheapest first. */
  readonly llm?: AppLlmPolicy & { readonly allowedModels: readonly string[] };
}

/** One tenant of the catalog. */
export interface CatalogTenant {
  readonly id: string;
  readonly displayName: string;
  readonly owner: { readonly name: string; readonly email: string };
  readonly costCenter: string;
  readonly isolation: TenantConfig['isolation'];
  readonly residency: string;
  /** The highest risk tier of the tenant's apps. */
  readonly riskTier: RiskTier;
  /** The tenant's budget, if it has one. */
  readonly budget?: CatalogBudget;
  readonly apps: readonly CatalogApp[];
}

/** The whole catalog of one environment. */
export interface AppCatalog {
  readonly environment: string;
  /** The day statuses were computed for (`YYYY-MM-DD`, UTC). */
  readonly asOf: string;
  readonly tenants: readonly CatalogTenant[];
  readonly totals: {
    readonly tenants: number;
    readonly apps: number;
    readonly byStatus: Readonly<Record<AppStatus, number>>;
    readonly byRiskTier: Readonly<Record<RiskTier, number>>;
  };
}

/** The features an app's scopes give it. */
export function appFeatures(app: Pick<AppConfig, 'scopes'>): AppFeature[] {
  const features = new Set<AppFeature>();
  for (const scope of app.scopes) {
    if (scope.endsWith('.write')) features.add('writes-data');
    if (scope.startsWith('documents.')) features.add('documents');
    if (scope.startsWith('llm.')) features.add('models');
  }
  return [...features].sort();
}

/**
 * The data class sets the floor (public low, internal moderate, confidential high, regulated
 * critical); an app that stores documents or calls models is one tier higher, because it moves the
 * data into another store or to a model; one that only writes its own records stays put.
 */
export function riskTier(dataClassification: DataClassification, features: readonly AppFeature[]): RiskTier {
  const raised = features.includes('documents') || features.includes('models') ? 1 : 0;
  return RISK_TIERS[Math.min(CLASSIFICATION_RISK[dataClassification] + raised, RISK_TIERS.length - 1)];
}

/** The status of an app on `now`: switched off, expired, expiring within the warning window, or enabled. */
export function appStatus(app: Pick<AppConfig, 'enabled' | 'expires'>, now: Date): AppStatus {
  if (isExpired(app, now)) return 'expired';
  if (!app.enabled) return 'disabled';
  return expiresSoon(app, now) ? 'expiring' : 'enabled';
}

/** The catalog of a loaded config on `now`. */
export function buildCatalog(config: PlatformConfig, now: Date = new Date()): AppCatalog {
  const tenants = [...config.tenants]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((tenant) => catalogTenant(config.environment, tenant, now));
  const apps = tenants.flatMap((tenant) => tenant.apps);
  return {
    environment: config.environment.name,
    asOf: isoDate(now),
    tenants,
    totals: {
      tenants: tenants.length,
      apps: apps.length,
      byStatus: countBy(['enabled', 'expiring', 'disabled', 'expired'], apps.map((app) => app.status)),
      byRiskTier: countBy(RISK_TIERS, apps.map((app) => app.riskTier)),
    },
  };
}

function catalogTenant(environment: EnvironmentConfig, tenant: TenantConfig, now: Date): CatalogTenant {
  const apps = [...tenant.apps].sort((a, b) => a.id.localeCompare(b.id)).map((app) => catalogApp(environment, tenant, app, now));
  const highest = Math.max(...apps.map((app) => RISK_TIERS.indexOf(app.riskTier)));
  return {
    id: tenant.id,
    displayName: tenant.displayName,
    owner: { name: tenant.owner.name, email: tenant.owner.email },
    costCenter: tenant.costCenter,
    isolation: tenant.isolation,
    residency: tenant.residency,
    riskTier: RISK_TIERS[highest],
    ...(tenant.budget ? { budget: catalogBudget(tenant.budget) } : {}),
    apps,
  };
}

function catalogApp(environment: EnvironmentConfig, tenant: TenantConfig, app: AppConfig, now: Date): CatalogApp {
  const features = appFeatures(app);
  const tier: TierConfig = environment.tiers[app.tier];
  return {
    id: app.id,
    displayName: app.displayName,
    tenantId: tenant.id,
    owner: app.owner,
    purpose: app.purpose,
    tier: app.tier,
    dataClassification: app.dataClassification,
    residency: tenant.residency,
    expires: app.expires,
    status: appStatus(app, now),
    features,
    riskTier: riskTier(app.dataClassification, features),
    scopes: [...app.scopes].sort(),
    quota: { ratePerSecond: tier.rateLimit, burst: tier.burstLimit, requests: tier.quota.limit, period: tier.quota.period },
    ...(app.budget ? { budget: catalogBudget(app.budget) } : {}),
    ...(app.scopes.includes('llm.complete') ? { llm: catalogLlm(environment, app) } : {}),
  };
}

function catalogLlm(environment: EnvironmentConfig, app: AppConfig): CatalogApp['llm'] {
  const policy = llmPolicyOf(app);
  const proxy = proxyConfigOf(environment.name, environment.models, []);
  return { ...policy, allowedModels: allowedModels(proxy, policy as AppLlmPolicyOfProxy) };
}

function catalogBudget(budget: BudgetConfig): CatalogBudget {
  return {
    monthlyLimitUsd: budget.monthlyLimitUsd,
    thresholds: (budget.thresholds ?? DEFAULT_BUDGET_THRESHOLDS).map(
      (threshold) => `${threshold.percent}% ${threshold.notification}: ${threshold.action}`,
    ),
  };
}

function countBy<K extends string>(keys: readonly K[], values: readonly K[]): Record<K, number> {
  const counts = Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;
  for (const value of values) counts[value] += 1;
  return counts;
}
