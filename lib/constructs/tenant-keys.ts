import { Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** The actions that administer a key but never use it for data. */
const KEY_ADMINISTRATION_ACTIONS = [
  'kms:Create*',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
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
   * Roles that administer the keys (never use them).
   * @default - the account: IAM policies decide who administers
   */
  readonly administrators?: readonly iam.IPrincipal[];
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
      policy: this.keyPolicy(tenantId, props.administrators, props.services ?? DEFAULT_KEY_SERVICES),
    });
    Tags.of(key).add(TENANT_ID_TAG, tenantId);
    return key;
  }

  private keyPolicy(tenantId: string, administrators: readonly iam.IPrincipal[] | undefined, services: readonly string[]): iam.PolicyDocument {
    const account = new iam.AccountRootPrincipal();
    const stack = Stack.of(this);
    const serviceUse = services.length === 0 ? [] : [
      new iam.PolicyStatement({
        sid: 'UseThroughAwsServices',
        principals: [account],
        actions: [...KEY_USE_ACTIONS, 'kms:CreateGrant'],
        resources: ['*'],
        conditions: {
          StringEquals: {
            'kms:ViaService': services.map((service) => `${service}.${stack.region}.${stack.urlSuffix}`),
            'kms:CallerAccount': stack.account,
          },
        },
      }),
    ];
    return new iam.PolicyDocument({
      statements: [
        ...serviceUse,
        new iam.PolicyStatement({
          sid: 'KeyAdministration',
          principals: administrators && administrators.length > 0 ? [...administrators] : [account],
          actions: KEY_ADMINISTRATION_ACTIONS,
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'UseOnlyByTenantPrincipals',
          principals: [account],
          actions: KEY_USE_ACTIONS,
          resources: ['*'],
          conditions: { StringEquals: { [`aws:PrincipalTag/${TENANT_ID_TAG}`]: tenantId } },
        }),
      ],
    });
  }
}
