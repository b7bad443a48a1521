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
