import * as path from 'node:path';
import { App, AspectPriority, Aspects, Stack, Tags, Validations } from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { ModelInvocationLoggingCheck } from '../policies/model-invocation-logging';
import { ResourceTags } from './aspects/resource-tags';
import { CompliancePack, EnvironmentConfig, PlatformConfig, TenantConfig } from './config/schema';
import { PlatformStack } from './stacks/platform-stack';
import { ModelsStack } from './stacks/models-stack';
import { TenantStack } from './stacks/tenant-stack';

/** The repo's own CloudFormation Guard rules, checked at every synth. */
export const GUARD_RULES_DIR = path.join(__dirname, '..', 'policies', 'guard');

/** The template Metadata key that tells the Guard rules what a template is (see {@link labelStack}). */
export const POLICY_METADATA_KEY = 'Microplane';

/** Options of {@link buildMicroplane}. */
export interface MicroplaneOptions {
  /**
   * Run cdk-nag AwsSolutions and the repo's Guard rules at synth; findings fail the synth.
   * @default true
   */
  readonly securityChecks?: boolean;
}

/** The stacks of one environment. */
export interface MicroplaneStacks {
  /** The shared platform stack. */
  readonly platform: PlatformStack;
  /** One stack per tenant, by tenant id. */
  readonly tenants: ReadonlyMap<string, TenantStack>;
  /** The private models (EKS), when the environment's `modelHosting.enabled` is true. */
  readonly models?: ModelsStack;
}

/** `Microplane-<env>-Platform` */
export function platformStackName(environmentName: string): string {
  return `Microplane-${environmentName}-Platform`;
}

/** `Microplane-<env>-Models` */
export function modelsStackName(environmentName: string): string {
  return `Microplane-${environmentName}-Models`;
}

/** `Microplane-<env>-Tenant-<id>`: derived from the tenant id only, so other tenants never rename it. */
export function tenantStackName(environmentName: string, tenantId: string): string {
  return `Microplane-${environmentName}-Tenant-${tenantId}`;
}

/** Adds the platform stack and one stack per tenant of the loaded config to `app`. */
export function buildMicroplane(app: App, config: PlatformConfig, options: MicroplaneOptions = {}): MicroplaneStacks {
  const env = config.environment;
  const stackEnv = env.account || env.region ? { account: env.account, region: env.region } : undefined;
  const platform = new PlatformStack(app, platformStackName(env.name), {
    stackName: platformStackName(env.name),
    description: `Microplane ${env.name}: shared platform (identity, gateway, token exchange)`,
    env: stackEnv,
    environment: env,
    prompts: config.prompts,
    terminationProtection: env.removalPolicy === 'retain',
  });
  labelStack(platform, env);
  const models = env.modelHosting.enabled ? addModelsStack(app, env, stackEnv) : undefined;
  // Deploy order only: the platform's LLM proxy reads the model endpoints from SSM parameters.
  if (models) platform.addStackDependency(models, 'reads the private model endpoints from SSM parameters');
  const tenants = new Map<string, TenantStack>();
  for (const tenant of config.tenants) {
    const name = tenantStackName(env.name, tenant.id);
    const stack = new TenantStack(app, name, {
      stackName: name,
      description: `Microplane ${env.name}: tenant ${tenant.id} (${tenant.displayName})`,
      env: stackEnv,
      environment: env,
      tenant,
      terminationProtection: env.removalPolicy === 'retain',
    });
    // Deploy order only: tenant stacks read platform values from SSM, so no export pins the platform.
    stack.addStackDependency(platform, 'reads platform values from SSM parameters');
    labelStack(stack, env, tenant);
    tenants.set(tenant.id, stack);
  }
  Tags.of(app).add('microplane:managed-by', 'microplane-cdk');
  if (options.securityChecks ?? true) addSecurityChecks(app, env.compliancePacks);
  return { platform, tenants, models };
}

/** The private models' EKS stack (lib/stacks/models-stack.ts). */
function addModelsStack(app: App, env: EnvironmentConfig, stackEnv: { account?: string; region?: string } | undefined): ModelsStack {
  const name = modelsStackName(env.name);
  const models = new ModelsStack(app, name, {
    stackName: name,
    description: `Microplane ${env.name}: private models on EKS (GPU node groups, vLLM behind internal load balancers)`,
    env: stackEnv,
    environment: env,
    terminationProtection: env.removalPolicy === 'retain',
  });
  labelStack(models, env);
  return models;
}

/**
 * Tags every resource of `stack` with its environment (and, for a tenant's stack, tenant and cost
 * center), and writes the same facts into the template's Metadata: Guard sees only the template, and
 * selects on `Microplane.RemovalPolicy: retain` (policies/guard/stateful-resources.guard) and
 * `Microplane.Component: tenant` with `TenantId` (tenant-tags.guard).
 */
function labelStack(stack: Stack, env: EnvironmentConfig, tenant?: TenantConfig): void {
  Aspects.of(stack).add(
    new ResourceTags({ environmentName: env.name, tenantId: tenant?.id, costCenter: tenant?.costCenter }),
    { priority: AspectPriority.MUTATING },
  );
  stack.templateOptions.metadata = {
    ...stack.templateOptions.metadata,
    [POLICY_METADATA_KEY]: {
      Environment: env.name,
      RemovalPolicy: env.removalPolicy,
      Component: tenant ? 'tenant' : 'platform',
      ...(tenant ? { TenantId: tenant.id } : {}),
    },
  };
}

/** The cdk-nag pack behind each `compliancePacks` entry of an environment file. */
const COMPLIANCE_PACK_CHECKS: Record<CompliancePack, (app: App) => NagPack> = {
  'nist-800-53-r5': (app) => new NIST80053R5Checks(app),
  'hipaa-security': (app) => new HIPAASecurityChecks(app),
  'pci-dss-3.2.1': (app) => new PCIDSS321Checks(app),
};

/**
 * cdk-nag AwsSolutions, the environment's compliance packs, the repo's Guard rules and its
 * TypeScript policies (policies/*.ts, for what Guard cannot see one template at a time); any
 * unacknowledged finding fails the synth.
 */
export function addSecurityChecks(app: App, compliancePacks: readonly CompliancePack[] = []): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), ...compliancePacks.map((pack) => COMPLIANCE_PACK_CHECKS[pack](app)));
  Validations.of(app).addPlugins(new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: [GUARD_RULES_DIR] }));
  Validations.of(app).addPlugins(new ModelInvocationLoggingCheck());
}
