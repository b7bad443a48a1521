import { Annotations, CfnDynamicReference, CfnDynamicReferenceService, Duration, Fn, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../config/schema';
import type { PrivateModelAccess } from '../constructs/llm-proxy';
import { ModelHosting } from '../constructs/model-hosting';
import { PlatformParameters } from '../platform-parameters';
import { addStackPolicies, provideAvailabilityZones, removalPolicyOf } from './settings';

/** Properties of {@link ModelsStack}. */
export interface ModelsStackProps extends StackProps {
  /** The environment's config; its `modelHosting` section must be enabled. */
  readonly environment: EnvironmentConfig;
}

/** `microplane-<env>-models`: the EKS cluster of an environment's private models. */
export function modelsClusterName(environmentName: string): string {
  return `microplane-${environmentName}-models`;
}

/** Alias of the key of the models stack's log groups (flow logs, control plane, deploy-time handlers). */
export function modelsLogsKeyAlias(environmentName: string): string {
  return `alias/microplane/${environmentName}/models-logs`;
}

/** Alias of the key that envelope-encrypts the models cluster's Kubernetes secrets. */
export function modelsSecretsKeyAlias(environmentName: string): string {
  return `alias/microplane/${environmentName}/models-secrets`;
}

/** How many of the models VPC's private subnets {@link importPrivateModelAccess} attaches callers to. */
export const MODELS_CLIENT_SUBNET_COUNT = 2;

/**
 * The private models of one environment (`modelHosting` in its file): the {@link ModelHosting} EKS
 * cluster in a VPC of its own, and the SSM parameters through which the platform stack's LLM proxy
 * finds it ({@link importPrivateModelAccess}). A stack of its own: the cluster, its node groups and
 * add-ons are a few hundred resources' worth of change that must not ride along every platform deploy,
 * and an environment without private models simply has no such stack.
 */
export class ModelsStack extends Stack {
  /** Where the platform stack finds this stack's values. */
  public readonly parameters: PlatformParameters;
  /** The cluster, its network and the models. */
  public readonly hosting: ModelHosting;

  constructor(scope: Construct, id: string, props: ModelsStackProps) {
    super(scope, id, props);
    const env = props.environment;
    if (!env.modelHosting.enabled) throw new Error(`ModelsStack: environment ${env.name} does not enable modelHosting`);
    provideAvailabilityZones(this, env);
    const removalPolicy = removalPolicyOf(env);
    this.parameters = new PlatformParameters(env.name);
    Tags.of(this).add('microplane:component', 'models');
    addStackPolicies(this, env, { alias: modelsLogsKeyAlias(env.name), description: `Microplane ${env.name}: the models stack's CloudWatch log groups` });

    const hosting = env.modelHosting;
    const secretsKey = new kms.Key(this, 'SecretsKey', {
      description: `Microplane ${env.name}: envelope encryption of the models cluster's Kubernetes secrets`,
      alias: modelsSecretsKeyAlias(env.name),
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy,
    });
    this.hosting = new ModelHosting(this, 'ModelHosting', {
      clusterName: modelsClusterName(env.name),
      kubernetesVersion: hosting.kubernetesVersion,
      vpcCidr: hosting.vpcCidr,
      availabilityZones: env.availabilityZones,
      systemNodeGroup: hosting.systemNodeGroup,
      nodeGroups: hosting.nodeGroups,
      models: hosting.models,
      clusterAdminRoleArns: hosting.clusterAdminRoleArns,
      secretsEncryptionKey: secretsKey,
      logRetention: env.gateway.logRetentionDays as logs.RetentionDays,
      removalPolicy,
    });
    this.publishParameters();
  }

  private publishParameters(): void {
    const publish = (id: string, parameterName: string, stringValue: string, description: string) =>
      new ssm.StringParameter(this, id, { parameterName, stringValue, description: `Microplane: ${description}, read by the platform stack` });
    publish('ModelsVpcParameter', this.parameters.modelsVpcId, this.hosting.vpc.vpcId, 'the models VPC id');
    this.hosting.privateSubnetIds.forEach((subnetId, index) =>
      publish(`ModelsSubnetParameter${index}`, this.parameters.modelsSubnetId(index), subnetId, `models VPC private subnet ${index}`),
    );
    publish(
      'ModelClientSecurityGroupParameter',
      this.parameters.modelClientSecurityGroupId,
      this.hosting.clientSecurityGroup.securityGroupId,
      'the security group whose members may call the private models',
    );
    publish(
      'PrivateModelEndpointsParameter',
      this.parameters.privateModelEndpoints,
      this.hosting.endpointsJson,
      'the OpenAI-compatible base URL of each private model, as JSON {"<model name>": "http://<host>:<port>/v1"}',
    );
  }




}

/**
 * The private models as seen from another stack of the same account and region (the platform stack's
 * LLM proxy): values read from the models stack's SSM parameters at deploy time, so the models stack
 * is never pinned by exports. Attach a function to `vpc` (its private subnets) with `securityGroup`,
 * and hand it `endpointsJson`. The calling stack must deploy after the models stack.
 */
export function importPrivateModelAccess(scope: Construct, id: string, parameters: PlatformParameters): PrivateModelAccess {
  const container = new Construct(scope, id);
  const read = (name: string) => ssm.StringParameter.valueForStringParameter(scope, name);
  const vpc = ec2.Vpc.fromVpcAttributes(container, 'Vpc', {
    // A dynamic reference rather than a stack parameter: a function attached with its own security
    // group never uses the VPC id, and an unused parameter is a template warning (W2001).
    vpcId: new CfnDynamicReference(CfnDynamicReferenceService.SSM, parameters.modelsVpcId).toString(),
    // Functions need only subnet ids; the zone names are placeholders of the right count.
    availabilityZones: Array.from({ length: MODELS_CLIENT_SUBNET_COUNT }, (_, index) => Fn.select(index, Fn.getAzs())),
    privateSubnetIds: Array.from({ length: MODELS_CLIENT_SUBNET_COUNT }, (_, index) => read(parameters.modelsSubnetId(index))),
  });
  Annotations.of(vpc).acknowledgeWarning('@aws-cdk/aws-ec2:noSubnetRouteTableId', 'Functions attached to the models VPC need only subnet ids; nothing here routes.');
  const securityGroup = ec2.SecurityGroup.fromSecurityGroupId(container, 'ClientSecurityGroup', read(parameters.modelClientSecurityGroupId), {
    allowAllOutbound: true,
    mutable: false,
  });
  return { vpc, securityGroup, endpointsJson: read(parameters.privateModelEndpoints) };
}
