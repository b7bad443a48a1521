import { Aspects, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as kms from 'aws-cdk-lib/aws-kms';
import { FunctionConcurrency } from '../aspects/function-concurrency';
import { InlinePolicyReasons } from '../aspects/inline-policy-reasons';
import { LogGroupEncryption } from '../aspects/log-group-encryption';
import { EnvironmentConfig } from '../config/schema';

/** Stateful resources are kept when removed from retain-environments such as production. */
export function removalPolicyOf(env: EnvironmentConfig): RemovalPolicy {
  return env.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
}

const MFA: Record<EnvironmentConfig['identity']['mfa'], cognito.Mfa> = {
  off: cognito.Mfa.OFF,
  optional: cognito.Mfa.OPTIONAL,
  required: cognito.Mfa.REQUIRED,
};

const THREAT_PROTECTION: Record<EnvironmentConfig['identity']['threatProtection'], cognito.StandardThreatProtectionMode | undefined> = {
  off: undefined,
  audit: cognito.StandardThreatProtectionMode.AUDIT_ONLY,
  enforced: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
};

/** The Identity construct's settings from the environment's `identity` section. */
export function cognitoSettings(env: EnvironmentConfig) {
  const identity = env.identity;
  return {
    domainPrefix: identity.domainPrefix,
    mfa: MFA[identity.mfa],
    featurePlan: identity.featurePlan === 'plus' ? cognito.FeaturePlan.PLUS : cognito.FeaturePlan.ESSENTIALS,
    threatProtection: THREAT_PROTECTION[identity.threatProtection],
    userTokenValidity: Duration.minutes(identity.userTokenMinutes),
  };
}

/**
 * A stack pinned to an account and region asks the CLI to look its zones up, which needs AWS
 * credentials. The config names them instead (required where `account` is set), so every environment
 * synthesizes offline; call it on the stack before any child asks.
 */
export function provideAvailabilityZones(stack: Stack, env: EnvironmentConfig): void {
  if (!env.account || !env.region || !env.availabilityZones) return;
  stack.node.setContext(`availability-zones:account=${env.account}:region=${env.region}`, [...env.availabilityZones]);
}

/**
 * Environment-wide policies every construct of a shared stack gets, including those of aws-cdk-lib: its
 * log groups under a key of its own (`LogsKey`, an id that must never change), functions that reserve
 * concurrency or say why, inline policies that say why.
 */
export function addStackPolicies(stack: Stack, env: EnvironmentConfig, logsKey: { alias: string; description: string }): kms.Key {
  const key = new kms.Key(stack, 'LogsKey', {
    description: logsKey.description,
    alias: logsKey.alias,
    enableKeyRotation: true,
    pendingWindow: Duration.days(30),
    removalPolicy: removalPolicyOf(env),
  });
  LogGroupEncryption.admitLogsService(key);
  Aspects.of(stack).add(new LogGroupEncryption(key));
  Aspects.of(stack).add(new FunctionConcurrency(env.functions.reservedConcurrency));
  Aspects.of(stack).add(new InlinePolicyReasons());
  return key;
}
