import { Duration, Stack, Tags } from 'aws-cdk-lib';
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
  /**
   * Names of the roles (in this account) allowed to assume the tenant role, e.g. the role that tenant
   * API functions run as. Trust is by ARN condition, not principal, so recreating a trusted role does
   * not silently break the trust.
   */
  readonly trustedRoleNames: readonly string[];
  /**
   * Longest session.
   * @default Duration.hours(1)
   */
  readonly maxSessionDuration?: Duration;
}

/**
 * The role tenant-scoped code assumes to act for one tenant. The trusted callers must tag the session
 * `TenantId=<this tenant>`: STS refuses an assume-role without that tag or with another value, so the
 * resulting credentials carry the tenant as a principal tag that keys, secrets and data policies check.
 */
export class TenantRole extends Construct {
  /** The role. */
  public readonly role: iam.Role;
  /** The tenant the role acts for. */
  public readonly tenantId: string;

  constructor(scope: Construct, id: string, props: TenantRoleProps) {
    super(scope, id);
    if (props.trustedRoleNames.length === 0) {
      throw new Error(`TenantRole ${this.node.path}: trustedRoleNames must name at least one role`);
    }
    this.tenantId = props.tenantId;
    const stack = Stack.of(this);
    const trustedArns = props.trustedRoleNames.map((name) =>
      stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: name }),
    );
    const trusted = new iam.AccountRootPrincipal().withConditions({
      ArnEquals: { 'aws:PrincipalArn': trustedArns },
      StringEquals: { [`aws:RequestTag/${TENANT_ID_TAG}`]: props.tenantId },
      'ForAllValues:StringEquals': { 'aws:TagKeys': [TENANT_ID_TAG] },
    });
    this.role = new iam.Role(this, 'Role', {
      roleName: tenantRoleName(props.environmentName, props.tenantId),
      description: `Acts for tenant ${props.tenantId} only; assumable with a matching TenantId session tag`,
      assumedBy: new iam.SessionTagsPrincipal(trusted),
      maxSessionDuration: props.maxSessionDuration ?? Duration.hours(1),
    });
    Tags.of(this.role).add(TENANT_ID_TAG, props.tenantId);
  }
}
