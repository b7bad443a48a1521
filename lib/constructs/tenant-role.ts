import { Duration, Tags, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { tenantRoleName } from '../platform-parameters';
import { TENANT_ID_TAG } from './tenant-keys';

/** Properties of {@link TenantRole}. */
export interface TenantRoleProps {
  /** The tenant whose role this is. */
  readonly tenantId: string;
  /** The environment name, part of the role name `microplane-<env>-tenant-<tenant>`. */
  readonly environmentName: string;
  /** ARN of the IAM OIDC provider of service tokens (`ServiceTokenProvider`): the only principal trusted. */
  readonly serviceTokenProviderArn: string;
  /** The service tokens' `aud`, the provider's only client id. */
  readonly serviceTokenAudience: string;
  /**
   * The service tokens' issuer URL, when known at synth (a custom domain from config). With it the trust
   * policy also pins `<issuer>:aud`; without it the audience is pinned by the provider's client-id list,
   * which STS checks on every call.
   * @default - the audience is pinned by the provider alone
   */
  readonly serviceTokenIssuer?: string;
  /**
   * Longest session.
   * @default Duration.hours(1)
   */
  readonly maxSessionDuration?: Duration;
}

/**
 * The role that acts for one tenant. Only STS's web-identity federation can assume it: the caller
 * presents a service token signed by the platform key, STS verifies it against the platform's OIDC
 * provider, and the trust policy admits it only if the token's `TenantId` session tag (taken from its
 * signed `https://aws.amazon.com/tags` claim) names this tenant and no other tag is set. No platform
 * role may assume it with its own rights, so a bug or a forged event in a function cannot choose the
 * tenant: the signature does.
 */
export class TenantRole extends Construct {
  /** The role. */
  public readonly role: iam.Role;
  /** The tenant the role acts for. */
  public readonly tenantId: string;

  constructor(scope: Construct, id: string, props: TenantRoleProps) {
    super(scope, id);
    this.tenantId = props.tenantId;
    this.role = new iam.Role(this, 'Role', {
      roleName: tenantRoleName(props.environmentName, props.tenantId),
      description: `Acts for tenant ${props.tenantId} only; assumable with a service token whose TenantId tag is ${props.tenantId}`,
      assumedBy: new iam.SessionTagsPrincipal(
        new iam.FederatedPrincipal(props.serviceTokenProviderArn, trustConditions(props), 'sts:AssumeRoleWithWebIdentity'),
      ),
      maxSessionDuration: props.maxSessionDuration ?? Duration.hours(1),
    });
    Tags.of(this.role).add(TENANT_ID_TAG, props.tenantId);
  }
}

function trustConditions(props: TenantRoleProps): Record<string, Record<string, unknown>> {
  const equals: Record<string, unknown> = { [`aws:RequestTag/${TENANT_ID_TAG}`]: props.tenantId };
  if (props.serviceTokenIssuer && !Token.isUnresolved(props.serviceTokenIssuer)) {
    equals[`${props.serviceTokenIssuer.replace(/^https:\/\//, '')}:aud`] = props.serviceTokenAudience;
  }
  return {
    StringEquals: equals,
    // Only the tenant tag may be set, so a token cannot add tags that other policies would trust.
    'ForAllValues:StringEquals': { 'aws:TagKeys': [TENANT_ID_TAG] },
  };
}
