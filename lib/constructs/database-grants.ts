import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { nagArn } from '../nag-ids';

/** The Data API actions tenant code and the schema provisioner need. */
export const DATA_API_ACTIONS = [
  'rds-data:ExecuteStatement',
  'rds-data:BatchExecuteStatement',
  'rds-data:BeginTransaction',
  'rds-data:CommitTransaction',
  'rds-data:RollbackTransaction',
];

/**
 * Grants for the platform roles that serve every tenant's database (the schema provisioner, the secret
 * rotation), by name pattern in the platform stack. Granting per tenant stack instead would add one
 * inline policy per tenant to the same role, and IAM caps a role's inline policies at 10,240 characters
 * in total: a few dozen tenants would break deploys. Each secret's own resource policy still names the
 * roles that may read or change it.
 */
export class DatabaseGrants {
  constructor(
    private readonly scope: Construct,
    private readonly environmentName: string,
  ) {}

  /** Every database login secret of the environment: tenant logins and cluster admin logins. */
  public get secretArns(): string[] {
    const names = [`microplane/${this.environmentName}/tenants/*`, `microplane-${this.environmentName}-*/admin-*`];
    return names.map((name) => this.stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME }));
  }

  /** Every cluster of the environment: the pooled one and each siloed tenant's. */
  public get clusterArn(): string {
    return this.stack.formatArn({ service: 'rds', resource: 'cluster', resourceName: `microplane-${this.environmentName}-*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }

  /** Reads (and with `write`, changes) the login secrets; keys only through Secrets Manager. */
  public grantSecrets(role: iam.IRole, options: { write?: boolean } = {}): void {
    const read = ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'];
    const write = options.write ? ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'] : [];
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'DatabaseSecrets', actions: [...read, ...write], resources: this.secretArns }));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SecretKeysThroughSecretsManager',
        actions: ['kms:Decrypt', ...(options.write ? ['kms:Encrypt', 'kms:GenerateDataKey'] : [])],
        resources: [this.stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' })],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${this.stack.region}.${this.stack.urlSuffix}` } },
      }),
    );
  }

  /** Runs statements on every cluster of the environment through the Data API. */
  public grantDataApi(role: iam.IRole): void {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'DataApi', actions: DATA_API_ACTIONS, resources: [this.clusterArn] }));
  }

  /** Acknowledges the name-pattern wildcards of these grants on `role`, for cdk-nag, with `reason`. */
  public acknowledgeWildcards(role: iam.IRole, reason: string): void {
    const patterns = [
      `secret:microplane/${this.environmentName}/tenants/*`,
      `secret:microplane-${this.environmentName}-*/admin-*`,
    ].map((resource) => nagArn(this.stack, 'secretsmanager', resource));
    patterns.push(nagArn(this.stack, 'rds', `cluster:microplane-${this.environmentName}-*`), nagArn(this.stack, 'kms', 'key/*'));
    for (const pattern of patterns) {
      Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${pattern}]`, reason });
    }
  }

  private get stack(): Stack {
    return Stack.of(this.scope);
  }
}
