import { KubectlV36Layer } from '@aws-cdk/lambda-layer-kubectl-v36';
import { ArnFormat, CfnCondition, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { CONCURRENCY_REASON_METADATA } from '../aspects/function-concurrency';
import { GPU_INSTANCE_TYPES, KubernetesVersionName, SYSTEM_NODE_GROUP, gpusPerNode } from '../config/model-hosting';
import { acknowledgeComplianceRule, nagArn } from '../nag-ids';

/** The port of every model's Service and of vLLM inside its pod: the OpenAI API is `http://<host>:8000/v1`. */
export const MODEL_SERVICE_PORT = 8000;

/** Node label naming a node's group; models choose a node group with it. */
export const NODE_GROUP_LABEL = 'microplane/node-group';
/** Node label of GPU nodes; the NVIDIA device plugin runs where it is. */
export const GPU_NODE_LABEL = 'microplane/gpu';
/** The taint of every GPU node: only pods that tolerate it (GPU workloads, the device plugin) run there. */
export const GPU_TAINT = { key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' } as const;

/** NVIDIA's device plugin, which advertises `nvidia.com/gpu` on each GPU node (its static manifest, v0.17.1). */
export const DEFAULT_DEVICE_PLUGIN_IMAGE = 'nvcr.io/nvidia/k8s-device-plugin:v0.17.1';
/** The AWS CLI image of the init container that fetches a model's Hugging Face token. */
export const DEFAULT_AWS_CLI_IMAGE = 'public.ecr.aws/aws-cli/aws-cli:2.32.9';

/** The Cluster Autoscaler Helm chart (kubernetes/autoscaler); its image is set to the cluster's minor version below. */
const CLUSTER_AUTOSCALER_CHART = { repository: 'https://kubernetes.github.io/autoscaler', chart: 'cluster-autoscaler', version: '9.59.0' };
/** The Cluster Autoscaler release for each Kubernetes minor version: it must match the control plane's. */
const CLUSTER_AUTOSCALER_IMAGE_TAGS: Record<KubernetesVersionName, string> = { '1.35': 'v1.35.2', '1.36': 'v1.36.1' };
const KUBERNETES_VERSIONS: Record<KubernetesVersionName, eks.KubernetesVersion> = { '1.35': eks.KubernetesVersion.V1_35, '1.36': eks.KubernetesVersion.V1_36 };

/** The non-GPU node group of the cluster's own controllers. */
export interface SystemNodeGroupSpec {
  /** Instance types of the group. */
  readonly instanceTypes: readonly string[];
  /** Smallest number of nodes; at least 1, since the Cluster Autoscaler runs here. */
  readonly minSize: number;
  /** Largest number of nodes. */
  readonly maxSize: number;
}

/** A GPU node group: an EKS managed node group with the AL2023 NVIDIA AMI, tainted for GPU workloads only. */
export interface GpuNodeGroupSpec {
  /** Name of the group, unique in the cluster; the `microplane/node-group` label of its nodes. */
  readonly name: string;
  /** GPU instance types, all with the same number of GPUs (see `GPU_INSTANCE_TYPES`). */
  readonly instanceTypes: readonly string[];
  /**
   * Smallest number of nodes.
   * @default 0 - the group costs nothing while no model replica needs it
   */
  readonly minSize?: number;
  /** Largest number of nodes the Cluster Autoscaler may start. */
  readonly maxSize: number;
  /**
   * Size of each node's encrypted gp3 root volume, in GB (images and downloaded weights).
   * @default 200
   */
  readonly diskSizeGb?: number;
}

/** A model served by vLLM: one namespace with its Deployment, Service, PodDisruptionBudget and autoscaler. */
export interface HostedModelSpec {
  /** Name of the model (a DNS label): its namespace is `model-<name>`, and apps call it `private:<name>`. */
  readonly name: string;
  /** The Hugging Face model id vLLM serves, e.g. `meta-llama/Llama-3.1-8B-Instruct`. */
  readonly model: string;
  /** The vLLM OpenAI-compatible server image, with a pinned tag or digest. */
  readonly image: string;
  /**
   * GPUs per replica (`nvidia.com/gpu`), also vLLM's tensor-parallel size.
   * @default 1
   */
  readonly gpusPerReplica?: number;
  /**
   * Fewest replicas the horizontal autoscaler keeps.
   * @default 1
   */
  readonly minReplicas?: number;
  /**
   * Most replicas the horizontal autoscaler runs.
   * @default 2
   */
  readonly maxReplicas?: number;
  /**
   * Longest context vLLM accepts (`--max-model-len`).
   * @default 8192
   */
  readonly maxModelLength?: number;
  /**
   * The GPU node group the replicas run on.
   * @default - any GPU node group
   */
  readonly nodeGroup?: string;
  /**
   * Name of an existing Secrets Manager secret holding a Hugging Face read token, for gated models.
   * @default - no token: the model must be open
   */
  readonly huggingFaceTokenSecretName?: string;
  /**
   * vCPUs each replica requests.
   * @default 2
   */
  readonly cpu?: number;
  /**
   * Memory each replica requests and may use at most, in GiB.
   * @default 12
   */
  readonly memoryGiB?: number;
  /**
   * CPU utilisation (percent of the request) at which the horizontal autoscaler adds replicas.
   * @default 70
   */
  readonly targetCpuUtilization?: number;
}

/** Properties of {@link ModelHosting}. */
export interface ModelHostingProps {
  /** Name of the EKS cluster; also names its control-plane log group `/aws/eks/<name>/cluster`. */
  readonly clusterName: string;
  /** The GPU node groups. */
  readonly nodeGroups: readonly GpuNodeGroupSpec[];
  /** The models to serve. */
  readonly models: readonly HostedModelSpec[];
  /**
   * Kubernetes version of the cluster.
   * @default '1.36'
   */
  readonly kubernetesVersion?: KubernetesVersionName;
  /**
   * Address range of the models VPC, /16 to /20.
   * @default '10.64.0.0/16'
   */
  readonly vpcCidr?: string;
  /**
   * Availability zones of the models VPC (at least two). Required in practice for a stack pinned to an
   * account and region: without them the VPC looks the zones up, so `cdk synth` needs AWS credentials.
   * @default - two zones of the stack's region (a lookup when the stack is pinned)
   */
  readonly availabilityZones?: readonly string[];
  /**
   * The non-GPU node group of the cluster's controllers.
   * @default - m6i.large, 2 to 3 nodes
   */
  readonly systemNodeGroup?: SystemNodeGroupSpec;
  /**
   * Roles given cluster-admin access entries.
   * @default - none: only the kubectl provider of this construct administers the cluster
   */
  readonly clusterAdminRoleArns?: readonly string[];
  /**
   * The key that envelope-encrypts Kubernetes secrets.
   * @default - a new customer-managed key with yearly rotation
   */
  readonly secretsEncryptionKey?: kms.IKey;
  /**
   * How long flow logs and control-plane logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the key and log groups when removed.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The NVIDIA device plugin image.
   * @default DEFAULT_DEVICE_PLUGIN_IMAGE
   */
  readonly devicePluginImage?: string;
  /**
   * The AWS CLI image that fetches Hugging Face tokens.
   * @default DEFAULT_AWS_CLI_IMAGE
   */
  readonly awsCliImage?: string;
}

/** The five control-plane log types of EKS: all of them go to CloudWatch Logs. */
const CONTROL_PLANE_LOG_TYPES = [
  eks.ClusterLoggingTypes.API,
  eks.ClusterLoggingTypes.AUDIT,
  eks.ClusterLoggingTypes.AUTHENTICATOR,
  eks.ClusterLoggingTypes.CONTROLLER_MANAGER,
  eks.ClusterLoggingTypes.SCHEDULER,
];

const DEFAULT_SYSTEM_NODE_GROUP: SystemNodeGroupSpec = { instanceTypes: ['m6i.large'], minSize: 2, maxSize: 3 };

/**
 * Private models on EKS: an EKS cluster in a VPC of its own serving each configured model with vLLM's
 * OpenAI-compatible API behind an internal Network Load Balancer, for data that may not leave the account.
 *
 * - **Network.** Private subnets with NAT in every zone (GPU nodes pull the vLLM image and model weights
 *   from the internet), public subnets that hold only the NAT gateways, flow logs. Callers join
 *   {@link clientSecurityGroup}; the load balancers admit that group on port 8000 and nothing else.
 * - **Cluster** (`aws-eks-v2`, native CloudFormation): private API endpoint only, all control-plane log
 *   types, Kubernetes secrets envelope-encrypted with a customer-managed key, access entries
 *   (authentication mode API; no aws-auth ConfigMap), no admin right for whoever deploys the stack.
 * - **Nodes.** A small system node group (the controllers below, CoreDNS) and one managed node group per
 *   GPU node group: AL2023 NVIDIA AMI, taint `nvidia.com/gpu=true:NoSchedule`, encrypted gp3 root
 *   volume, IMDSv2 with a hop limit of 1 (pods cannot borrow the node's role), minimum size zero. The
 *   Cluster Autoscaler (Helm, IAM role for its service account) scales them; each GPU group's Auto
 *   Scaling group carries the `node-template` tags it needs to scale a group up from zero.
 *   Managed node groups with the Cluster Autoscaler rather than EKS Auto Mode: Auto Mode runs its own
 *   Bottlerocket nodes (no AL2023 NVIDIA AMI), adds a management fee per instance, and would bring its
 *   own load balancing next to the controller used here.
 * - **Add-ons.** The NVIDIA device plugin (a DaemonSet on GPU nodes), metrics-server (EKS add-on, for
 *   the horizontal autoscalers) and the AWS Load Balancer Controller (the cluster's `albController`
 *   option). The controller rather than the legacy in-tree load balancers: it puts a security group
 *   on each NLB, so admission is "members of the client group", kept in this stack, not address ranges.
 * - **Per model**, in namespace `model-<name>`: a vLLM Deployment requesting `nvidia.com/gpu` with
 *   startup, readiness and liveness probes on `/health`, a PodDisruptionBudget, a HorizontalPodAutoscaler
 *   and an internal NLB Service on port 8000, whose address is read back into {@link endpointsJson}.
 */
export class ModelHosting extends Construct {
  /** The models VPC. */
  public readonly vpc: ec2.Vpc;
  /** The EKS cluster. */
  public readonly cluster: eks.Cluster;
  /** The key that envelope-encrypts Kubernetes secrets. */
  public readonly secretsKey: kms.IKey;
  /** Where EKS writes the control-plane logs. */
  public readonly controlPlaneLogGroup: logs.LogGroup;
  /** Callers of the models (the LLM proxy) join this group; the load balancers admit it on the service port. */
  public readonly clientSecurityGroup: ec2.SecurityGroup;
  /** The security group of every model's load balancer: the service port from {@link clientSecurityGroup} only. */
  public readonly endpointSecurityGroup: ec2.SecurityGroup;
  /** The node role every node group shares. */
  public readonly nodeRole: iam.Role;
  /** The system node group. */
  public readonly systemNodegroup: eks.Nodegroup;
  /** The port of every model's endpoint. */
  public readonly servicePort = MODEL_SERVICE_PORT;
  private readonly gpuNodegroups = new Map<string, eks.Nodegroup>();
  private readonly endpoints = new Map<string, string>();
  private readonly props: ModelHostingProps;

  constructor(scope: Construct, id: string, props: ModelHostingProps) {
    super(scope, id);
    // IAM roles for service accounts trust a native AWS::IAM::OIDCProvider instead of a custom-resource
    // Lambda; the feature flag is read by the cluster below, so it is set before any child exists.
    this.node.setContext(cxapi.EKS_USE_NATIVE_OIDC_PROVIDER, true);
    this.props = props;
    validate(props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;

    this.vpc = this.createVpc(props, logRetention, removalPolicy);
    this.secretsKey =
      props.secretsEncryptionKey ??
      new kms.Key(this, 'SecretsKey', {
        description: `EKS cluster ${props.clusterName}: envelope encryption of Kubernetes secrets`,
        enableKeyRotation: true,
        pendingWindow: Duration.days(30),
        removalPolicy,
      });
    // Created before the cluster so EKS writes into a group with a retention and the stack's key.
    this.controlPlaneLogGroup = new logs.LogGroup(this, 'ControlPlaneLogs', {
      logGroupName: `/aws/eks/${props.clusterName}/cluster`,
      retention: logRetention,
      removalPolicy,
    });
    this.cluster = this.createCluster(props);
    this.cluster.node.addDependency(this.controlPlaneLogGroup);

    this.nodeRole = this.createNodeRole();
    this.systemNodegroup = this.addSystemNodeGroup(props.systemNodeGroup ?? DEFAULT_SYSTEM_NODE_GROUP);
    // The load balancer controller's chart waits for its pods, which need nodes.
    this.cluster.albController?.node.addDependency(this.systemNodegroup);
    const nodeGroups = new Construct(this, 'NodeGroups');
    for (const group of props.nodeGroups) this.addGpuNodeGroup(nodeGroups, group);

    [this.clientSecurityGroup, this.endpointSecurityGroup] = this.createEndpointSecurityGroups();
    this.addClusterAutoscaler(props.kubernetesVersion ?? '1.36');
    const devicePlugin = this.addDevicePlugin(props.devicePluginImage ?? DEFAULT_DEVICE_PLUGIN_IMAGE);
    const metricsServer = new eks.Addon(this, 'MetricsServer', { cluster: this.cluster, addonName: 'metrics-server' });
    metricsServer.node.addDependency(this.systemNodegroup);

    const models = new Construct(this, 'Models');
    for (const model of props.models) this.addModel(models, model, devicePlugin);
    this.acknowledgeFindings();
  }

  /** The GPU node groups, by name. */
  public get nodeGroups(): ReadonlyMap<string, eks.Nodegroup> {
    return this.gpuNodegroups;
  }

  /** The ids of the private subnets (nodes, load balancers, callers), one per zone. */
  public get privateSubnetIds(): string[] {
    return this.vpc.privateSubnets.map((subnet) => subnet.subnetId);
  }

  /** The OpenAI-compatible base URL of one model, `http://<internal load balancer>:8000/v1` (a deploy-time value). */
  public endpointUrl(modelName: string): string {
    const url = this.endpoints.get(modelName);
    if (url === undefined) throw new Error(`ModelHosting ${this.node.path} hosts no model "${modelName}" (hosted: ${[...this.endpoints.keys()].join(', ') || 'none'})`);
    return url;
  }

  /** `{"<model name>": "http://<host>:8000/v1", …}` for every hosted model, as a deploy-time JSON string. */
  public get endpointsJson(): string {
    return Stack.of(this).toJsonString(Object.fromEntries(this.endpoints));
  }

  /** Lets `connectable` in the models VPC call every model, besides the members of {@link clientSecurityGroup}. */
  public allowClientsFrom(connectable: ec2.IConnectable): void {
    this.endpointSecurityGroup.connections.allowFrom(connectable, ec2.Port.tcp(this.servicePort), 'Calls to the private models');
  }

  private createVpc(props: ModelHostingProps, logRetention: logs.RetentionDays, removalPolicy: RemovalPolicy): ec2.Vpc {
    const cidr = props.vpcCidr ?? '10.64.0.0/16';
    const prefix = Number(cidr.split('/')[1]);
    const zones = props.availabilityZones === undefined ? { maxAzs: 2 } : { availabilityZones: [...props.availabilityZones] };
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(cidr),
      ...zones,
      // One NAT gateway per zone: nodes of a zone keep pulling images when another zone fails.
      natGateways: props.availabilityZones?.length ?? 2,
      subnetConfiguration: [
        // Pods take their addresses from the node subnets (VPC CNI): an eighth of the VPC per zone.
        { name: 'Nodes', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: prefix + 3 },
        // Only the NAT gateways live here; nothing gets a public address.
        { name: 'Nat', subnetType: ec2.SubnetType.PUBLIC, cidrMask: Math.min(prefix + 8, 28), mapPublicIpOnLaunch: false },
      ],
      restrictDefaultSecurityGroup: true,
    });
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', { retention: logRetention, removalPolicy });
    vpc.addFlowLog('FlowLog', { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs) });
    for (const subnet of vpc.publicSubnets) {
      acknowledgeComplianceRule(
        subnet,
        'VPCNoUnrestrictedRouteToIGW',
        'The public subnets of the models VPC hold only the NAT gateways (nothing gets a public address there); their route to the internet gateway is how GPU nodes in the private subnets pull the vLLM image and model weights. Nothing in the VPC accepts connections from the internet.',
      );
    }
    return vpc;
  }

  private createCluster(props: ModelHostingProps): eks.Cluster {
    const cluster = new eks.Cluster(this, 'Cluster', {
      clusterName: props.clusterName,
      version: KUBERNETES_VERSIONS[props.kubernetesVersion ?? '1.36'],
      vpc: this.vpc,
      vpcSubnets: [{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }],
      endpointAccess: eks.EndpointAccess.PRIVATE,
      clusterLogging: CONTROL_PLANE_LOG_TYPES,
      secretsEncryptionKey: this.secretsKey,
      // Managed node groups are added below; no default capacity, and so no Auto Mode.
      defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
      defaultCapacity: 0,
      // Access entries only: the deploying role gets no standing admin right (changing this replaces the cluster).
      bootstrapClusterCreatorAdminPermissions: false,
      // kubectl 1.36 is within the supported skew (one minor version) of both allowed control planes.
      kubectlProviderOptions: { kubectlLayer: new KubectlV36Layer(this, 'KubectlLayer') },
      albController: {
        version: eks.AlbControllerVersion.V3_2_2,
        additionalHelmChartValues: { nodeSelector: { [NODE_GROUP_LABEL]: SYSTEM_NODE_GROUP } },
      },
      outputConfigCommand: false,
    });
    // Construct ids from the role names, so reordering the list replaces no access entry.
    for (const arn of props.clusterAdminRoleArns ?? []) cluster.grantClusterAdmin(`ClusterAdmin-${arn.split(':role/')[1]?.replace(/\//g, '-') ?? arn}`, arn);
    return cluster;
  }

  /** One role for every node: what EKS requires of a node (join, VPC CNI, image pulls), nothing more. */
  private createNodeRole(): iam.Role {
    return new iam.Role(this, 'NodeRole', {
      description: `Nodes of EKS cluster ${this.props.clusterName}: join the cluster, assign pod addresses, pull images`,
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      managedPolicies: ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryReadOnly'].map((name) =>
        iam.ManagedPolicy.fromAwsManagedPolicyName(name),
      ),
    });
  }

  private addSystemNodeGroup(spec: SystemNodeGroupSpec): eks.Nodegroup {
    const scope = new Construct(this, 'SystemNodes');
    return new eks.Nodegroup(scope, 'Nodegroup', {
      cluster: this.cluster,
      nodeRole: this.nodeRole,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      amiType: eks.NodegroupAmiType.AL2023_X86_64_STANDARD,
      instanceTypes: spec.instanceTypes.map((type) => new ec2.InstanceType(type)),
      minSize: spec.minSize,
      desiredSize: spec.minSize,
      maxSize: spec.maxSize,
      labels: { [NODE_GROUP_LABEL]: SYSTEM_NODE_GROUP },
      launchTemplateSpec: this.launchTemplate(scope, 50),
      tags: this.autoscalerDiscoveryTags(),
    });
  }

  private addGpuNodeGroup(parent: Construct, spec: GpuNodeGroupSpec): void {
    const scope = new Construct(parent, spec.name);
    const gpus = gpusPerNode(spec.instanceTypes);
    const accelerator = GPU_INSTANCE_TYPES[spec.instanceTypes[0]].accelerator;
    const labels = { [NODE_GROUP_LABEL]: spec.name, [GPU_NODE_LABEL]: 'nvidia', 'k8s.amazonaws.com/accelerator': accelerator };
    // What a node of this group will look like, for the Cluster Autoscaler while the group has none.
    const nodeTemplateTags: Record<string, string> = {
      'k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu': String(gpus),
      [`k8s.io/cluster-autoscaler/node-template/taint/${GPU_TAINT.key}`]: `${GPU_TAINT.value}:${GPU_TAINT.effect}`,
      ...Object.fromEntries(Object.entries(labels).map(([key, value]) => [`k8s.io/cluster-autoscaler/node-template/label/${key}`, value])),
    };
    const nodegroup = new eks.Nodegroup(scope, 'Nodegroup', {
      cluster: this.cluster,
      nodeRole: this.nodeRole,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      amiType: eks.NodegroupAmiType.AL2023_X86_64_NVIDIA,
      instanceTypes: spec.instanceTypes.map((type) => new ec2.InstanceType(type)),
      minSize: spec.minSize ?? 0,
      desiredSize: spec.minSize ?? 0,
      maxSize: spec.maxSize,
      labels,
      taints: [{ key: GPU_TAINT.key, value: GPU_TAINT.value, effect: eks.TaintEffect.NO_SCHEDULE }],
      launchTemplateSpec: this.launchTemplate(scope, spec.diskSizeGb ?? 200),
      tags: { ...this.autoscalerDiscoveryTags(), ...nodeTemplateTags },
    });
    this.propagateTagsToAutoScalingGroup(scope, nodegroup, nodeTemplateTags);
    this.gpuNodegroups.set(spec.name, nodegroup);
  }

  /** The tags by which the Cluster Autoscaler discovers the node groups of this cluster (EKS also sets them on each group's Auto Scaling group). */
  private autoscalerDiscoveryTags(): Record<string, string> {
    return { 'k8s.io/cluster-autoscaler/enabled': 'true', [`k8s.io/cluster-autoscaler/${this.props.clusterName}`]: 'owned' };
  }

  /**
   * Nodes boot from an encrypted gp3 root volume and answer only IMDSv2 with a hop limit of 1, so a pod
   * cannot obtain the node role's credentials (the controllers use roles of their own). The AWS-managed
   * EBS key: a customer-managed one would need the Auto Scaling service-linked role in its policy, which
   * does not exist in an account before its first Auto Scaling group (a key policy naming it would fail).
   */
  private launchTemplate(scope: Construct, diskSizeGb: number): eks.LaunchTemplateSpec {
    const template = new ec2.LaunchTemplate(scope, 'LaunchTemplate', {
      requireImdsv2: true,
      httpPutResponseHopLimit: 1,
      blockDevices: [
        { deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(diskSizeGb, { volumeType: ec2.EbsDeviceVolumeType.GP3, encrypted: true, deleteOnTermination: true }) },
      ],
    });
    return { id: template.launchTemplateId!, version: template.latestVersionNumber };
  }

  /**
   * EKS tags a managed node group's Auto Scaling group for discovery but does not copy the group's other
   * tags to it, and the Cluster Autoscaler reads the `node-template` hints from the Auto Scaling group.
   * Two SDK calls at deploy time copy them: find the group's Auto Scaling group, then tag it.
   */
  private propagateTagsToAutoScalingGroup(scope: Construct, nodegroup: eks.Nodegroup, tags: Record<string, string>): void {
    const stack = Stack.of(this);
    // The attribute, not nodegroup.nodegroupName: that is the resource's Ref, `<cluster>/<node group>`, unless a feature flag is set.
    const cfnNodegroup = nodegroup.node.defaultChild as eks.CfnNodegroup;
    const nodegroupName = cfnNodegroup.attrNodegroupName;
    const describe = new cr.AwsCustomResource(scope, 'AutoScalingGroup', {
      resourceType: 'Custom::MicroplaneNodegroupAutoScalingGroup',
      onUpdate: {
        service: 'EKS',
        action: 'describeNodegroup',
        parameters: { clusterName: this.cluster.clusterName, nodegroupName },
        physicalResourceId: cr.PhysicalResourceId.of(nodegroupName),
        outputPaths: ['nodegroup.resources.autoScalingGroups.0.name'],
      },
      installLatestAwsSdk: false,
      timeout: Duration.minutes(2),
      policy: cr.AwsCustomResourcePolicy.fromStatements([new iam.PolicyStatement({ actions: ['eks:DescribeNodegroup'], resources: [nodegroup.nodegroupArn] })]),
    });
    const autoScalingGroupName = describe.getResponseField('nodegroup.resources.autoScalingGroups.0.name');
    const tagList = Object.entries(tags).map(([Key, Value]) => ({ ResourceId: autoScalingGroupName, ResourceType: 'auto-scaling-group', Key, Value, PropagateAtLaunch: false }));
    const tagging = new cr.AwsCustomResource(scope, 'AutoScalingGroupTags', {
      resourceType: 'Custom::MicroplaneAutoScalingGroupTags',
      onUpdate: { service: 'AutoScaling', action: 'createOrUpdateTags', parameters: { Tags: tagList }, physicalResourceId: cr.PhysicalResourceId.of(autoScalingGroupName) },
      onDelete: {
        service: 'AutoScaling',
        action: 'deleteTags',
        parameters: { Tags: tagList.map(({ ResourceId, ResourceType, Key }) => ({ ResourceId, ResourceType, Key })) },
        // The Auto Scaling group may already be gone with its node group.
        ignoreErrorCodesMatching: 'ValidationError',
      },
      installLatestAwsSdk: false,
      timeout: Duration.minutes(2),
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['autoscaling:CreateOrUpdateTags', 'autoscaling:DeleteTags'],
          // Managed node groups name their Auto Scaling group eks-<node group name>-<id>.
          resources: [stack.formatArn({ service: 'autoscaling', resource: 'autoScalingGroup', resourceName: `*:autoScalingGroupName/eks-${nodegroupName}-*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
        }),
      ]),
    });
    const nodegroupId = stack.getLogicalId(cfnNodegroup);
    Validations.of(tagging).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagArn(stack, 'autoscaling', `autoScalingGroup:*:autoScalingGroupName/eks-<${nodegroupId}.NodegroupName>-*`)}]`,
      reason: 'Tags only the Auto Scaling group of this node group: EKS names it eks-<node group name>-<id>, and the id is known only once EKS has created it.',
    });
  }

  /** The client group (callers) and the endpoint group (every model's NLB), and the node rule between NLB and pods. */
  private createEndpointSecurityGroups(): [ec2.SecurityGroup, ec2.SecurityGroup] {
    const port = ec2.Port.tcp(this.servicePort);
    const client = new ec2.SecurityGroup(this, 'ClientSecurityGroup', {
      vpc: this.vpc,
      description: 'Callers of the private models (the LLM proxy); the model load balancers admit this group',
      // Callers reach AWS APIs (Bedrock, DynamoDB, SSM) through the NAT gateways as well as the models.
      allowAllOutbound: true,
    });
    const endpoint = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: `Internal load balancers of the private models: port ${this.servicePort} from the client group only`,
      allowAllOutbound: false,
    });
    endpoint.addIngressRule(client, port, 'Callers of the private models');
    // IP targets: the NLB sends requests and health checks straight to the pods, whose addresses sit on
    // nodes in the cluster security group. The controller is told not to manage this rule itself.
    endpoint.connections.allowTo(this.cluster.clusterSecurityGroup, port, 'Model load balancers to vLLM pods');
    return [client, endpoint];
  }

  /**
   * The Cluster Autoscaler, on the system nodes, with a role of its own (IAM roles for service accounts):
   * it reads every Auto Scaling group and node group, and changes only the groups tagged as this cluster's.
   */
  private addClusterAutoscaler(version: KubernetesVersionName): void {
    const stack = Stack.of(this);
    const serviceAccount = new eks.ServiceAccount(this, 'ClusterAutoscalerServiceAccount', {
      cluster: this.cluster,
      name: 'cluster-autoscaler',
      namespace: 'kube-system',
    });
    serviceAccount.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadGroupsAndInstanceTypes',
        actions: [
          'autoscaling:DescribeAutoScalingGroups',
          'autoscaling:DescribeAutoScalingInstances',
          'autoscaling:DescribeLaunchConfigurations',
          'autoscaling:DescribeScalingActivities',
          'autoscaling:DescribeTags',
          'ec2:DescribeImages',
          'ec2:DescribeInstanceTypes',
          'ec2:DescribeLaunchTemplateVersions',
          'ec2:GetInstanceTypesFromInstanceRequirements',
        ],
        resources: ['*'],
      }),
    );
    serviceAccount.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadNodeGroups',
        actions: ['eks:DescribeNodegroup'],
        resources: [stack.formatArn({ service: 'eks', resource: 'nodegroup', resourceName: `${this.props.clusterName}/*` })],
      }),
    );
    serviceAccount.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ScaleThisClustersGroups',
        actions: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
        resources: ['*'],
        conditions: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${this.props.clusterName}`]: 'owned' } },
      }),
    );
    const chart = this.cluster.addHelmChart('ClusterAutoscaler', {
      ...CLUSTER_AUTOSCALER_CHART,
      release: 'cluster-autoscaler',
      namespace: 'kube-system',
      values: {
        cloudProvider: 'aws',
        awsRegion: stack.region,
        autoDiscovery: { clusterName: this.props.clusterName },
        image: { tag: CLUSTER_AUTOSCALER_IMAGE_TAGS[version] },
        rbac: { serviceAccount: { create: false, name: serviceAccount.serviceAccountName } },
        nodeSelector: { [NODE_GROUP_LABEL]: SYSTEM_NODE_GROUP },
        extraArgs: {
          'balance-similar-node-groups': true,
          expander: 'least-waste',
          // Model replicas cache weights in emptyDir volumes; that must not pin an idle GPU node.
          'skip-nodes-with-local-storage': false,
          'scale-down-unneeded-time': '10m',
        },
      },
    });
    chart.node.addDependency(serviceAccount, this.systemNodegroup);
    Validations.of(serviceAccount).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'The Cluster Autoscaler lists Auto Scaling groups, their tags and instances and EC2 instance types and images (Describe and Get calls support no resource ARN); it may change only groups tagged k8s.io/cluster-autoscaler/<this cluster>: owned.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${nagArn(stack, 'eks', `nodegroup/${this.props.clusterName}/*`)}]`,
        reason: 'The Cluster Autoscaler reads the labels and taints of every node group of this cluster (and only this cluster), which are created and replaced under generated names.',
      },
    );
  }

  /** NVIDIA's device plugin DaemonSet on every GPU node: it advertises `nvidia.com/gpu` to the scheduler. */
  private addDevicePlugin(image: string): eks.KubernetesManifest {
    return this.cluster.addManifest('NvidiaDevicePlugin', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'nvidia-device-plugin-daemonset', namespace: 'kube-system', labels: { 'app.kubernetes.io/name': 'nvidia-device-plugin' } },
      spec: {
        selector: { matchLabels: { name: 'nvidia-device-plugin-ds' } },
        updateStrategy: { type: 'RollingUpdate' },
        template: {
          metadata: { labels: { name: 'nvidia-device-plugin-ds' } },
          spec: {
            nodeSelector: { [GPU_NODE_LABEL]: 'nvidia' },
            tolerations: [{ key: GPU_TAINT.key, operator: 'Exists', effect: GPU_TAINT.effect }],
            priorityClassName: 'system-node-critical',
            containers: [
              {
                name: 'nvidia-device-plugin-ctr',
                image,
                env: [{ name: 'FAIL_ON_INIT_ERROR', value: 'false' }],
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
                volumeMounts: [{ name: 'kubelet-device-plugins-dir', mountPath: '/var/lib/kubelet/device-plugins' }],
              },
            ],
            volumes: [{ name: 'kubelet-device-plugins-dir', hostPath: { path: '/var/lib/kubelet/device-plugins', type: 'Directory' } }],
          },
        },
      },
    });
  }

  /** One model: its namespace, service account (when it needs a token), workload and endpoint. */
  private addModel(parent: Construct, model: HostedModelSpec, devicePlugin: eks.KubernetesManifest): void {
    const scope = new Construct(parent, model.name);
    const namespace = modelNamespace(model.name);
    const labels = { 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': model.name, 'microplane/model': model.name };
    const namespaceManifest = new eks.KubernetesManifest(scope, 'Namespace', {
      cluster: this.cluster,
      manifest: [
        {
          apiVersion: 'v1',
          kind: 'Namespace',
          // vLLM's image runs as root, so "baseline" rather than "restricted".
          metadata: { name: namespace, labels: { 'microplane/model': model.name, 'pod-security.kubernetes.io/enforce': 'baseline' } },
        },
      ],
    });
    const serviceAccountName = model.huggingFaceTokenSecretName ? this.addTokenReader(scope, model, namespace, namespaceManifest) : undefined;
    const workload = new eks.KubernetesManifest(scope, 'Workload', {
      cluster: this.cluster,
      manifest: modelManifests(model, {
        namespace,
        labels,
        port: this.servicePort,
        serviceAccountName,
        endpointSecurityGroupId: this.endpointSecurityGroup.securityGroupId,
        awsCliImage: this.props.awsCliImage ?? DEFAULT_AWS_CLI_IMAGE,
        region: Stack.of(this).region,
      }),
    });
    workload.node.addDependency(namespaceManifest, devicePlugin);
    // The Service needs the load balancer controller's webhook; the controller's chart waits for its pods.
    if (this.cluster.albController) workload.node.addDependency(this.cluster.albController);
    const address = new eks.KubernetesObjectValue(scope, 'LoadBalancerAddress', {
      cluster: this.cluster,
      objectType: 'service',
      objectName: 'vllm',
      objectNamespace: namespace,
      jsonPath: '.status.loadBalancer.ingress[0].hostname',
      timeout: Duration.minutes(10),
    });
    address.node.addDependency(workload);
    this.endpoints.set(model.name, `http://${address.value}:${this.servicePort}/v1`);
  }

  /** A service account whose role may read only the model's Hugging Face token secret. */
  private addTokenReader(scope: Construct, model: HostedModelSpec, namespace: string, namespaceManifest: eks.KubernetesManifest): string {
    const stack = Stack.of(this);
    const serviceAccount = new eks.ServiceAccount(scope, 'ServiceAccount', { cluster: this.cluster, name: 'vllm', namespace });
    serviceAccount.node.addDependency(namespaceManifest);
    serviceAccount.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadHuggingFaceToken',
        actions: ['secretsmanager:GetSecretValue'],
        // Secrets Manager appends six random characters to a secret's name in its ARN.
        resources: [stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${model.huggingFaceTokenSecretName}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      }),
    );
    serviceAccount.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DecryptThroughSecretsManager',
        actions: ['kms:Decrypt'],
        resources: [stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' })],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.${stack.urlSuffix}` } },
      }),
    );
    Validations.of(serviceAccount).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagArn(stack, 'kms', 'key/*')}]`,
      reason: 'The token secret is the operator\'s and may use any key of the account; kms:Decrypt is allowed only through Secrets Manager (kms:ViaService), so the role can decrypt nothing but secrets it may read.',
    });
    return serviceAccount.serviceAccountName;
  }

  /** Why the handlers and roles that aws-cdk-lib shapes for EKS are accepted as they are. */
  private acknowledgeFindings(): void {
    const stack = Stack.of(this);
    acknowledgeNodeRole(this.nodeRole);
    Validations.of(this.cluster.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSClusterPolicy]',
      reason: 'EKS requires AmazonEKSClusterPolicy on the cluster role; AWS maintains it as the control plane\'s needs change.',
    });
    Validations.of(this.cluster).acknowledge({
      id: 'CloudFormation-Validate::W9009',
      reason: 'aws-eks-v2 writes EncryptionConfig.Resources: [secrets], which the EKS API still requires for envelope encryption of Kubernetes secrets.',
    });
    const provider = this.cluster.node.tryFindChild('KubectlProvider');
    const handler = provider?.node.tryFindChild('Handler');
    if (handler instanceof lambda.Function) explainKubectlHandler(handler);
    const framework = provider?.node.tryFindChild('Provider')?.node.tryFindChild('framework-onEvent');
    if (framework instanceof lambda.Function && handler instanceof lambda.Function) explainProviderFramework(framework, handler);
    if (this.cluster.albController) acknowledgeLoadBalancerController(this.cluster.albController);
    const cfnUtils = stack.node.tryFindChild('AWSCDKCfnUtilsProviderCustomResourceProvider');
    if (cfnUtils) {
      Validations.of(cfnUtils).acknowledge({
        id: 'cdk-validator-cfnguard::microplane_functions_traced_json_logs',
        reason: 'aws-cdk-lib\'s CfnJson handler renders the OIDC conditions of the service-account roles once at deploy; CDK exposes no tracing or log format setting for it.',
      });
    }
    const sdkCalls = Stack.of(this).node.tryFindChild(AWS_CUSTOM_RESOURCE_SINGLETON_ID);
    if (sdkCalls instanceof lambda.Function) explainSdkCallHandler(sdkCalls);
    const defaultGroupCloser = Stack.of(this).node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
    if (defaultGroupCloser) {
      Validations.of(defaultGroupCloser).acknowledge({
        id: 'cdk-validator-cfnguard::microplane_functions_traced_json_logs',
        reason: 'aws-cdk-lib\'s own handler that removes the models VPC default security group\'s rules once at deploy; CDK exposes no tracing or log format setting for it.',
      });
    }
  }
}

/** `model-<name>`: the namespace of one model. */
export function modelNamespace(modelName: string): string {
  return `model-${modelName}`;
}

/** What {@link modelManifests} needs besides the model. */
export interface ModelManifestOptions {
  /** The model's namespace. */
  readonly namespace: string;
  /** Labels of the model's pods, also the Service's selector. */
  readonly labels: Readonly<Record<string, string>>;
  /** The port of vLLM and of the Service. */
  readonly port: number;
  /** The security group of the model's NLB. */
  readonly endpointSecurityGroupId: string;
  /** The AWS CLI image of the token init container. */
  readonly awsCliImage: string;
  /** The region of the token secret. */
  readonly region: string;
  /**
   * The service account whose role reads the Hugging Face token.
   * @default - the namespace's default account, without a token
   */
  readonly serviceAccountName?: string;
}

/** Where the init container writes the Hugging Face token; `HF_TOKEN_PATH` tells vLLM (huggingface_hub) to read it there. */
const TOKEN_DIR = '/var/run/secrets/huggingface';

/** The Deployment, Service, PodDisruptionBudget and HorizontalPodAutoscaler of one model. */
export function modelManifests(model: HostedModelSpec, options: ModelManifestOptions): Record<string, unknown>[] {
  const gpus = model.gpusPerReplica ?? 1;
  const memory = `${model.memoryGiB ?? 12}Gi`;
  const { namespace, labels, port } = options;
  const health = { httpGet: { path: '/health', port: 'http' } };
  const token = options.serviceAccountName !== undefined && model.huggingFaceTokenSecretName !== undefined;
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'vllm', namespace, labels },
    spec: {
      // No replicas: the HorizontalPodAutoscaler owns the count, and a deploy must not reset it.
      selector: { matchLabels: labels },
      // A new replica starts before an old one stops (on a node the Cluster Autoscaler adds if needed).
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels },
        spec: {
          ...(token ? { serviceAccountName: options.serviceAccountName } : { automountServiceAccountToken: false }),
          terminationGracePeriodSeconds: 60,
          nodeSelector: model.nodeGroup ? { [NODE_GROUP_LABEL]: model.nodeGroup } : { [GPU_NODE_LABEL]: 'nvidia' },
          tolerations: [{ key: GPU_TAINT.key, operator: 'Exists', effect: GPU_TAINT.effect }],
          ...(token
            ? {
                initContainers: [
                  {
                    name: 'huggingface-token',
                    image: options.awsCliImage,
                    command: ['sh', '-c', `aws secretsmanager get-secret-value --secret-id "$SECRET_NAME" --query SecretString --output text > ${TOKEN_DIR}/token`],
                    env: [
                      { name: 'SECRET_NAME', value: model.huggingFaceTokenSecretName },
                      { name: 'AWS_REGION', value: options.region },
                    ],
                    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
                    volumeMounts: [{ name: 'huggingface-token', mountPath: TOKEN_DIR }],
                  },
                ],
              }
            : {}),
          containers: [
            {
              name: 'vllm',
              image: model.image,
              command: ['vllm', 'serve'],
              args: [
                model.model,
                '--host',
                '0.0.0.0',
                '--port',
                String(port),
                '--served-model-name',
                model.name,
                '--max-model-len',
                String(model.maxModelLength ?? 8192),
                '--tensor-parallel-size',
                String(gpus),
              ],
              ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
              env: [
                { name: 'HF_HOME', value: '/var/cache/huggingface' },
                // No usage statistics leave the account.
                { name: 'VLLM_NO_USAGE_STATS', value: '1' },
                { name: 'DO_NOT_TRACK', value: '1' },
                ...(token ? [{ name: 'HF_TOKEN_PATH', value: `${TOKEN_DIR}/token` }] : []),
              ],
              resources: {
                requests: { cpu: String(model.cpu ?? 2), memory, 'nvidia.com/gpu': gpus },
                limits: { memory, 'nvidia.com/gpu': gpus },
              },
              // Downloading and loading the weights takes minutes; liveness waits until the server is up.
              startupProbe: { ...health, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 180 },
              readinessProbe: { ...health, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
              livenessProbe: { ...health, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              volumeMounts: [
                { name: 'model-cache', mountPath: '/var/cache/huggingface' },
                // Tensor parallelism shares memory between worker processes.
                { name: 'shm', mountPath: '/dev/shm' },
                ...(token ? [{ name: 'huggingface-token', mountPath: TOKEN_DIR, readOnly: true }] : []),
              ],
            },
          ],
          volumes: [
            { name: 'model-cache', emptyDir: {} },
            { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '2Gi' } },
            ...(token ? [{ name: 'huggingface-token', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }] : []),
          ],
        },
      },
    },
  };
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'vllm',
      namespace,
      labels,
      annotations: {
        'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal',
        'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
        'service.beta.kubernetes.io/aws-load-balancer-security-groups': options.endpointSecurityGroupId,
        // The rule from the NLB's group to the pods is in the stack (ModelHosting.createEndpointSecurityGroups).
        'service.beta.kubernetes.io/aws-load-balancer-manage-backend-security-group-rules': 'false',
        'service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol': 'http',
        'service.beta.kubernetes.io/aws-load-balancer-healthcheck-path': '/health',
        'service.beta.kubernetes.io/aws-load-balancer-healthcheck-port': 'traffic-port',
        'service.beta.kubernetes.io/aws-load-balancer-attributes': 'load_balancing.cross_zone.enabled=true',
      },
    },
    spec: {
      type: 'LoadBalancer',
      loadBalancerClass: 'service.k8s.aws/nlb',
      selector: labels,
      ports: [{ name: 'http', port, targetPort: 'http', protocol: 'TCP' }],
    },
  };
  const disruptionBudget = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'vllm', namespace, labels },
    // One replica at a time may be evicted (node drains, scale-down): a single replica still moves.
    spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
  };
  const autoscaler = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'vllm', namespace, labels },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'vllm' },
      minReplicas: model.minReplicas ?? 1,
      maxReplicas: model.maxReplicas ?? 2,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: model.targetCpuUtilization ?? 70 } } }],
      // A GPU replica takes minutes to start: scale down only after ten quiet minutes.
      behavior: { scaleDown: { stabilizationWindowSeconds: 600, policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }] } },
    },
  };
  return [deployment, service, disruptionBudget, autoscaler];
}

/** Prop checks a platform engineer can act on, before any resource exists. */
function validate(props: ModelHostingProps): void {
  const where = `ModelHosting ${props.clusterName}`;
  if (Token.isUnresolved(props.clusterName) || !/^[A-Za-z][A-Za-z0-9-]{0,99}$/.test(props.clusterName)) {
    throw new Error(`${where}: clusterName must be a literal of letters, digits and hyphens (it names the cluster, its log group and autoscaler tags)`);
  }
  if (props.availabilityZones !== undefined && props.availabilityZones.length < 2) {
    throw new Error(`${where}: availabilityZones needs at least 2 zones (EKS spans two), got ${props.availabilityZones.length}: ${props.availabilityZones.join(', ')}`);
  }
  const cidr = props.vpcCidr ?? '10.64.0.0/16';
  const prefix = Number(cidr.split('/')[1]);
  if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(cidr) || prefix < 16 || prefix > 20) throw new Error(`${where}: vpcCidr must be an IPv4 CIDR block from /16 to /20, got ${cidr}`);
  const groupNames = props.nodeGroups.map((group) => group.name);
  for (const group of props.nodeGroups) {
    const unknown = group.instanceTypes.filter((type) => !(type in GPU_INSTANCE_TYPES));
    if (unknown.length > 0) throw new Error(`${where}: node group ${group.name} lists instance types that are not known GPU types: ${unknown.join(', ')}`);
    if (group.instanceTypes.length === 0) throw new Error(`${where}: node group ${group.name} lists no instance type`);
  }
  const duplicate = (names: string[]) => names.find((name, index) => names.indexOf(name) !== index);
  const duplicateGroup = duplicate([SYSTEM_NODE_GROUP, ...groupNames]);
  if (duplicateGroup) throw new Error(`${where}: node group name "${duplicateGroup}" is used twice (or is the reserved "${SYSTEM_NODE_GROUP}")`);
  const duplicateModel = duplicate(props.models.map((model) => model.name));
  if (duplicateModel) throw new Error(`${where}: model name "${duplicateModel}" is used twice`);
  for (const model of props.models) {
    if (model.nodeGroup !== undefined && !groupNames.includes(model.nodeGroup)) {
      throw new Error(`${where}: model ${model.name} names node group "${model.nodeGroup}", which does not exist (node groups: ${groupNames.join(', ') || 'none'})`);
    }
  }
}

/** The construct id aws-cdk-lib gives the singleton handler of every AwsCustomResource in a stack. */
const AWS_CUSTOM_RESOURCE_SINGLETON_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

function acknowledgeNodeRole(role: iam.Role): void {
  for (const policy of ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryReadOnly']) {
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policy}]`,
      reason: `EKS requires ${policy} on the node role of managed node groups (joining the cluster, VPC CNI addresses, image pulls); AWS maintains it as the EKS APIs change.`,
    });
  }
}

/** aws-cdk-lib's kubectl handler (Python) applies manifests and Helm charts from the cluster's VPC while the stack deploys. */
function explainKubectlHandler(handler: lambda.Function): void {
  const why = 'aws-cdk-lib\'s kubectl handler runs only while the models stack deploys, to apply manifests and Helm charts through the private API endpoint';
  (handler.node.defaultChild as lambda.CfnFunction).addMetadata(CONCURRENCY_REASON_METADATA, `${why}, so reserving concurrency would only take quota from the APIs.`);
  Validations.of(handler).acknowledge(
    { id: 'cdk-validator-cfnguard::microplane_functions_traced_json_logs', reason: `${why}; aws-cdk-lib offers no tracing or log format option for it.` },
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'aws-cdk-lib gives its kubectl handler the basic execution policy: it writes only its own logs.',
    },
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      reason: 'The kubectl handler runs in the cluster\'s private subnets (the API endpoint is private), which needs network interfaces in the VPC.',
    },
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly]',
      reason: 'aws-cdk-lib lets its kubectl handler read container registries (Helm charts stored as OCI artifacts); it pushes nothing.',
    },
  );
  Validations.of(handler).acknowledge({
    id: 'AwsSolutions-L1',
    reason: 'aws-cdk-lib chooses the Python runtime of its kubectl handler (the newest it supports); the handler is replaced with aws-cdk-lib upgrades.',
  });
  const ecrPublic = handler.node.tryFindChild('HasEcrPublic');
  if (ecrPublic instanceof CfnCondition) {
    const condition = Stack.of(handler).getLogicalId(ecrPublic);
    Validations.of(handler).acknowledge({
      id: `AwsSolutions-IAM4[Policy::{"Fn::If":["${condition}",{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::aws:policy/AmazonElasticContainerRegistryPublicReadOnly"]]},{"Ref":"AWS::NoValue"}]}]`,
      reason: 'aws-cdk-lib lets its kubectl handler read ECR Public (Helm charts stored as OCI artifacts) in the aws partition; it pushes nothing.',
    });
  }
  acknowledgeComplianceRule(handler, 'LambdaDLQ', `${why}: a failure fails the deployment, which is the report.`);
  acknowledgeComplianceRule(handler, 'LambdaConcurrency', `${why}.`);
}

/** The provider framework's relay in front of the kubectl handler, shaped by aws-cdk-lib. */
function explainProviderFramework(framework: lambda.Function, handler: lambda.Function): void {
  const why = 'The CDK provider framework relay of the kubectl handler runs only while the models stack deploys and waits for the handler\'s answer';
  Validations.of(framework).acknowledge(
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The CDK provider framework gives its relay the basic execution policy: it writes only its own logs.',
    },
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      reason: 'The relay runs in the cluster\'s private subnets beside the kubectl handler, which needs network interfaces in the VPC.',
    },
    {
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(handler).getLogicalId(handler.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      reason: 'The provider framework may invoke every version of the kubectl handler, which is all this wildcard covers.',
    },
    { id: 'cdk-validator-cfnguard::microplane_functions_traced_json_logs', reason: `${why}; aws-cdk-lib offers no tracing or log format option for it.` },
  );
  acknowledgeComplianceRule(framework, 'LambdaDLQ', `${why}: a failure fails the deployment, which is the report.`);
  acknowledgeComplianceRule(framework, 'LambdaConcurrency', `${why}.`);
}

/** The wildcards of the AWS Load Balancer Controller's policy, which aws-cdk-lib ships for the controller version. */
const LOAD_BALANCER_CONTROLLER_WILDCARDS = [
  '*',
  'arn:<AWS::Partition>:ec2:*:*:security-group/*',
  'arn:<AWS::Partition>:elasticloadbalancing:*:*:loadbalancer/app/*/*',
  'arn:<AWS::Partition>:elasticloadbalancing:*:*:loadbalancer/net/*/*',
  'arn:<AWS::Partition>:elasticloadbalancing:*:*:targetgroup/*/*',
  'arn:<AWS::Partition>:elasticloadbalancing:*:*:listener/app/*/*/*',
  'arn:<AWS::Partition>:elasticloadbalancing:*:*:listener/net/*/*/*',
  'arn:<AWS::Partition>:elasticloadbalancing:*:*:listener-rule/app/*/*/*',
  'arn:<AWS::Partition>:elasticloadbalancing:*:*:listener-rule/net/*/*/*',
];

function acknowledgeLoadBalancerController(controller: Construct): void {
  for (const resource of LOAD_BALANCER_CONTROLLER_WILDCARDS) {
    Validations.of(controller).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${resource}]`,
      reason:
        'The AWS Load Balancer Controller\'s published IAM policy (shipped by aws-cdk-lib for v3.2.2): it creates load balancers, target groups and security groups under generated names, and its mutating actions are conditioned on the elbv2.k8s.aws/cluster tag it puts on what it creates.',
    });
  }
}

/** aws-cdk-lib runs every AwsCustomResource of a stack on one singleton function it shapes itself. */
function explainSdkCallHandler(handler: lambda.Function): void {
  const why = 'aws-cdk-lib\'s AwsCustomResource handler runs only while the models stack deploys, to tag each GPU node group\'s Auto Scaling group';
  (handler.node.defaultChild as lambda.CfnFunction).addMetadata(CONCURRENCY_REASON_METADATA, `${why}, so reserving concurrency would only take quota from the APIs.`);
  Validations.of(handler).acknowledge(
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'aws-cdk-lib gives its AwsCustomResource handler the basic execution policy: it writes only its own logs.',
    },
    { id: 'cdk-validator-cfnguard::microplane_functions_traced_json_logs', reason: `${why}; aws-cdk-lib offers no tracing or log format option for it.` },
  );
  acknowledgeComplianceRule(handler, 'LambdaDLQ', `${why}: a failure fails the deployment, which is the report.`);
  acknowledgeComplianceRule(handler, 'LambdaInsideVPC', `${why}; it calls only the EKS and Auto Scaling control planes, never a resource inside a VPC.`);
  acknowledgeComplianceRule(handler, 'LambdaConcurrency', `${why}.`);
}
