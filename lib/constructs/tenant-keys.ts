import { Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { deployingRoleArn } from '../deploying-role';

/**
 * The actions that administer a key but never use it for data. Deliberately no `kms:Create*` or
 * `kms:Put*` wildcards: `kms:CreateGrant` would let an administrator grant itself Decrypt, bypassing the
 * tenant tag; grants are allowed only to AWS services for their own resources (see `grantStatement`).
 */
export const KEY_ADMINISTRATION_ACTIONS = [
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:EnableKeyRotation',
  'kms:EnableKey',
  'kms:DisableKey',
  'kms:UpdateKeyDescription',
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:RevokeGrant',
  'kms:RetireGrant',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

/** The actions that use a key for data. */
const KEY_USE_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:DescribeKey',
];

/** What encrypting needs: wrapping data keys, without reading data back. */
const ENCRYPT_ACTIONS = ['kms:Encrypt', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey'];

/** What decrypting needs. */
const DECRYPT_ACTIONS = ['kms:Decrypt', 'kms:ReEncryptFrom', 'kms:DescribeKey'];

/**
 * Services that may use a tenant key on the account's behalf (storage encryption, secrets). Reads still
 * need the tenant: the tenant's secret denies every session not tagged with it.
 */
export const DEFAULT_KEY_SERVICES = ['rds', 'secretsmanager'];

/** The principal tag that carries a tenant id: on tenant roles and on their sessions. */
export const TENANT_ID_TAG = 'TenantId';

/** Properties of {@link TenantKeys}. */
export interface TenantKeysProps {
  /** The ids of the tenants to create keys for. */
  readonly tenantIds: readonly string[];
  /** The environment name, part of every alias: `alias/microplane/<env>/<tenant>`. */
  readonly environmentName: string;
  /**
   * Roles that administer the keys (never use them). When given, only they and the deploying role
   * administer; the account root gets no administration right, so an IAM policy alone cannot take a
   * tenant key over.
   * @default - the account: IAM policies decide who administers
   */
  readonly administrators?: readonly iam.IPrincipal[];
  /**
   * The role deployments run as; it must keep `kms:PutKeyPolicy`, or KMS refuses the policy and later
   * deploys could not update it.
   * @default - the stack's CloudFormation execution role (bootstrap `cfn-exec-role`)
   */
  readonly deployingRole?: iam.IPrincipal;
  /**
   * AWS services (e.g. `rds`, `secretsmanager`, `logs`) that may use the keys for resources of the
   * account, through `kms:ViaService`.
   * @default DEFAULT_KEY_SERVICES
   */
  readonly services?: readonly string[];
  /**
   * What happens to a key when its tenant leaves the config.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * One customer-managed KMS key per tenant, rotated yearly. Its policy lets administrators manage it
 * and lets only principals tagged `TenantId=<tenant>` use it, so a role of one tenant, or an untagged
 * platform role, cannot decrypt another tenant's data even if an IAM policy grants it.
 */
export class TenantKeys extends Construct {
  private readonly keys = new Map<string, kms.Key>();

  constructor(scope: Construct, id: string, props: TenantKeysProps) {
    super(scope, id);
    if (props.tenantIds.length === 0) throw new Error(`TenantKeys ${this.node.path}: tenantIds must not be empty`);
    for (const tenantId of props.tenantIds) {
      this.keys.set(tenantId, this.createKey(tenantId, props));
    }
  }

  /** The tenants that have a key here. */
  public get tenantIds(): string[] {
    return [...this.keys.keys()];
  }

  /** The key of one tenant; throws with the tenant id if it has none. */
  public keyFor(tenantId: string): kms.IKey {
    const key = this.keys.get(tenantId);
    if (!key) {
      throw new Error(`TenantKeys ${this.node.path} has no key for tenant "${tenantId}" (has: ${this.tenantIds.join(', ')})`);
    }
    return key;
  }

  /** Lets `grantee` encrypt and decrypt with the tenant's key; the key policy still requires the tenant tag. */
  public grantEncryptDecrypt(tenantId: string, grantee: iam.IGrantable): iam.Grant {
    return this.keyFor(tenantId).grant(grantee, ...KEY_USE_ACTIONS);
  }

  /** Lets `grantee` decrypt with the tenant's key; the key policy still requires the tenant tag. */
  public grantDecrypt(tenantId: string, grantee: iam.IGrantable): iam.Grant {
    return this.keyFor(tenantId).grant(grantee, ...DECRYPT_ACTIONS);
  }

  /** Lets `grantee` encrypt (and create data keys) with the tenant's key; the key policy still requires the tenant tag. */
  public grantEncrypt(tenantId: string, grantee: iam.IGrantable): iam.Grant {
    return this.keyFor(tenantId).grant(grantee, ...ENCRYPT_ACTIONS);
  }

  private createKey(tenantId: string, props: TenantKeysProps): kms.Key {
    const key = new kms.Key(this, tenantId, {
      description: `Microplane ${props.environmentName}: data key of tenant ${tenantId}`,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      alias: `alias/microplane/${props.environmentName}/${tenantId}`,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
      policy: this.keyPolicy(tenantId, props),
    });
    Tags.of(key).add(TENANT_ID_TAG, tenantId);
    return key;
  }

  private keyPolicy(tenantId: string, props: TenantKeysProps): iam.PolicyDocument {
    const services = props.services ?? DEFAULT_KEY_SERVICES;
    return new iam.PolicyDocument({
      statements: [
        ...this.serviceStatements(services),
        new iam.PolicyStatement({
          sid: 'KeyAdministration',
          principals: this.administratorsOf(props),
          actions: KEY_ADMINISTRATION_ACTIONS,
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'UseOnlyByTenantPrincipals',
          principals: [new iam.AccountRootPrincipal()],
          actions: KEY_USE_ACTIONS,
          resources: ['*'],
          conditions: { StringEquals: { [`aws:PrincipalTag/${TENANT_ID_TAG}`]: tenantId } },
        }),
      ],
    });
  }

  private administratorsOf(props: TenantKeysProps): iam.IPrincipal[] {
    if (!props.administrators || props.administrators.length === 0) return [new iam.AccountRootPrincipal()];
    const deployer = props.deployingRole ?? defaultDeployingRole(this);
    return [...props.administrators, ...(deployer ? [deployer] : [])];
  }

  /** AWS services (RDS storage, Secrets Manager) use the key for the account's resources, and only they get grants. */
  private serviceStatements(services: readonly string[]): iam.PolicyStatement[] {
    if (services.length === 0) return [];
    const stack = Stack.of(this);
    const viaServices = {
      'kms:ViaService': services.map((service) => `${service}.${stack.region}.${stack.urlSuffix}`),
      'kms:CallerAccount': stack.account,
    };
    return [
      new iam.PolicyStatement({
        sid: 'UseThroughAwsServices',
        principals: [new iam.AccountRootPrincipal()],
        actions: KEY_USE_ACTIONS,
        resources: ['*'],
        conditions: { StringEquals: viaServices },
      }),
      new iam.PolicyStatement({
        sid: 'GrantsOnlyForAwsResources',
        principals: [new iam.AccountRootPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: { StringEquals: viaServices, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
    ];
  }
}

function defaultDeployingRole(scope: Construct): iam.IPrincipal | undefined {
  const arn = deployingRoleArn(scope);
  return arn === undefined ? undefined : new iam.ArnPrincipal(arn);
}
