import { Duration, Stack, Tags } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { APP_LLM_DEFAULTS, AppConfig } from '../config/schema';
import { qualifiedScope, PlatformScope } from '../config/scopes';
import { TENANT_ATTRIBUTE } from './identity';

/** Properties of {@link TenantApps}. */
export interface TenantAppsProps {
  /** The tenant owning the apps. */
  readonly tenantId: string;
  /** The apps, from the tenant's config. */
  readonly apps: readonly AppConfig[];
  /** The environment name, part of API key names and usage key values. */
  readonly environmentName: string;
  /** The user pool the apps' clients sign users in to. */
  readonly userPool: cognito.IUserPool;
  /** The usage plan id of every tier the apps use. */
  readonly usagePlanIds: Readonly<Record<string, string>>;
  /** SSM prefix of the app registry (`/microplane/<env>/apps/`). */
  readonly appRegistryPrefix: string;
  /**
   * Lifetime of the access and ID tokens of the apps' users.
   * @default Duration.minutes(60)
   */
  readonly userTokenValidity?: Duration;
}

/** The resources of one app, for callers that wire more to it. */
export interface AppResources {
  /** The app's config. */
  readonly app: AppConfig;
  /** Its Cognito app client (public: authorization code with PKCE, no secret). */
  readonly client: cognito.UserPoolClient;
  /** The API key that identifies its usage; callers never see it. */
  readonly usageKey: apigw.CfnApiKey;
  /** Its entry in the app registry. */
  readonly registryEntry: ssm.StringParameter;
}

/** An app registry entry, as the token exchange and authorizer read it. */
export interface AppRegistryEntry {
  readonly tenantId: string;
  readonly appId: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly expires: string;
  readonly enabled: boolean;
  readonly usageKey: string;
  readonly tier: string;
  /** What the LLM proxy needs of an app with the `llm.complete` scope. */
  readonly llm?: AppLlmPolicy;
}

/** An app's LLM policy, as the LLM proxy reads it from the registry. */
export interface AppLlmPolicy {
  readonly dataClassification: string;
  /** The app's own narrowing of the environment's models; absent for all of them. */
  readonly models?: readonly string[];
  readonly dailyTokenBudget: number;
  readonly maxOutputTokens: number;
  readonly freeFormPrompts: boolean;
}

/**
 * Everything one tenant's apps need to sign users in and call the gateway: per app a public Cognito
 * client (authorization code + PKCE, callback URLs from config, the tenant attribute readable but never
 * writable), an API key on its tier's usage plan so quotas and throttles hold per app, and a registry
 * entry from which the token exchange and the authorizer learn the app's tenant, scopes and expiry.
 */
export class TenantApps extends Construct {
  private readonly resources = new Map<string, AppResources>();

  constructor(scope: Construct, id: string, props: TenantAppsProps) {
    super(scope, id);
    for (const app of props.apps) {
      const planId = props.usagePlanIds[app.tier];
      if (!planId) {
        throw new Error(`TenantApps ${this.node.path}: app "${app.id}" uses tier "${app.tier}", which has no usage plan (have: ${Object.keys(props.usagePlanIds).join(', ')})`);
      }
      this.resources.set(app.id, this.createApp(app, planId, props));
    }
  }

  /** The resources of one app; throws naming the apps that exist. */
  public appFor(appId: string): AppResources {
    const resources = this.resources.get(appId);
    if (!resources) throw new Error(`TenantApps ${this.node.path} has no app "${appId}" (has: ${[...this.resources.keys()].join(', ')})`);
    return resources;
  }

  /** The ids of the apps. */
  public get appIds(): string[] {
    return [...this.resources.keys()];
  }

  private createApp(app: AppConfig, usagePlanId: string, props: TenantAppsProps): AppResources {
    const scope = new Construct(this, app.id);
    Tags.of(scope).add('microplane:app', app.id);
    const client = this.createClient(scope, app, props);
    const usageKey = new apigw.CfnApiKey(scope, 'UsageKey', {
      name: `microplane-${props.environmentName}-${app.id}`,
      description: `Usage identifier of app ${app.id} (tenant ${props.tenantId}); the authorizer presents it, callers never hold it`,
      enabled: app.enabled,
      value: usageKeyValue(props.environmentName, app.id),
    });
    new apigw.CfnUsagePlanKey(scope, 'UsagePlanKey', { keyId: usageKey.ref, keyType: 'API_KEY', usagePlanId });
    const entry: AppRegistryEntry = {
      tenantId: props.tenantId,
      appId: app.id,
      clientId: client.userPoolClientId,
      scopes: app.scopes,
      expires: app.expires,
      enabled: app.enabled,
      usageKey: usageKeyValue(props.environmentName, app.id),
      tier: app.tier,
      ...(app.scopes.includes('llm.complete') ? { llm: llmPolicyOf(app) } : {}),
    };
    const registryEntry = new ssm.StringParameter(scope, 'RegistryEntry', {
      parameterName: `${props.appRegistryPrefix}${app.id}`,
      description: `Microplane app registry: ${app.id} of tenant ${props.tenantId}`,
      stringValue: Stack.of(this).toJsonString(entry),
      tier: ssm.ParameterTier.STANDARD,
    });
    return { app, client, usageKey, registryEntry };
  }

  private createClient(scope: Construct, app: AppConfig, props: TenantAppsProps): cognito.UserPoolClient {
    const tokenValidity = props.userTokenValidity ?? Duration.minutes(60);
    return new cognito.UserPoolClient(scope, 'Client', {
      userPool: props.userPool,
      userPoolClientName: `${props.tenantId}-${app.id}`,
      generateSecret: false,
      authFlows: { user: false, userSrp: false, adminUserPassword: false, custom: false },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [
          cognito.OAuthScope.OPENID,
          cognito.OAuthScope.EMAIL,
          cognito.OAuthScope.PROFILE,
          ...app.scopes.map((s) => cognito.OAuthScope.custom(qualifiedScope(s as PlatformScope))),
        ],
        callbackUrls: [...app.callbackUrls],
        logoutUrls: app.logoutUrls.length > 0 ? [...app.logoutUrls] : undefined,
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: tokenValidity,
      idTokenValidity: tokenValidity,
      refreshTokenValidity: Duration.hours(12),
      readAttributes: new cognito.ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true, fullname: true })
        .withCustomAttributes(TENANT_ATTRIBUTE),
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ fullname: true }),
    });
  }
}

/**
 * The value of an app's API key. API Gateway reads it from the authorizer's answer (key source
 * AUTHORIZER), never from a caller, so it only identifies usage; it is derived from the app id so the
 * registry can carry it without a lookup. Values are unique per region, hence the environment.
 */
export function usageKeyValue(environmentName: string, appId: string): string {
  return `microplane-${environmentName}-${appId}-usage`;
}

/** The LLM policy of an app: its data class, model narrowing and limits, with the defaults filled in. */
export function llmPolicyOf(app: AppConfig): AppLlmPolicy {
  const limits = app.llm ?? APP_LLM_DEFAULTS;
  return {
    dataClassification: app.dataClassification,
    ...(app.models ? { models: [...app.models] } : {}),
    dailyTokenBudget: limits.dailyTokenBudget,
    maxOutputTokens: limits.maxOutputTokens,
    freeFormPrompts: limits.freeFormPrompts,
  };
}
