import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PLATFORM_SCOPES, PlatformScope, RESOURCE_SERVER_IDENTIFIER } from '../config/scopes';
import { MicroplaneFunction } from './microplane-function';

/** The user attribute holding a user's tenant; app clients may read it but never write it. */
export const TENANT_ATTRIBUTE = 'tenant_id';

/** Properties of {@link Identity}. */
export interface IdentityProps {
  /** The environment name, part of the pool's name. */
  readonly environmentName: string;
  /** Prefix of the hosted sign-in domain: `https://<prefix>.auth.<region>.amazoncognito.com`. */
  readonly domainPrefix: string;
  /**
   * Multi-factor authentication.
   * @default cognito.Mfa.REQUIRED
   */
  readonly mfa?: cognito.Mfa;
  /**
   * The Cognito feature plan; ESSENTIALS at least, which the access-token tenant claim needs.
   * @default cognito.FeaturePlan.ESSENTIALS
   */
  readonly featurePlan?: cognito.FeaturePlan;
  /**
   * Threat protection for standard sign-in; needs the PLUS feature plan.
   * @default - off
   */
  readonly threatProtection?: cognito.StandardThreatProtectionMode;
  /**
   * Lifetime of access and ID tokens issued to users.
   * @default Duration.minutes(60)
   */
  readonly userTokenValidity?: Duration;
  /**
   * Refuse deletion of the user pool (and its users) until switched off.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * What happens to the user pool when removed from the app.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * How long the trigger function's logs are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The Cognito user pool people sign in to (authorization code with PKCE through the hosted domain).
 * Each user carries a tenant attribute that only administrators can set; a pre-token-generation
 * trigger copies it into access tokens, which the token exchange trusts for the user's tenant. A
 * resource server defines the scopes apps may request. App clients live in tenant stacks.
 */
export class Identity extends Construct {
  /** The user pool. */
  public readonly userPool: cognito.UserPool;
  /** The resource server whose scopes apps request. */
  public readonly resourceServer: cognito.UserPoolResourceServer;
  /** The hosted sign-in domain. */
  public readonly domain: cognito.UserPoolDomain;
  /** The function that adds the tenant claim to tokens. */
  public readonly tokenClaimsFunction: MicroplaneFunction;
  private readonly scopes = new Map<PlatformScope, cognito.ResourceServerScope>();

  constructor(scope: Construct, id: string, props: IdentityProps) {
    super(scope, id);
    const featurePlan = props.featurePlan ?? cognito.FeaturePlan.ESSENTIALS;
    if (featurePlan === cognito.FeaturePlan.LITE) {
      throw new Error(`Identity ${this.node.path}: the LITE feature plan cannot add the tenant claim to access tokens`);
    }
    if (props.threatProtection && featurePlan !== cognito.FeaturePlan.PLUS) {
      throw new Error(`Identity ${this.node.path}: threat protection needs the PLUS feature plan`);
    }
    const mfa = props.mfa ?? cognito.Mfa.REQUIRED;
    this.userPool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: `microplane-${props.environmentName}`,
      // Platform teams invite people; nobody signs themselves up into a tenant.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true }, fullname: { required: false, mutable: true } },
      customAttributes: { [TENANT_ATTRIBUTE]: new cognito.StringAttribute({ minLen: 3, maxLen: 32, mutable: true }) },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa,
      mfaSecondFactor: mfa === cognito.Mfa.OFF ? undefined : { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan,
      standardThreatProtectionMode: props.threatProtection,
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.acknowledgeEnvironmentChoices(mfa, featurePlan);

    this.tokenClaimsFunction = new MicroplaneFunction(this, 'TokenClaims', {
      handlerName: 'pre-token-generation',
      invokedBy: 'Cognito, as the user pool\'s pre token generation trigger',
      description: 'Copies the user\'s tenant attribute into access and ID tokens',
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.userPool.addTrigger(
      cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
      this.tokenClaimsFunction.function,
      cognito.LambdaVersion.V2_0,
    );

    this.resourceServer = this.userPool.addResourceServer('Api', {
      identifier: RESOURCE_SERVER_IDENTIFIER,
      userPoolResourceServerName: `microplane-${props.environmentName}-api`,
      scopes: this.resourceServerScopes(),
    });
    this.domain = this.userPool.addDomain('Domain', { cognitoDomain: { domainPrefix: props.domainPrefix } });
  }

  /** The OAuth scope object of a platform scope, for app clients in this stack. */
  public oauthScope(scope: PlatformScope): cognito.OAuthScope {
    const resourceServerScope = this.scopes.get(scope);
    if (!resourceServerScope) throw new Error(`Identity ${this.node.path} has no scope "${scope}"`);
    return cognito.OAuthScope.resourceServer(this.resourceServer, resourceServerScope);
  }

  private resourceServerScopes(): cognito.ResourceServerScope[] {
    for (const [name, description] of Object.entries(PLATFORM_SCOPES)) {
      this.scopes.set(name as PlatformScope, new cognito.ResourceServerScope({ scopeName: name, scopeDescription: description }));
    }
    return [...this.scopes.values()];
  }

  private acknowledgeEnvironmentChoices(
    mfa: cognito.Mfa,
    featurePlan: cognito.FeaturePlan,
  ): void {
    if (mfa !== cognito.Mfa.REQUIRED) {
      Validations.of(this.userPool).acknowledge({
        id: 'AwsSolutions-COG2',
        reason: `MFA is "${mfa}" by this environment's config (identity.mfa); production environments require it.`,
      });
    }
    if (featurePlan !== cognito.FeaturePlan.PLUS) {
      Validations.of(this.userPool).acknowledge({
        id: 'AwsSolutions-COG8',
        reason: 'This environment\'s config chooses the essentials feature plan (identity.featurePlan): threat protection is billed per active user and production enables it.',
      });
    }
  }
}
