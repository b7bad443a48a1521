import { Annotations, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as aoss from 'aws-cdk-lib/aws-opensearchserverless';
import { Construct } from 'constructs';

/** How many availability zones the data subnets span; Aurora needs at least two. */
export const DATA_SUBNET_COUNT = 2;

/** Properties of {@link PlatformNetwork}. */
export interface PlatformNetworkProps {
  /**
   * How long VPC flow logs are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly flowLogRetention?: logs.RetentionDays;
  /**
   * What happens to the flow log group when removed.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The availability zones of the data subnets; the first {@link DATA_SUBNET_COUNT} are used. Required
   * in practice for a stack pinned to an account and region: without it the VPC looks the zones up,
   * so `cdk synth` needs AWS credentials.
   * @default - the first {@link DATA_SUBNET_COUNT} zones of the stack's region (a lookup when the stack is pinned)
   */
  readonly availabilityZones?: readonly string[];
}

/**
 * The VPC the databases live in: isolated subnets only, no internet gateway and no NAT, so nothing in
 * it can reach or be reached from the internet and it costs nothing when idle. Functions reach the
 * databases through the RDS Data API, which needs no network path into the VPC. Functions that must run
 * inside it (the documents functions, whose collections admit only the OpenSearch Serverless endpoint)
 * reach AWS APIs through interface endpoints created on demand ({@link serviceEndpoint}), which are
 * billed per hour and zone. Flow logs record every connection attempt.
 */
export class PlatformNetwork extends Construct {
  /** The VPC. */
  public readonly vpc: ec2.Vpc;
  private readonly serviceEndpoints = new Map<string, ec2.InterfaceVpcEndpoint>();
  private vectorSearch?: VectorSearchEndpoint;

  constructor(scope: Construct, id: string, props: PlatformNetworkProps = {}) {
    super(scope, id);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ...zoneSelection(props.availabilityZones),
      natGateways: 0,
      subnetConfiguration: [{ name: 'Data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      // Nothing uses the default group; closing it means a resource placed in the VPC without a group
      // of its own gets no network access by accident.
      restrictDefaultSecurityGroup: true,
    });
    this.acknowledgeDefaultGroupHandler();
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.flowLogRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.vpc.addFlowLog('FlowLog', { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs) });
  }

  /** The CDK custom resource that closes the default group runs a handler CDK fixes; say why its shape is accepted. */
  private acknowledgeDefaultGroupHandler(): void {
    const provider = Stack.of(this).node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
    if (!provider) return;
    Validations.of(provider).acknowledge({
      id: 'cdk-validator-cfnguard::microplane_functions_traced_json_logs',
      reason: 'aws-cdk-lib\'s own handler that removes the default security group\'s rules once at deploy; CDK exposes no tracing or log format setting for it.',
    });
  }

  /** The ids of the isolated data subnets, one per availability zone. */
  public get dataSubnetIds(): string[] {
    return this.vpc.isolatedSubnets.map((subnet) => subnet.subnetId);
  }

  /**
   * The interface endpoint of an AWS service in the data subnets, created on first use (a VPC can
   * resolve a service's private DNS name through one endpoint only). It admits nobody until a caller
   * is allowed with `endpoint.connections.allowDefaultPortFrom(…)`. Each costs an hourly fee per zone.
   */
  public serviceEndpoint(service: ec2.InterfaceVpcEndpointAwsService): ec2.InterfaceVpcEndpoint {
    const existing = this.serviceEndpoints.get(service.shortName);
    if (existing) return existing;
    const endpoint = this.vpc.addInterfaceEndpoint(`${pascalCase(service.shortName)}Endpoint`, {
      service,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      privateDnsEnabled: true,
      open: false,
    });
    this.serviceEndpoints.set(service.shortName, endpoint);
    return endpoint;
  }

  /**
   * The OpenSearch Serverless VPC endpoint in the data subnets: the only network path to the
   * environment's collections (their network policies admit nothing else). Created on first use; it
   * admits nobody until a caller is allowed with `connections.allowDefaultPortFrom(…)`.
   * @param name the endpoint's name, 3 to 32 lowercase letters, digits or hyphens, unique in the region
   */
  public vectorSearchEndpoint(name: string): VectorSearchEndpoint {
    if (this.vectorSearch) {
      if (this.vectorSearch.name !== name) throw new Error(`PlatformNetwork ${this.node.path} already has the vector search endpoint "${this.vectorSearch.name}"`);
      return this.vectorSearch;
    }
    const securityGroup = new ec2.SecurityGroup(this, 'VectorSearchEndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'OpenSearch Serverless VPC endpoint: HTTPS from the functions allowed in, nothing else',
      allowAllOutbound: false,
    });
    const endpoint = new aoss.CfnVpcEndpoint(this, 'VectorSearchEndpoint', {
      name,
      vpcId: this.vpc.vpcId,
      subnetIds: this.dataSubnetIds,
      securityGroupIds: [securityGroup.securityGroupId],
    });
    this.vectorSearch = {
      name,
      endpointId: endpoint.attrId,
      connections: new ec2.Connections({ securityGroups: [securityGroup], defaultPort: ec2.Port.tcp(443) }),
    };
    return this.vectorSearch;
  }
}

/** The OpenSearch Serverless VPC endpoint of the data network. */
export interface VectorSearchEndpoint extends ec2.IConnectable {
  /** The endpoint's name. */
  readonly name: string;
  /** The endpoint id (`vpce-…`), which collection network policies name in `SourceVPCEs`. */
  readonly endpointId: string;
}

/** `bedrock-runtime` → `BedrockRuntime`, for construct ids. */
function pascalCase(text: string): string {
  return text
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join('');
}

/** Explicit zones when given (so no lookup happens), otherwise the first {@link DATA_SUBNET_COUNT} of the region. */
function zoneSelection(zones: readonly string[] | undefined): Pick<ec2.VpcProps, 'maxAzs' | 'availabilityZones'> {
  if (zones === undefined) return { maxAzs: DATA_SUBNET_COUNT };
  if (zones.length < DATA_SUBNET_COUNT) {
    throw new Error(`PlatformNetwork: availabilityZones needs at least ${DATA_SUBNET_COUNT} zones (Aurora spans two), got ${zones.length}: ${zones.join(', ')}`);
  }
  return { availabilityZones: zones.slice(0, DATA_SUBNET_COUNT) };
}

/** Values another stack needs to place a database in the platform's data subnets. */
export interface DataNetworkReference {
  /** The VPC id. */
  readonly vpcId: string;
  /** The isolated data subnet ids, {@link DATA_SUBNET_COUNT} of them. */
  readonly dataSubnetIds: readonly string[];
}

/** The platform VPC imported into another stack from deploy-time values (for example SSM parameters). */
export function importDataNetwork(scope: Construct, id: string, reference: DataNetworkReference): ec2.IVpc {
  if (reference.dataSubnetIds.length !== DATA_SUBNET_COUNT) {
    throw new Error(`importDataNetwork: expected ${DATA_SUBNET_COUNT} data subnet ids, got ${reference.dataSubnetIds.length}`);
  }
  const vpc = ec2.Vpc.fromVpcAttributes(scope, id, {
    vpcId: reference.vpcId,
    availabilityZones: Array.from({ length: DATA_SUBNET_COUNT }, (_, i) => Fn.select(i, Fn.getAzs())),
    isolatedSubnetIds: [...reference.dataSubnetIds],
  });
  // Databases need only subnet ids; nothing here routes, so the missing route tables are irrelevant.
  Annotations.of(vpc).acknowledgeWarning('@aws-cdk/aws-ec2:noSubnetRouteTableId', 'Databases need only subnet ids; nothing routes.');
  return vpc;
}
