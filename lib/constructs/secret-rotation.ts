import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { MicroplaneFunction } from './microplane-function';
import { DatabaseGrants } from './database-grants';

export { ROTATION_TAGS, TENANT_LOGIN_KIND, CLUSTER_ADMIN_KIND } from '../../lambdas/secret-rotation/target';

/** Name of the rotation function's role; secret policies name it as a reader and writer. */
export function secretRotationRoleName(environmentName: string): string {
  return `microplane-${environmentName}-secret-rotation`;
}

/** How a database login is rotated. */
export interface LoginRotation {
  /** ARN of the `SecretRotation` function. */
  readonly functionArn: string;
  /** ARN of its role, which the secret's policy lets read and change the login. */
  readonly roleArn: string;
  /** How often the login gets a new password. */
  readonly interval: Duration;
}

/** Properties of {@link SecretRotation}. */
export interface SecretRotationProps {
  /** The environment name, part of the role name and of the secret and cluster name patterns. */
  readonly environmentName: string;
  /**
   * How long function logs are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the log group when removed.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The Secrets Manager rotation function for every database login of an environment: tenant logins
 * (through the cluster admin over the Data API) and cluster admin logins (through RDS). Its rights are
 * granted here once, by name pattern, so that thousands of tenant stacks add no policy to its role;
 * each secret's own resource policy names it as a reader and writer.
 */
export class SecretRotation extends Construct {
  /** The rotation function. */
  public readonly function: MicroplaneFunction;
  /** Its role. */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: SecretRotationProps) {
    super(scope, id);
    this.role = new iam.Role(this, 'Role', {
      roleName: secretRotationRoleName(props.environmentName),
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Rotates Microplane database logins; reaches only the environment\'s database secrets and clusters',
    });
    this.function = new MicroplaneFunction(this, 'Function', {
      handlerName: 'secret-rotation',
      invokedBy: 'Secrets Manager, which retries a failed rotation step and keeps the current version until a rotation completes',
      description: 'Rotates database logins: tenant roles through the cluster admin, admin users through RDS',
      role: this.role,
      timeout: Duration.minutes(1),
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.grantRotationRights(props.environmentName);
    this.function.function.addPermission('InvokedBySecretsManager', {
      principal: new iam.ServicePrincipal('secretsmanager.amazonaws.com'),
      sourceAccount: Stack.of(this).account,
    });
  }

  /** The function's ARN, for rotation schedules. */
  public get functionArn(): string {
    return this.function.function.functionArn;
  }

  /** A rotation schedule for `secret` every `interval`; the first rotation waits for the schedule, not for the deploy. */
  public static scheduleFor(scope: Construct, id: string, secret: secretsmanager.ISecret, functionArn: string, interval: Duration): secretsmanager.CfnRotationSchedule {
    return new secretsmanager.CfnRotationSchedule(scope, id, {
      secretId: secret.secretArn,
      rotationLambdaArn: functionArn,
      rotationRules: { automaticallyAfterDays: interval.toDays() },
      // The login must exist (the schema provisioner creates it) before anything rotates it.
      rotateImmediatelyOnUpdate: false,
    });
  }

  private grantRotationRights(environmentName: string): void {
    const grants = new DatabaseGrants(this, environmentName);
    grants.grantSecrets(this.role, { write: true });
    grants.grantDataApi(this.role);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'NewPasswords', actions: ['secretsmanager:GetRandomPassword'], resources: ['*'] }));
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'SetAdminPasswords', actions: ['rds:ModifyDBCluster', 'rds:DescribeDBClusters'], resources: [grants.clusterArn] }),
    );
    grants.acknowledgeWildcards(
      this.role,
      `The rotation function serves every database login of ${environmentName}: secrets named microplane/${environmentName}/tenants/* and microplane-${environmentName}-*/admin-* (whose policies name it too), clusters named microplane-${environmentName}-*, keys only through Secrets Manager; GetRandomPassword has no resource.`,
    );
  }
}
