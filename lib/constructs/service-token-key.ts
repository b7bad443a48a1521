import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { serviceTokenAudience } from '../platform-parameters';

/** Properties of {@link ServiceTokenKey}. */
export interface ServiceTokenKeyProps {
  /** The environment name, part of the alias `alias/microplane/<env>/service-token-signing`. */
  readonly environmentName: string;
  /**
   * How long a service token lives; at most 15 minutes.
   * @default Duration.minutes(10)
   */
  readonly tokenLifetime?: Duration;
  /**
   * What happens to the key when removed from the app; tokens it signed stop verifying.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The KMS key that signs service tokens (ES256 on an ECC P-256 key): its private half never leaves
 * KMS, and its public half is published at `/.well-known/jwks.json`. The issuer is the gateway's
 * (`Gateway.issuer`), since it is the URL that serves that key.
 */
export class ServiceTokenKey extends Construct {
  /** The asymmetric signing key. */
  public readonly key: kms.Key;
  /** The `aud` claim of every service token: the platform API, and the OIDC provider's one client id. */
  public readonly audience: string;
  /** The lifetime of every service token. */
  public readonly tokenLifetime: Duration;

  constructor(scope: Construct, id: string, props: ServiceTokenKeyProps) {
    super(scope, id);
    this.tokenLifetime = props.tokenLifetime ?? Duration.minutes(10);
    if (this.tokenLifetime.toSeconds() > 900) {
      throw new Error(`ServiceTokenKey ${this.node.path}: tokenLifetime must be at most 15 minutes`);
    }
    this.audience = serviceTokenAudience(props.environmentName);
    this.key = new kms.Key(this, 'Key', {
      description: `Microplane ${props.environmentName}: signs service tokens (ES256)`,
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      alias: `alias/microplane/${props.environmentName}/service-token-signing`,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });
  }

  /** Lets `grantee` sign service tokens. */
  public grantSign(grantee: iam.IGrantable): iam.Grant {
    return this.key.grant(grantee, 'kms:Sign');
  }

  /** Lets `grantee` read the public key, to publish or verify tokens. */
  public grantReadPublicKey(grantee: iam.IGrantable): iam.Grant {
    return this.key.grant(grantee, 'kms:GetPublicKey');
  }
}
