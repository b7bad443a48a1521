import { RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { Gateway, grantReadAppRegistry } from './gateway';
import { MicroplaneFunction } from './microplane-function';
import { ServiceTokenKey } from './service-token-key';

/** Properties of {@link TokenExchange}. */
export interface TokenExchangeProps {
  /** The gateway the endpoints are added to. */
  readonly gateway: Gateway;
  /** The key that signs service tokens. */
  readonly serviceTokenKey: ServiceTokenKey;
  /** The user pool whose access tokens are exchanged. */
  readonly userPool: cognito.IUserPool;
  /** SSM prefix of the app registry (`/microplane/<env>/apps/`). */
  readonly appRegistryPrefix: string;
  /**
   * How long function logs are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the log groups when removed.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * `POST /oauth2/token` (RFC 8693 token exchange): swaps a user's Cognito access token for a service
 * token of at most 15 minutes, scoped to one tenant and one app, signed in KMS. And
 * `GET /.well-known/jwks.json`, which publishes the public key that verifies it, with
 * `GET /.well-known/openid-configuration`, through which STS finds that key (OIDC discovery).
 */
export class TokenExchange extends Construct {
  /** The function behind the token endpoint. */
  public readonly tokenFunction: MicroplaneFunction;
  /** The function behind the JWKS endpoint. */
  public readonly jwksFunction: MicroplaneFunction;

  constructor(scope: Construct, id: string, props: TokenExchangeProps) {
    super(scope, id);
    const common = { logRetention: props.logRetention, removalPolicy: props.removalPolicy };
    this.tokenFunction = new MicroplaneFunction(this, 'Token', {
      ...common,
      handlerName: 'token-exchange',
      description: 'RFC 8693 token exchange: user access token to tenant- and app-scoped service token',
      environment: {
        USER_POOL_ID: props.userPool.userPoolId,
        SIGNING_KEY_ARN: props.serviceTokenKey.key.keyArn,
        SERVICE_TOKEN_ISSUER: props.gateway.issuer,
        SERVICE_TOKEN_AUDIENCE: props.serviceTokenKey.audience,
        SERVICE_TOKEN_TTL_SECONDS: String(props.serviceTokenKey.tokenLifetime.toSeconds()),
        APP_REGISTRY_PREFIX: props.appRegistryPrefix,
      },
    });
    props.serviceTokenKey.grantSign(this.tokenFunction.role);
    grantReadAppRegistry(this.tokenFunction, props.appRegistryPrefix);

    this.jwksFunction = new MicroplaneFunction(this, 'Jwks', {
      ...common,
      handlerName: 'jwks',
      description: 'Publishes the public key that verifies service tokens and the OIDC discovery document',
      environment: { SIGNING_KEY_ARN: props.serviceTokenKey.key.keyArn, SERVICE_TOKEN_ISSUER: props.gateway.issuer },
    });
    props.serviceTokenKey.grantReadPublicKey(this.jwksFunction.role);

    props.gateway.addPublicRoute(
      'POST',
      '/oauth2/token',
      this.tokenFunction.function,
      'The token endpoint authenticates its caller by the subject token in the body (RFC 8693); it is throttled by the stage and WAF.',
    );
    props.gateway.addPublicRoute(
      'GET',
      '/.well-known/jwks.json',
      this.jwksFunction.function,
      'The JWKS endpoint publishes a public key, which anyone may read by design.',
    );
    props.gateway.addPublicRoute(
      'GET',
      '/.well-known/openid-configuration',
      this.jwksFunction.function,
      'OIDC discovery names the issuer and its public key set; STS and other relying parties read it without credentials.',
    );
  }
}
