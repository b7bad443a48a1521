import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { importDataNetwork, PlatformNetwork } from '../../lib/constructs/platform-network';
import { TenantDatabase } from '../../lib/constructs/tenant-database';

function databaseStack(props: Partial<ConstructorParameters<typeof TenantDatabase>[2]> = {}) {
  const stack = new Stack();
  const network = new PlatformNetwork(stack, 'Network');
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const database = new TenantDatabase(stack, 'Db', {
    vpc: network.vpc,
    encryptionKey: key,
    adminSecretEncryptionKey: key,
    adminSecretReaderArns: ['arn:aws:iam::111111111111:role/microplane-dev-schema-provisioner'],
    clusterIdentifier: 'microplane-dev-pooled',
    ...props,
  });
  return { stack, database, key };
}

describe('a database with defaults', () => {
  const { stack } = databaseStack();
  const template = Template.fromStack(stack);

  test('is Aurora PostgreSQL 17 Serverless v2 that scales to zero, with the Data API on', () => {
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      DBClusterIdentifier: 'microplane-dev-pooled',
      Engine: 'aurora-postgresql',
      EngineVersion: Match.stringLikeRegexp('^17\\.'),
      EnableHttpEndpoint: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 4 },
      DatabaseName: 'microplane',
    });
    template.hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.serverless', PerformanceInsightsKMSKeyId: Match.anyValue() });
  });

  test('encrypts storage with the customer-managed key and keeps backups', () => {
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      StorageEncrypted: true,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
      BackupRetentionPeriod: 7,
      EnableIAMDatabaseAuthentication: true,
      EnableCloudwatchLogsExports: ['postgresql'],
    });
  });

  test('is retained and deletion-protected by default', () => {
    template.hasResource('AWS::RDS::DBCluster', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ DeletionProtection: true }) });
  });

  test('lives in isolated subnets behind a security group that admits nothing', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('no inbound rules'),
      SecurityGroupIngress: Match.absent(),
    });
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL' });
  });
});

test('capacity and backups follow the props, and destroy is allowed when asked', () => {
  const { stack } = databaseStack({ minCapacity: 0.5, maxCapacity: 16, backupRetention: Duration.days(30), removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false });
  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::RDS::DBCluster', {
    ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 },
    BackupRetentionPeriod: 30,
    DeletionProtection: false,
  });
  template.hasResource('AWS::RDS::DBCluster', { DeletionPolicy: 'Delete' });
});

test('an impossible capacity range is refused', () => {
  expect(() => databaseStack({ minCapacity: 8, maxCapacity: 4 })).toThrow('need 0 <= minCapacity <= maxCapacity');
});

test('grantAdministration gives Data API access to this cluster and read access to its admin secret', () => {
  const { stack, database } = databaseStack();
  const role = new iam.Role(stack, 'Provisioner', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  database.grantAdministration(role);
  Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({ Action: Match.arrayWith(['rds-data:ExecuteStatement', 'rds-data:BeginTransaction']) }),
        Match.objectLike({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'] }),
      ]),
    },
  });
});

test('the data network can be imported elsewhere from two subnet ids, and only two', () => {
  const stack = new Stack();
  const vpc = importDataNetwork(stack, 'Vpc', { vpcId: 'vpc-1', dataSubnetIds: ['subnet-a', 'subnet-b'] });
  expect(vpc.isolatedSubnets.map((s) => s.subnetId)).toEqual(['subnet-a', 'subnet-b']);
  expect(() => importDataNetwork(stack, 'Bad', { vpcId: 'vpc-1', dataSubnetIds: ['subnet-a'] })).toThrow('expected 2 data subnet ids');
});

describe('the cluster admin secret', () => {
  const { stack, key } = databaseStack({ deployingRoleArn: 'arn:aws:iam::111111111111:role/deployer' });
  const template = Template.fromStack(stack);
  const statements = () => Object.values(template.findResources('AWS::SecretsManager::ResourcePolicy'))[0].Properties.ResourcePolicy.Statement;

  test('is encrypted with the platform key it is given, never the AWS managed key', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'microplane-dev-pooled/admin',
      KmsKeyId: { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as never), 'Arn'] },
    });
  });

  test('may be read only by the named readers and the deploying role (which sets the cluster password from it)', () => {
    expect(statements()).toContainEqual({
      Sid: 'OnlyNamedReaders',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'secretsmanager:GetSecretValue',
      Resource: '*',
      Condition: {
        ArnNotEquals: {
          'aws:PrincipalArn': ['arn:aws:iam::111111111111:role/microplane-dev-schema-provisioner', 'arn:aws:iam::111111111111:role/deployer'],
        },
      },
    });
  });

  test('may be changed only by the deploying role', () => {
    expect(statements()).toContainEqual(
      expect.objectContaining({ Sid: 'OnlyDeploymentsChange', Condition: { ArnNotEquals: { 'aws:PrincipalArn': ['arn:aws:iam::111111111111:role/deployer'] } } }),
    );
  });

  test('is tagged as a cluster admin secret of its cluster, for the rotation function', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Tags: Match.arrayWith([
        { Key: 'microplane:cluster-id', Value: 'microplane-dev-pooled' },
        { Key: 'microplane:secret', Value: 'cluster-admin' },
      ]),
    });
  });

  test('is not rotated unless a rotation is given', () => {
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
  });
});

test('with a rotation, the admin login rotates on schedule once the cluster uses it, and the rotation role may read and change it', () => {
  const { stack, database } = databaseStack({
    deployingRoleArn: 'arn:aws:iam::111111111111:role/deployer',
    adminSecretRotation: {
      functionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:rotation',
      roleArn: 'arn:aws:iam::111111111111:role/microplane-dev-secret-rotation',
      interval: Duration.days(7),
    },
  });
  const template = Template.fromStack(stack);
  const [schedule] = Object.values(template.findResources('AWS::SecretsManager::RotationSchedule'));
  expect(schedule.Properties).toEqual({
    SecretId: { Ref: expect.stringMatching(/SecretAttachment/) },
    RotationLambdaARN: 'arn:aws:lambda:eu-west-1:111111111111:function:rotation',
    RotationRules: { AutomaticallyAfterDays: 7 },
    RotateImmediatelyOnUpdate: false,
  });
  expect(schedule.DependsOn).toEqual(expect.arrayContaining([stack.getLogicalId(database.cluster.node.defaultChild as never)]));
  const policy = JSON.stringify(template.findResources('AWS::SecretsManager::ResourcePolicy'));
  expect(policy.match(/microplane-dev-secret-rotation/g)).toHaveLength(2);
});

test('the admin secret is retained with the cluster, so removing the cluster never loses its master password', () => {
  const { stack } = databaseStack();
  Template.fromStack(stack).hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
});
