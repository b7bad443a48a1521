import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { lambdaEntry, MicroplaneFunction } from './microplane-function';
import { acknowledgeComplianceRule } from '../nag-ids';
import { DatabaseGrants } from './database-grants';

/** The SQL migrations every tenant schema receives, in order. */
export const MIGRATIONS_DIR = path.join(path.dirname(lambdaEntry('schema-provisioner')), 'migrations');

/**
 * One checksum over the whole migration set. Tenant schema resources carry it, so changing the set
 * changes every tenant's resource and the next deploy migrates every tenant.
 */
export function migrationsChecksum(dir: string = MIGRATIONS_DIR): string {
  // Every tenant stack asks; read the folder once per synth.
  let checksum = checksums.get(dir);
  if (checksum === undefined) {
    checksum = computeChecksum(dir);
    checksums.set(dir, checksum);
  }
  return checksum;
}

const checksums = new Map<string, string>();

function computeChecksum(dir: string): string {
  const hash = crypto.createHash('sha256');
  for (const file of fs.readdirSync(dir).filter((name) => name.endsWith('.sql')).sort()) {
    hash.update(file).update('\0').update(fs.readFileSync(path.join(dir, file))).update('\0');
  }
  return hash.digest('hex');
}

/** Name of the provisioner's role: tenant roles trust it, siloed tenant stacks grant it their cluster. */
export function schemaProvisionerRoleName(environmentName: string): string {
  return `microplane-${environmentName}-schema-provisioner`;
}

/** Properties of {@link SchemaProvisioner}. */
export interface SchemaProvisionerProps {
  /** The environment name, part of role names. */
  readonly environmentName: string;
  /**
   * How long function logs are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to log groups when removed.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The custom resource provider behind every tenant's `TenantSchema`: creates the tenant's login role
 * and schema, revokes PUBLIC, applies the SQL migrations as the tenant role, and on delete disables the
 * login but keeps the data. It holds no right to assume tenant roles: each tenant stack grants its role
 * exactly that tenant's database secret (and the secret's policy names it), so it reaches only what it
 * provisions.
 */
export class SchemaProvisioner extends Construct {
  /** The service token tenant stacks give their custom resources. */
  public readonly serviceToken: string;
  /** The role the provisioning function runs as. */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: SchemaProvisionerProps) {
    super(scope, id);
    this.role = new iam.Role(this, 'Role', {
      roleName: schemaProvisionerRoleName(props.environmentName),
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Provisions tenant schemas; reads only the tenant secrets that tenant stacks grant it, never a tenant role',
    });
    const grants = new DatabaseGrants(this, props.environmentName);
    grants.grantSecrets(this.role);
    grants.grantDataApi(this.role);
    grants.acknowledgeWildcards(
      this.role,
      `The provisioner serves every tenant of ${props.environmentName}: it reads secrets named microplane/${props.environmentName}/tenants/* and microplane-${props.environmentName}-*/admin-* (whose policies name it too) and runs statements on clusters named microplane-${props.environmentName}-*; keys only through Secrets Manager.`,
    );

    const onEvent = new MicroplaneFunction(this, 'OnEvent', {
      handlerName: 'schema-provisioner',
      invokedBy: 'the CDK custom resource provider framework, which reports the outcome to CloudFormation',
      description: 'Creates tenant login roles and schemas and applies migrations; never drops data',
      role: this.role,
      bundledFolders: ['migrations'],
      timeout: Duration.minutes(10),
      memorySize: 512,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: onEvent.function,
      logGroup: new logs.LogGroup(this, 'ProviderLogs', {
        retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      }),
    });
    this.serviceToken = provider.serviceToken;
    this.acknowledgeProviderFramework(provider, onEvent);
  }

  /** The CDK provider framework's own relay function is fixed by CDK; say why its shape is accepted. */
  private acknowledgeProviderFramework(provider: cr.Provider, onEvent: MicroplaneFunction): void {
    const framework = provider.node.findChild('framework-onEvent');
    Validations.of(framework).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The CDK custom resource provider framework creates this relay role with the basic execution policy; it only writes logs and invokes the provisioner.',
    });
    Validations.of(framework).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(onEvent.function.node.defaultChild as never)}.Arn>:*]`,
      reason: 'The provider framework may invoke every version of the provisioner function, which is all this wildcard covers.',
    });
    acknowledgeComplianceRule(framework, 'LambdaDLQ', 'CloudFormation invokes the CDK provider framework relay for the custom resource and waits for its answer; a failure fails the deployment, which is the report.');
    acknowledgeComplianceRule(framework, 'LambdaInsideVPC', 'The CDK provider framework relay only invokes the provisioner and answers CloudFormation over its pre-signed S3 URL; the data VPC has no NAT by design.');
    acknowledgeComplianceRule(framework, 'LambdaConcurrency', 'The CDK provider framework relay runs only while a tenant stack deploys; the provisioner it invokes carries the configured concurrency.');
    Validations.of(framework).acknowledge({
      id: 'cdk-validator-cfnguard::microplane_functions_traced_json_logs',
      reason: 'The CDK provider framework relay cannot be configured for tracing; the provisioner it invokes is traced and logs JSON.',
    });
  }
}
