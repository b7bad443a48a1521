import { ArnFormat, Duration, RemovalPolicy, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledgeComplianceRule } from '../nag-ids';
import { deployingRoleArn } from '../deploying-role';
import { DATA_API_ACTIONS } from './database-grants';
import { restrictSecret } from './secret-access';
import { CLUSTER_ADMIN_KIND, LoginRotation, ROTATION_TAGS, SecretRotation } from './secret-rotation';

/** The database inside every cluster that holds one schema per tenant. */
export const TENANT_DATABASE_NAME = 'microplane';


/** Properties of {@link TenantDatabase}. */
export interface TenantDatabaseProps {
  /** The VPC whose isolated subnets hold the cluster. */
  readonly vpc: ec2.IVpc;
  /** The key that encrypts storage, backups and Performance Insights. */
  readonly encryptionKey: kms.IKey;
  /**
   * The key of the admin secret: a platform key, because a tenant key would admit tenant sessions.
   */
  readonly adminSecretEncryptionKey: kms.IKey;
  /**
   * The only roles that may read the admin secret (besides deployments, which set the cluster's
   * password from it): the schema provisioner.
   */
  readonly adminSecretReaderArns: readonly string[];
  /**
   * Rotation of the admin login (through RDS): the environment's rotation function and its role.
   * @default - no rotation
   */
  readonly adminSecretRotation?: LoginRotation;
  /**
   * The only principal that may change the admin secret or its policy, and that may read it to set the
   * cluster's master password.
   * @default - the stack's CloudFormation execution role (bootstrap `cfn-exec-role`)
   */
  readonly deployingRoleArn?: string;
  /** The cluster identifier, e.g. `microplane-dev-pooled`; stable, because renaming replaces the cluster. */
  readonly clusterIdentifier: string;
  /**
   * Smallest capacity in Aurora capacity units; 0 lets an idle cluster pause (scale to zero).
   * @default 0
   */
  readonly minCapacity?: number;
  /**
   * Largest capacity in Aurora capacity units.
   * @default 4
   */
  readonly maxCapacity?: number;
  /**
   * How long automated backups are kept.
   * @default Duration.days(7)
   */
  readonly backupRetention?: Duration;
  /**
   * How often RDS Enhanced Monitoring samples the instances' operating system; zero turns it off.
   * @default Duration.seconds(0)
   */
  readonly monitoringInterval?: Duration;
  /**
   * Refuse deletion of the cluster until switched off.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * What happens to the cluster when removed from the app.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * An Aurora PostgreSQL Serverless v2 cluster that holds tenant schemas: the current engine, Data API on
 * (functions need no network path), storage, backups and Performance Insights under a customer-managed
 * key, isolated subnets only, a security group that admits nothing, IAM database authentication,
 * PostgreSQL logs in CloudWatch, and a writer that pauses when idle.
 */
export class TenantDatabase extends Construct {
  /** The cluster. */
  public readonly cluster: rds.DatabaseCluster;
  /** The admin (master user) secret; only the schema provisioner reads it. */
  public readonly adminSecret: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: TenantDatabaseProps) {
    super(scope, id);
    const minCapacity = props.minCapacity ?? 0;
    const maxCapacity = props.maxCapacity ?? 4;
    if (minCapacity < 0 || maxCapacity < Math.max(minCapacity, 1)) {
      throw new Error(`TenantDatabase ${this.node.path}: need 0 <= minCapacity <= maxCapacity and maxCapacity >= 1 (got ${minCapacity}..${maxCapacity})`);
    }
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `${props.clusterIdentifier}: no inbound rules; functions use the RDS Data API`,
      allowAllOutbound: false,
    });
    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      clusterIdentifier: props.clusterIdentifier,
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_9 }),
      writer: rds.ClusterInstance.serverlessV2('Writer', {
        enablePerformanceInsights: true,
        performanceInsightEncryptionKey: props.encryptionKey,
        autoMinorVersionUpgrade: true,
      }),
      serverlessV2MinCapacity: minCapacity,
      serverlessV2MaxCapacity: maxCapacity,
      enableDataApi: true,
      defaultDatabaseName: TENANT_DATABASE_NAME,
      credentials: rds.Credentials.fromGeneratedSecret('microplane_admin', {
        secretName: `${props.clusterIdentifier}/admin`,
        encryptionKey: props.adminSecretEncryptionKey,
      }),
      storageEncryptionKey: props.encryptionKey,
      iamAuthentication: true,
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [securityGroup],
      backup: { retention: props.backupRetention ?? Duration.days(7), preferredWindow: '02:00-03:00' },
      preferredMaintenanceWindow: 'sun:03:30-sun:04:30',
      cloudwatchLogsExports: ['postgresql'],
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      copyTagsToSnapshot: true,
      ...monitoringOf(props.monitoringInterval),
    });
    this.adminSecret = this.cluster.secret!;
    const deployer = props.deployingRoleArn ?? deployingRoleArn(this);
    const rotationRole = props.adminSecretRotation ? [props.adminSecretRotation.roleArn] : [];
    restrictSecret(this.adminSecret, {
      readableBy: { roleArns: [...props.adminSecretReaderArns, ...rotationRole, ...(deployer ? [deployer] : [])] },
      writableBy: [...(deployer ? [deployer] : []), ...rotationRole],
    });
    // `cluster.secret` is the attachment; the generated secret itself is the cluster's child.
    const generatedSecret = this.cluster.node.findChild('Secret') as secretsmanager.Secret;
    Tags.of(generatedSecret).add(ROTATION_TAGS.kind, CLUSTER_ADMIN_KIND);
    Tags.of(generatedSecret).add(ROTATION_TAGS.clusterIdentifier, props.clusterIdentifier);
    if (props.adminSecretRotation) {
      const { functionArn, interval } = props.adminSecretRotation;
      // The attachment, not the bare secret: rotation must start once the cluster uses the secret.
      SecretRotation.scheduleFor(this, 'AdminSecretRotation', this.adminSecret, functionArn, interval).node.addDependency(this.cluster);
    }
    // Kept like the cluster: CDK would otherwise delete the only copy of the master password.
    generatedSecret.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);
    this.acknowledgeFindings(props.deletionProtection ?? true, props.adminSecretRotation !== undefined);
    this.acknowledgeComplianceFindings(props);
  }

  /** The cluster ARN, for Data API calls. */
  public get clusterArn(): string {
    return this.cluster.clusterArn;
  }

  /** Lets `grantee` run statements through the Data API; the database login decides what they may touch. */
  public grantDataApi(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: DATA_API_ACTIONS, resourceArns: [this.clusterArn] });
  }

  /** Lets `grantee` administer schemas: Data API access with the admin secret. */
  public grantAdministration(grantee: iam.IGrantable): void {
    this.grantDataApi(grantee);
    this.adminSecret.grantRead(grantee);
  }

  private acknowledgeComplianceFindings(props: TenantDatabaseProps): void {
    acknowledgeComplianceRule(
      this.cluster,
      'RDSInBackupPlan',
      `Aurora's continuous automated backups keep ${(props.backupRetention ?? Duration.days(7)).toDays()} days with point-in-time restore, under the cluster's customer-managed key; an AWS Backup plan would duplicate them.`,
    );
    if (!props.deletionProtection && props.deletionProtection !== undefined) {
      acknowledgeComplianceRule(this.cluster, 'RDSInstanceDeletionProtectionEnabled', 'Deletion protection is off because this environment\'s config disposes of its data (removalPolicy: destroy).');
    }
    if (!props.monitoringInterval || props.monitoringInterval.toSeconds() === 0) {
      acknowledgeComplianceRule(this.cluster, 'RDSEnhancedMonitoringEnabled', 'Enhanced Monitoring is off by this environment\'s config (database.monitoringIntervalSeconds: 0); Performance Insights and CloudWatch metrics stay on.');
    } else {
      const monitoringRole = this.cluster.node.tryFindChild('MonitoringRole');
      if (monitoringRole) {
        Validations.of(monitoringRole).acknowledge({
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
          reason: 'The Enhanced Monitoring role of this cluster needs exactly the AWS managed policy RDS documents for it (write OS metrics to CloudWatch Logs).',
        });
      }
    }
  }

  private acknowledgeFindings(deletionProtection: boolean, rotated: boolean): void {
    if (!deletionProtection) {
      Validations.of(this.cluster).acknowledge({
        id: 'AwsSolutions-RDS10',
        reason: 'Deletion protection is off because this environment\'s config disposes of its data (removalPolicy: destroy); retain-environments turn it on.',
      });
    }
    Validations.of(this.cluster).acknowledge({
      id: 'AwsSolutions-RDS11',
      reason: 'The cluster has no inbound network path at all (isolated subnets, a security group without ingress); only the RDS Data API reaches it, so the port is not an exposure.',
    });
    if (!rotated) {
      Validations.of(this.cluster.node.findChild('Secret')).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: 'Rotation of this admin login is off (no adminSecretRotation given); the secret is readable only by the schema provisioner and deployments.',
      });
    }
  }
}

function monitoringOf(interval: Duration | undefined): Pick<rds.DatabaseClusterProps, 'monitoringInterval'> {
  return interval && interval.toSeconds() > 0 ? { monitoringInterval: interval } : {};
}

/** The Data API actions, exported for grants on clusters known only by ARN. */
export function dataApiStatement(clusterArns: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: DATA_API_ACTIONS, resources: clusterArns });
}

/** The ARN of a cluster known by identifier, for stacks that did not create it. */
export function clusterArnOf(scope: Construct, clusterIdentifier: string): string {
  return Stack.of(scope).formatArn({ service: 'rds', resource: 'cluster', resourceName: clusterIdentifier, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}
