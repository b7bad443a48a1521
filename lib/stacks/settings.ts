import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
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
