import { ArnFormat, IAspect, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';

/**
 * Encrypts every log group of a scope that has no key of its own with `key`. An aspect rather than a
 * prop on every construct: function, access, flow and provider logs all get the customer-managed key,
 * including log groups that constructs of aws-cdk-lib create, and none can be forgotten.
 */
export class LogGroupEncryption implements IAspect {
  constructor(private readonly key: kms.IKey) {}

  public visit(node: IConstruct): void {
    if (node instanceof logs.CfnLogGroup && node.kmsKeyId === undefined) {
      node.kmsKeyId = this.key.keyArn;
    }
  }

  /** Lets CloudWatch Logs of this account and region use `key` for the log groups it encrypts. */
  public static admitLogsService(key: kms.Key): void {
    const stack = Stack.of(key);
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsOfThisAccount',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.${stack.urlSuffix}`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );
  }
}
