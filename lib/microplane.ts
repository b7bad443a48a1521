import * as path from 'node:path';
import { App, Tags, Validations } from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { CompliancePack, PlatformConfig } from './config/schema';
import { PlatformStack } from './stacks/platform-stack';
import { TenantStack } from './stacks/tenant-stack';

/** The repo's own CloudFormation Guard rules, checked at every synth. */
export const GUARD_RULES_DIR = path.join(__dirname, '..', 'policies', 'guard');

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
}

/** `Microplane-<env>-Platform` */
export function platformStackName(environmentName: string): string {
  return `Microplane-${environmentName}-Platform`;
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
    terminationProtection: env.removalPolicy === 'retain',
  });
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
    tenants.set(tenant.id, stack);
  }
  Tags.of(app).add('microplane:environment', env.name);
  Tags.of(app).add('microplane:managed-by', 'microplane-cdk');
  if (options.securityChecks ?? true) addSecurityChecks(app, env.compliancePacks);
  return { platform, tenants };
}

/** The cdk-nag pack behind each `compliancePacks` entry of an environment file. */
const COMPLIANCE_PACK_CHECKS: Record<CompliancePack, (app: App) => NagPack> = {
  'nist-800-53-r5': (app) => new NIST80053R5Checks(app),
  'hipaa-security': (app) => new HIPAASecurityChecks(app),
  'pci-dss-3.2.1': (app) => new PCIDSS321Checks(app),
};

/**
 * cdk-nag AwsSolutions, the environment's compliance packs and the repo's Guard rules; any
 * unacknowledged finding fails the synth.
 */
export function addSecurityChecks(app: App, compliancePacks: readonly CompliancePack[] = []): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), ...compliancePacks.map((pack) => COMPLIANCE_PACK_CHECKS[pack](app)));
  Validations.of(app).addPlugins(new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: [GUARD_RULES_DIR] }));
}
