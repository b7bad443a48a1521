import { CustomResource, RemovalPolicy, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
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
      encryptionKey: props.tenantKey,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: schema }),
        generateStringKey: 'password',
        passwordLength: 40,
        excludePunctuation: true,
      },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    Tags.of(this.secret).add(TENANT_ID_TAG, props.tenantId);
    this.secret.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTenantSessions',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['secretsmanager:GetSecretValue'],
        resources: ['*'],
        conditions: { StringNotEquals: { [`aws:PrincipalTag/${TENANT_ID_TAG}`]: props.tenantId } },
      }),
    );
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'The password exists only in this secret and the tenant\'s PostgreSQL role, which the provisioner sets from the secret at every deploy; rotate by putting a new secret value and redeploying.',
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
}
