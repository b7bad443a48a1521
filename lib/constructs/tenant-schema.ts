import { CustomResource, RemovalPolicy, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { deployingRoleArn } from '../deploying-role';
import { restrictSecret } from './secret-access';
import { LoginRotation, ROTATION_TAGS, SecretRotation, TENANT_LOGIN_KIND } from './secret-rotation';
import { dataApiStatement, TENANT_DATABASE_NAME } from './tenant-database';
import { TENANT_ID_TAG } from './tenant-keys';

/** The tenant's schema and login role name in PostgreSQL: `tenant_<id with _ for ->`. */
export function tenantSchemaName(tenantId: string): string {
  return `tenant_${tenantId.replace(/-/g, '_')}`;
}

/** Properties of {@link TenantSchema}. */
export interface TenantSchemaProps {
  /** The tenant. */
  readonly tenantId: string;
  /** The environment name, part of the secret's name. */
  readonly environmentName: string;
  /** The tenant's key, which encrypts its database secret. */
  readonly tenantKey: kms.IKey;
  /** The tenant's role: it may read the secret and use the Data API on the cluster. */
  readonly tenantRole: iam.IRole;
  /**
   * ARN of the schema provisioner's role: the secret's policy lets it read the login (to set the role's
   * password and migrate as the tenant's database role). Its IAM rights come from the platform stack.
   */
  readonly provisionerRoleArn: string;
  /**
   * Rotation of the login: the environment's rotation function and its role, and how often.
   * @default - no rotation
   */
  readonly rotation?: LoginRotation;
  /**
   * The only principal that may change the secret's value or policy: the role deployments run as.
   * @default - the stack's CloudFormation execution role (bootstrap `cfn-exec-role`)
   */
  readonly deployingRoleArn?: string;
  /** ARN of the cluster that holds the schema (the pooled one, or the tenant's own). */
  readonly clusterArn: string;
  /** ARN of that cluster's admin secret, which the provisioner uses. */
  readonly adminSecretArn: string;
  /** Service token of the `SchemaProvisioner`. */
  readonly provisionerServiceToken: string;
  /** Checksum of the migration set; a change migrates the schema on the next deploy. */
  readonly migrationsChecksum: string;
  /** SSM name of the tenant's database entry, read by tenant API functions. */
  readonly registryParameterName: string;
  /**
   * What happens to the secret when removed. The schema itself is never dropped.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * One tenant's place in a cluster: its database login in a Secrets Manager secret under the tenant key
 * (readable only by sessions tagged with the tenant), its schema and login role, provisioned and
 * migrated at every deploy by the `SchemaProvisioner`, and a registry entry telling tenant functions
 * where the schema lives. Deleting it disables the login and keeps the schema.
 */
export class TenantSchema extends Construct {
  /** The tenant's database login. */
  public readonly secret: secretsmanager.Secret;
  /** The provisioning resource; its `Version` attribute is the schema's migration version. */
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: TenantSchemaProps) {
    super(scope, id);
    const schema = tenantSchemaName(props.tenantId);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      secretName: `microplane/${props.environmentName}/tenants/${props.tenantId}/database`,
      description: `Database login of tenant ${props.tenantId} (role ${schema})`,
      // By ARN: the Secret construct would otherwise add a CreateGrant statement without
      // kms:GrantIsForAWSResource to the tenant key's policy; the key already admits Secrets Manager.
      encryptionKey: kms.Key.fromKeyArn(this, 'TenantKey', props.tenantKey.keyArn),
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: schema }),
        generateStringKey: 'password',
        passwordLength: 40,
        excludePunctuation: true,
      },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.tagForRotation(props);
    const rotationRole = props.rotation ? [props.rotation.roleArn] : [];
    const deployer = props.deployingRoleArn ?? deployingRoleArn(this);
    restrictSecret(this.secret, {
      readableBy: { tenantId: props.tenantId, roleArns: [props.provisionerRoleArn, ...rotationRole] },
      writableBy: [...(deployer ? [deployer] : []), ...rotationRole],
    });

    this.secret.grantRead(props.tenantRole);
    props.tenantRole.addToPrincipalPolicy(dataApiStatement([props.clusterArn]));

    this.resource = new CustomResource(this, 'Schema', {
      serviceToken: props.provisionerServiceToken,
      resourceType: 'Custom::MicroplaneTenantSchema',
      properties: {
        TenantId: props.tenantId,
        ClusterArn: props.clusterArn,
        AdminSecretArn: props.adminSecretArn,
        TenantSecretArn: this.secret.secretArn,
        Database: TENANT_DATABASE_NAME,
        MigrationsChecksum: props.migrationsChecksum,
      },
    });
    this.scheduleRotation(props);

    new ssm.StringParameter(this, 'RegistryEntry', {
      parameterName: props.registryParameterName,
      description: `Microplane: where tenant ${props.tenantId}'s schema lives`,
      stringValue: Stack.of(this).toJsonString({
        clusterArn: props.clusterArn,
        secretArn: this.secret.secretArn,
        database: TENANT_DATABASE_NAME,
        schema,
      }),
    });
  }

  /** The tags that tell the rotation function which cluster and admin login change this login's password. */
  private tagForRotation(props: TenantSchemaProps): void {
    Tags.of(this.secret).add(TENANT_ID_TAG, props.tenantId);
    Tags.of(this.secret).add(ROTATION_TAGS.kind, TENANT_LOGIN_KIND);
    Tags.of(this.secret).add(ROTATION_TAGS.clusterArn, props.clusterArn);
    Tags.of(this.secret).add(ROTATION_TAGS.adminSecretArn, props.adminSecretArn);
    Tags.of(this.secret).add(ROTATION_TAGS.database, TENANT_DATABASE_NAME);
  }

  private scheduleRotation(props: TenantSchemaProps): void {
    if (!props.rotation) {
      Validations.of(this.secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: 'Rotation is off for this login (no rotation given); the provisioner sets the password from the secret at every deploy.',
      });
      return;
    }
    const schedule = SecretRotation.scheduleFor(this, 'Rotation', this.secret, props.rotation.functionArn, props.rotation.interval);
    // Only a login the provisioner has created can be rotated.
    schedule.node.addDependency(this.resource);
  }
}
