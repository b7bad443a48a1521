import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** Properties of {@link ServiceTokenProvider}. */
export interface ServiceTokenProviderProps {
  /**
   * The service tokens' `iss`: an https URL that serves `/.well-known/openid-configuration` and the
   * JWKS it names. STS fetches both to verify each token it is given.
   */
  readonly issuer: string;
  /** The service tokens' `aud`, registered as the provider's only client id: STS refuses any other. */
  readonly audience: string;
  /**
   * What happens to the provider when removed; tenant roles stop accepting tokens without it.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Registers the platform's service-token issuer with IAM as an OpenID Connect provider, so that STS
 * itself verifies a service token (signature, issuer, audience, expiry) before it hands out tenant
 * credentials with `sts:AssumeRoleWithWebIdentity`. The token's `https://aws.amazon.com/tags` claim
 * becomes the session's `TenantId` tag, which tenant roles, keys and secrets check.
 */
export class ServiceTokenProvider extends Construct {
  /** The IAM OIDC provider. */
  public readonly provider: iam.OidcProviderNative;
  /** The audience (client id) the provider accepts. */
  public readonly audience: string;

  constructor(scope: Construct, id: string, props: ServiceTokenProviderProps) {
    super(scope, id);
    this.audience = props.audience;
    // No thumbprints: IAM takes the issuer's CA from its server when the provider is created, and
    // trusts the certificate authorities of its own root store afterwards.
    this.provider = new iam.OidcProviderNative(this, 'Provider', {
      url: props.issuer,
      clientIds: [props.audience],
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }

  /** The provider's ARN, which tenant roles name as their only federated principal. */
  public get providerArn(): string {
    return this.provider.oidcProviderArn;
  }
}
