import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { findingIds, guardFindings, template, TemplateJson } from './guard';

const RULES = 'encryption.guard';
const KEY_ARN = { 'Fn::GetAtt': ['Key', 'Arn'] };

/** Every data store the rules know, each encrypted with the customer-managed key `Key`. */
function encryptedStores(): Record<string, unknown> {
  return {
    Logs: { Type: 'AWS::Logs::LogGroup', Properties: { KmsKeyId: KEY_ARN, RetentionInDays: 30 } },
    Cluster: { Type: 'AWS::RDS::DBCluster', Properties: { StorageEncrypted: true, KmsKeyId: KEY_ARN } },
    ClusterMember: { Type: 'AWS::RDS::DBInstance', Properties: { DBClusterIdentifier: { Ref: 'Cluster' } } },
    Instance: { Type: 'AWS::RDS::DBInstance', Properties: { StorageEncrypted: true, KmsKeyId: KEY_ARN } },
    Secret: { Type: 'AWS::SecretsManager::Secret', Properties: { KmsKeyId: KEY_ARN } },
    Queue: { Type: 'AWS::SQS::Queue', Properties: { KmsMasterKeyId: KEY_ARN } },
    Topic: { Type: 'AWS::SNS::Topic', Properties: { KmsMasterKeyId: 'alias/microplane/dev/budgets' } },
    Table: { Type: 'AWS::DynamoDB::Table', Properties: { SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: KEY_ARN } } },
    GlobalTable: {
      Type: 'AWS::DynamoDB::GlobalTable',
      Properties: { SSESpecification: { SSEEnabled: true, SSEType: 'KMS' }, Replicas: [{ Region: 'eu-west-1', SSESpecification: { KMSMasterKeyId: KEY_ARN } }] },
    },
    Bucket: {
      Type: 'AWS::S3::Bucket',
      Properties: { BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY_ARN } }] } },
    },
  };
}

/** The encrypted stores with one resource replaced. */
function storesWith(logicalId: string, resource: unknown): TemplateJson {
  return template({ ...encryptedStores(), [logicalId]: resource });
}

test('data stores encrypted with a customer-managed key pass, and cluster members are judged by their cluster', () => {
  expect(guardFindings(RULES, template(encryptedStores()))).toEqual([]);
});

test.each([
  ['a log group without a key', 'Logs', { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } }, 'microplane_log_groups_customer_key'],
  ['an unencrypted database cluster', 'Cluster', { Type: 'AWS::RDS::DBCluster', Properties: { StorageEncrypted: false } }, 'microplane_db_clusters_customer_key'],
  ['a database cluster under the AWS-managed key', 'Cluster', { Type: 'AWS::RDS::DBCluster', Properties: { StorageEncrypted: true } }, 'microplane_db_clusters_customer_key'],
  ['an unencrypted standalone database instance', 'Instance', { Type: 'AWS::RDS::DBInstance', Properties: {} }, 'microplane_db_instances_customer_key'],
  ['a secret under the default key', 'Secret', { Type: 'AWS::SecretsManager::Secret', Properties: {} }, 'microplane_secrets_customer_key'],
  ['a secret under aws/secretsmanager', 'Secret', { Type: 'AWS::SecretsManager::Secret', Properties: { KmsKeyId: 'alias/aws/secretsmanager' } }, 'microplane_secrets_customer_key'],
  ['an unencrypted queue', 'Queue', { Type: 'AWS::SQS::Queue', Properties: {} }, 'microplane_queues_customer_key'],
  ['a queue with SQS-managed encryption', 'Queue', { Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: true } }, 'microplane_queues_customer_key'],
  ['an unencrypted topic', 'Topic', { Type: 'AWS::SNS::Topic', Properties: {} }, 'microplane_topics_customer_key'],
  ['a topic under alias/aws/sns', 'Topic', { Type: 'AWS::SNS::Topic', Properties: { KmsMasterKeyId: 'arn:aws:kms:eu-west-1:111111111111:alias/aws/sns' } }, 'microplane_topics_customer_key'],
  ['a table with the AWS-owned key', 'Table', { Type: 'AWS::DynamoDB::Table', Properties: {} }, 'microplane_tables_customer_key'],
  ['a table with the AWS-managed key', 'Table', { Type: 'AWS::DynamoDB::Table', Properties: { SSESpecification: { SSEEnabled: true, SSEType: 'KMS' } } }, 'microplane_tables_customer_key'],
  [
    'a global table whose replica has no key',
    'GlobalTable',
    { Type: 'AWS::DynamoDB::GlobalTable', Properties: { SSESpecification: { SSEEnabled: true, SSEType: 'KMS' }, Replicas: [{ Region: 'eu-west-1' }] } },
    'microplane_global_tables_customer_key',
  ],
  ['a bucket without encryption settings', 'Bucket', { Type: 'AWS::S3::Bucket', Properties: {} }, 'microplane_buckets_customer_key'],
  [
    'a bucket with S3-managed keys',
    'Bucket',
    { Type: 'AWS::S3::Bucket', Properties: { BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } } },
    'microplane_buckets_customer_key',
  ],
  [
    'a bucket with aws:kms but no key id (aws/s3)',
    'Bucket',
    { Type: 'AWS::S3::Bucket', Properties: { BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] } } },
    'microplane_buckets_customer_key',
  ],
])('%s fails the encryption policy', (_, logicalId, resource, rule) => {
  const findings = guardFindings(RULES, storesWith(logicalId, resource));
  expect(findingIds(findings)).toEqual([`${rule} ${logicalId}`]);
  expect(findings[0].fix).toMatch(/^Set /);
});

test('what aws-cdk-lib writes for AWS-managed keys fails: a KMS_MANAGED queue and an AWS_MANAGED table', () => {
  const stack = new Stack();
  new sqs.Queue(stack, 'Queue', { encryption: sqs.QueueEncryption.KMS_MANAGED });
  new dynamodb.Table(stack, 'Table', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING }, encryption: dynamodb.TableEncryption.AWS_MANAGED });
  const rules = findingIds(guardFindings(RULES, Template.fromStack(stack).toJSON() as TemplateJson)).map((id) => id.split(' ')[0]);
  expect(rules).toEqual(['microplane_queues_customer_key', 'microplane_tables_customer_key']);
});
