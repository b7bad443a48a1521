import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { GpuNodeGroupSpec, HostedModelSpec, MODEL_SERVICE_PORT, ModelHosting, ModelHostingProps } from '../../lib/constructs/model-hosting';
import { joinedJson } from '../support/platform';

const PINNED = { account: '111111111111', region: 'eu-west-1' };
const ZONES = ['eu-west-1a', 'eu-west-1b'];
/** What the models stack sets from the environment's zones (and `cdk.context.json` would record): the pinned region's zones. */
const ZONES_CONTEXT = { 'availability-zones:account=111111111111:region=eu-west-1': ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] };

const L4: GpuNodeGroupSpec = { name: 'l4', instanceTypes: ['g6.xlarge'], maxSize: 4, diskSizeGb: 200 };
const LLAMA: HostedModelSpec = {
  name: 'llama-8b',
  model: 'meta-llama/Llama-3.1-8B-Instruct',
  image: 'vllm/vllm-openai:v0.33.0',
  gpusPerReplica: 1,
  minReplicas: 1,
  maxReplicas: 3,
  maxModelLength: 8192,
  nodeGroup: 'l4',
};

/** A pinned stack with a ModelHosting built from `overrides`. */
function hostingStack(overrides: Partial<ModelHostingProps> = {}) {
  const app = new App({ context: ZONES_CONTEXT });
  const stack = new Stack(app, 'Models', { env: PINNED });
  const hosting = new ModelHosting(stack, 'ModelHosting', {
    clusterName: 'microplane-test-models',
    availabilityZones: ZONES,
    nodeGroups: [L4],
    models: [LLAMA],
    ...overrides,
  });
  return { app, stack, hosting, template: Template.fromStack(stack) };
}

type K8sObject = { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: any };

/** Every Kubernetes object the stack applies through kubectl, tokens replaced by `<token>`. */
function kubernetesObjects(template: Template): K8sObject[] {
  return Object.values(template.findResources('Custom::AWSCDK-EKS-KubernetesResource')).flatMap((resource) => {
    const manifest = resource.Properties.Manifest;
    return (typeof manifest === 'string' ? JSON.parse(manifest) : joinedJson(manifest, '<token>')) as K8sObject[];
  });
}

function objectOf(objects: K8sObject[], kind: string, namespace?: string): K8sObject {
  const found = objects.filter((object) => object.kind === kind && (namespace === undefined || object.metadata.namespace === namespace));
  expect(found).toHaveLength(1);
  return found[0];
}

const { template, hosting, app } = hostingStack();
const objects = kubernetesObjects(template);

describe('the cluster', () => {
  test('runs the configured Kubernetes version with a private API endpoint only', () => {
    template.hasResourceProperties('AWS::EKS::Cluster', {
      Name: 'microplane-test-models',
      Version: '1.36',
      ResourcesVpcConfig: Match.objectLike({ EndpointPrivateAccess: true, EndpointPublicAccess: false }),
    });
  });

  test('sends every control-plane log type to a log group created beforehand with a retention', () => {
    template.hasResourceProperties('AWS::EKS::Cluster', {
      Logging: { ClusterLogging: { EnabledTypes: [{ Type: 'api' }, { Type: 'audit' }, { Type: 'authenticator' }, { Type: 'controllerManager' }, { Type: 'scheduler' }] } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/eks/microplane-test-models/cluster', RetentionInDays: 365 });
    const [cluster] = Object.values(template.findResources('AWS::EKS::Cluster'));
    expect(cluster.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^ModelHostingControlPlaneLogs/)]));
  });

  test('envelope-encrypts Kubernetes secrets with a rotating customer-managed key', () => {
    template.hasResourceProperties('AWS::EKS::Cluster', {
      EncryptionConfig: [{ Provider: { KeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ModelHostingSecretsKey'), 'Arn'] } }, Resources: ['secrets'] }],
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, PendingWindowInDays: 30 });
  });

  test('uses access entries only and gives the deploying role no admin right', () => {
    template.hasResourceProperties('AWS::EKS::Cluster', {
      AccessConfig: { AuthenticationMode: 'API', BootstrapClusterCreatorAdminPermissions: false },
      ComputeConfig: { Enabled: false },
    });
    // The kubectl provider is the one admin unless the config names roles.
    template.resourceCountIs('AWS::EKS::AccessEntry', 1);
  });

  test('gives the roles the config names cluster-admin access entries', () => {
    const { template: withAdmins } = hostingStack({ clusterAdminRoleArns: ['arn:aws:iam::111111111111:role/eks-operator'] });
    withAdmins.hasResourceProperties('AWS::EKS::AccessEntry', {
      PrincipalArn: 'arn:aws:iam::111111111111:role/eks-operator',
      AccessPolicies: [Match.objectLike({ AccessScope: { Type: 'cluster' } })],
    });
  });
});

describe('the network', () => {
  test('has private subnets with a NAT gateway in each configured zone, and public subnets that map no public addresses', () => {
    const subnets = Object.values(template.findResources('AWS::EC2::Subnet')).map((subnet) => subnet.Properties);
    expect(subnets.map((subnet) => subnet.AvailabilityZone).sort()).toEqual(['eu-west-1a', 'eu-west-1a', 'eu-west-1b', 'eu-west-1b']);
    for (const subnet of subnets) expect(subnet.MapPublicIpOnLaunch).toBe(false);
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.64.0.0/16', EnableDnsHostnames: true, EnableDnsSupport: true });
    expect(hosting.privateSubnetIds).toHaveLength(2);
  });

  test('logs its flows to a log group with a retention', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', LogDestinationType: 'cloud-watch-logs' });
  });

  test('needs no availability-zone lookup in a pinned stack given its zones', () => {
    expect(app.synth().manifest.missing ?? []).toEqual([]);
  });

  test('admits callers only through the client group, on the service port, to the load balancers and from them to the pods', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ModelHostingEndpointSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ModelHostingClientSecurityGroup'), 'GroupId'] },
      IpProtocol: 'tcp',
      FromPort: MODEL_SERVICE_PORT,
      ToPort: MODEL_SERVICE_PORT,
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ModelHostingCluster'), 'ClusterSecurityGroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ModelHostingEndpointSecurityGroup'), 'GroupId'] },
      FromPort: MODEL_SERVICE_PORT,
      ToPort: MODEL_SERVICE_PORT,
    });
    const endpointGroup = Object.values(template.findResources('AWS::EC2::SecurityGroup')).find((group) => String(group.Properties.GroupDescription).startsWith('Internal load balancers'));
    expect(endpointGroup?.Properties.SecurityGroupIngress).toBeUndefined();
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((rule) => rule.Properties);
    expect(ingress.filter((rule) => rule.CidrIp !== undefined)).toEqual([]);
  });
});

describe('the GPU node group', () => {
  const gpuGroup = () => {
    const groups = Object.values(template.findResources('AWS::EKS::Nodegroup', { Properties: { AmiType: 'AL2023_x86_64_NVIDIA' } }));
    expect(groups).toHaveLength(1);
    return groups[0].Properties;
  };

  test('runs the AL2023 NVIDIA AMI on the configured instance types', () => {
    expect(gpuGroup()).toMatchObject({ AmiType: 'AL2023_x86_64_NVIDIA', InstanceTypes: ['g6.xlarge'] });
  });

  test('is tainted nvidia.com/gpu=true:NoSchedule and labelled with its name and accelerator', () => {
    expect(gpuGroup().Taints).toEqual([{ Key: 'nvidia.com/gpu', Value: 'true', Effect: 'NO_SCHEDULE' }]);
    expect(gpuGroup().Labels).toEqual({ 'microplane/node-group': 'l4', 'microplane/gpu': 'nvidia', 'k8s.amazonaws.com/accelerator': 'nvidia-l4' });
  });

  test('scales from zero to its maximum', () => {
    expect(gpuGroup().ScalingConfig).toEqual({ MinSize: 0, DesiredSize: 0, MaxSize: 4 });
  });

  test('carries the Cluster Autoscaler discovery and node-template tags for scaling up from zero', () => {
    expect(gpuGroup().Tags).toMatchObject({
      'k8s.io/cluster-autoscaler/enabled': 'true',
      'k8s.io/cluster-autoscaler/microplane-test-models': 'owned',
      'k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu': '1',
      'k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu': 'true:NoSchedule',
      'k8s.io/cluster-autoscaler/node-template/label/microplane/node-group': 'l4',
      'k8s.io/cluster-autoscaler/node-template/label/k8s.amazonaws.com/accelerator': 'nvidia-l4',
    });
  });

  test('copies the node-template tags to its Auto Scaling group, which EKS does not do', () => {
    const [describe] = Object.values(template.findResources('Custom::MicroplaneNodegroupAutoScalingGroup'));
    expect(JSON.stringify(describe.Properties.Create)).toContain('"service\\":\\"EKS\\",\\"action\\":\\"describeNodegroup\\"');
    const [tags] = Object.values(template.findResources('Custom::MicroplaneAutoScalingGroupTags'));
    const create = JSON.stringify(tags.Properties.Create);
    expect(create).toContain('createOrUpdateTags');
    expect(create).toContain('k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu');
    expect(create).toContain('true:NoSchedule');
  });

  test('boots from an encrypted gp3 volume of the configured size and answers only IMDSv2 with one hop', () => {
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: Match.objectLike({ Encrypted: true, VolumeSize: 200, VolumeType: 'gp3' }) }],
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
      }),
    });
  });
});

describe('the system node group', () => {
  test('runs standard AL2023 nodes, at least one, untainted, for the controllers', () => {
    const [group] = Object.values(template.findResources('AWS::EKS::Nodegroup', { Properties: { AmiType: 'AL2023_x86_64_STANDARD' } }));
    expect(group.Properties).toMatchObject({ InstanceTypes: ['m6i.large'], ScalingConfig: { MinSize: 2, MaxSize: 3 }, Labels: { 'microplane/node-group': 'system' } });
    expect(group.Properties.Taints).toBeUndefined();
  });
});

describe('the add-ons', () => {
  test('the NVIDIA device plugin runs as a DaemonSet on GPU nodes only, tolerating their taint', () => {
    const plugin = objectOf(objects, 'DaemonSet', 'kube-system');
    expect(plugin.metadata.name).toBe('nvidia-device-plugin-daemonset');
    expect(plugin.spec.template.spec.nodeSelector).toEqual({ 'microplane/gpu': 'nvidia' });
    expect(plugin.spec.template.spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(plugin.spec.template.spec.containers[0].image).toMatch(/^nvcr\.io\/nvidia\/k8s-device-plugin:v\d+\.\d+\.\d+$/);
  });

  test('the Cluster Autoscaler runs from its Helm chart on the system nodes, discovering this cluster\'s groups, in the cluster\'s minor version', () => {
    const [chart] = Object.values(template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'cluster-autoscaler' } }));
    expect(chart.Properties).toMatchObject({ Repository: 'https://kubernetes.github.io/autoscaler', Namespace: 'kube-system', Version: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
    const values = typeof chart.Properties.Values === 'string' ? JSON.parse(chart.Properties.Values) : joinedJson(chart.Properties.Values, '<token>');
    expect(values).toMatchObject({
      cloudProvider: 'aws',
      awsRegion: 'eu-west-1',
      autoDiscovery: { clusterName: 'microplane-test-models' },
      image: { tag: expect.stringMatching(/^v1\.36\./) },
      rbac: { serviceAccount: { create: false, name: 'cluster-autoscaler' } },
      nodeSelector: { 'microplane/node-group': 'system' },
    });
  });

  test('the Cluster Autoscaler\'s role may change only Auto Scaling groups tagged as this cluster\'s', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
            Condition: { StringEquals: { 'aws:ResourceTag/k8s.io/cluster-autoscaler/microplane-test-models': 'owned' } },
          }),
        ]),
      },
    });
  });

  test('the AWS Load Balancer Controller and metrics-server are installed', () => {
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', { Chart: 'aws-load-balancer-controller' });
    template.hasResourceProperties('AWS::EKS::Addon', { AddonName: 'metrics-server' });
  });
});

describe('a hosted model', () => {
  const namespace = 'model-llama-8b';

  test('has a namespace of its own under the baseline pod security standard', () => {
    const ns = objects.find((object) => object.kind === 'Namespace' && object.metadata.name === namespace);
    expect(ns?.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'baseline' });
  });

  test('is a vLLM Deployment requesting the configured GPUs, tolerating the GPU taint on its node group', () => {
    const deployment = objectOf(objects, 'Deployment', namespace);
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(container.image).toBe('vllm/vllm-openai:v0.33.0');
    expect(container.resources.requests['nvidia.com/gpu']).toBe(1);
    expect(container.resources.limits['nvidia.com/gpu']).toBe(1);
    expect(container.args).toEqual(expect.arrayContaining(['meta-llama/Llama-3.1-8B-Instruct', '--served-model-name', 'llama-8b', '--max-model-len', '8192', '--tensor-parallel-size', '1']));
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod.nodeSelector).toEqual({ 'microplane/node-group': 'l4' });
    // The autoscaler owns the replica count.
    expect(deployment.spec.replicas).toBeUndefined();
  });

  test('is probed for readiness and liveness on vLLM\'s /health, after a startup probe long enough to load the weights', () => {
    const container = objectOf(objects, 'Deployment', namespace).spec.template.spec.containers[0];
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      expect(container[probe].httpGet).toEqual({ path: '/health', port: 'http' });
    }
    expect(container.startupProbe.periodSeconds * container.startupProbe.failureThreshold).toBeGreaterThanOrEqual(15 * 60);
  });

  test('sends no usage statistics out of the account', () => {
    const env = objectOf(objects, 'Deployment', namespace).spec.template.spec.containers[0].env;
    expect(env).toEqual(expect.arrayContaining([{ name: 'VLLM_NO_USAGE_STATS', value: '1' }, { name: 'DO_NOT_TRACK', value: '1' }]));
  });

  test('keeps replicas available through disruptions with a PodDisruptionBudget', () => {
    const budget = objectOf(objects, 'PodDisruptionBudget', namespace);
    expect(budget.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: objectOf(objects, 'Deployment', namespace).spec.selector.matchLabels } });
  });

  test('scales between the configured replicas with a HorizontalPodAutoscaler', () => {
    const autoscaler = objectOf(objects, 'HorizontalPodAutoscaler', namespace);
    expect(autoscaler.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'vllm' },
      minReplicas: 1,
      maxReplicas: 3,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    });
  });

  test('is reachable through an internal NLB on port 8000 whose only security group is the endpoint group', () => {
    const service = objectOf(objects, 'Service', namespace);
    expect(service.spec).toMatchObject({ type: 'LoadBalancer', loadBalancerClass: 'service.k8s.aws/nlb', ports: [{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' }] });
    expect(service.metadata.annotations).toMatchObject({
      'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal',
      'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
      'service.beta.kubernetes.io/aws-load-balancer-security-groups': '<token>',
      'service.beta.kubernetes.io/aws-load-balancer-healthcheck-path': '/health',
    });
    expect(JSON.stringify(service)).not.toContain('internet-facing');
  });

  test('publishes its OpenAI-compatible URL, built from the load balancer\'s hostname', () => {
    template.hasResourceProperties('Custom::AWSCDK-EKS-KubernetesObjectValue', {
      ObjectType: 'service',
      ObjectName: 'vllm',
      ObjectNamespace: namespace,
      JsonPath: '.status.loadBalancer.ingress[0].hostname',
    });
    const stack = Stack.of(hosting);
    const endpoints = stack.resolve(hosting.endpointsJson);
    expect(JSON.stringify(endpoints)).toContain('{\\"llama-8b\\":\\"http://');
    expect(JSON.stringify(endpoints)).toContain(':8000/v1\\"}');
    expect(() => hosting.endpointUrl('mistral')).toThrow(/hosts no model "mistral" \(hosted: llama-8b\)/);
  });

  test('runs without a service account token or init container when it needs no Hugging Face token', () => {
    const pod = objectOf(objects, 'Deployment', namespace).spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.initContainers).toBeUndefined();
  });
});

describe('a gated model', () => {
  const { template: gated } = hostingStack({ models: [{ ...LLAMA, huggingFaceTokenSecretName: 'microplane/test/huggingface-token' }] });
  const pod = objectOf(kubernetesObjects(gated), 'Deployment', 'model-llama-8b').spec.template.spec;

  test('reads its Hugging Face token from the named secret into memory before vLLM starts', () => {
    expect(pod.serviceAccountName).toBe('vllm');
    expect(pod.initContainers[0].env).toEqual(expect.arrayContaining([{ name: 'SECRET_NAME', value: 'microplane/test/huggingface-token' }]));
    expect(pod.containers[0].env).toEqual(expect.arrayContaining([{ name: 'HF_TOKEN_PATH', value: '/var/run/secrets/huggingface/token' }]));
    expect(pod.volumes).toEqual(expect.arrayContaining([{ name: 'huggingface-token', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }]));
  });

  test('runs as a service account whose role may read only that secret', () => {
    gated.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'secretsmanager:GetSecretValue',
            Resource: { 'Fn::Join': ['', Match.arrayWith([':secretsmanager:eu-west-1:111111111111:secret:microplane/test/huggingface-token-??????'])] },
          }),
        ]),
      },
    });
  });
});

describe('props a platform engineer gets wrong', () => {
  test('a model on a node group that does not exist is refused, naming the groups', () => {
    expect(() => hostingStack({ models: [{ ...LLAMA, nodeGroup: 'a100' }] })).toThrow(/model llama-8b names node group "a100", which does not exist \(node groups: l4\)/);
  });

  test('a node group of a type that is not a known GPU type is refused', () => {
    expect(() => hostingStack({ nodeGroups: [{ ...L4, instanceTypes: ['m6i.xlarge'] }] })).toThrow(/not known GPU types: m6i\.xlarge/);
  });

  test('two models of the same name are refused', () => {
    expect(() => hostingStack({ models: [LLAMA, LLAMA] })).toThrow(/model name "llama-8b" is used twice/);
  });

  test('a node group named like the system group is refused', () => {
    expect(() => hostingStack({ nodeGroups: [{ ...L4, name: 'system' }], models: [{ ...LLAMA, nodeGroup: 'system' }] })).toThrow(/"system" is used twice \(or is the reserved "system"\)/);
  });

  test('a single zone is refused', () => {
    expect(() => hostingStack({ availabilityZones: ['eu-west-1a'] })).toThrow(/availabilityZones needs at least 2 zones/);
  });
});
