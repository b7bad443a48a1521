import { z } from 'zod';
import { allowed } from './errors';

/**
 * The `modelHosting` section of an environment file: private models served by vLLM on an EKS cluster
 * with GPU node groups (lib/constructs/model-hosting.ts). Off unless an environment turns it on.
 *
 * Kept in its own file because it has its own tables (GPU instance types, Kubernetes versions); it
 * imports nothing from schema.ts, which imports it.
 */

/** Lowercase DNS label: starts with a letter, ends with a letter or digit, no double hyphen. */
const DNS_LABEL = /^[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$/;

/**
 * The Kubernetes versions a cluster may run. Each needs a kubectl layer within one minor version
 * (lib/constructs/model-hosting.ts ships `@aws-cdk/lambda-layer-kubectl-v36`), and an EKS release.
 */
export const KUBERNETES_VERSIONS = ['1.35', '1.36'] as const;

/** A Kubernetes version a model-hosting cluster may run. */
export type KubernetesVersionName = (typeof KUBERNETES_VERSIONS)[number];

/** A GPU instance type: how many NVIDIA GPUs it has, which ones, and the memory of each. */
export interface GpuInstanceType {
  /** GPUs per instance. */
  readonly gpus: number;
  /** The GPU model, as the `k8s.amazonaws.com/accelerator` node label names it. */
  readonly accelerator: string;
  /** Memory of one GPU, in GiB. */
  readonly gpuMemoryGiB: number;
}

function family(sizes: Readonly<Record<string, number>>, accelerator: string, gpuMemoryGiB: number, prefix: string): Record<string, GpuInstanceType> {
  return Object.fromEntries(Object.entries(sizes).map(([size, gpus]) => [`${prefix}.${size}`, { gpus, accelerator, gpuMemoryGiB }]));
}

/** Sizes of the single-GPU-to-eight-GPU families g5, g6 and g6e (the same layout in each). */
const G_SIZES = { xlarge: 1, '2xlarge': 1, '4xlarge': 1, '8xlarge': 1, '16xlarge': 1, '12xlarge': 4, '24xlarge': 4, '48xlarge': 8 };

/**
 * The x86_64 NVIDIA instance types GPU node groups may use (the AL2023 NVIDIA AMI is x86_64 only
 * here), from the EC2 instance type documentation. The GPU count lets the config refuse a model that
 * asks for more GPUs per replica than a node has, and tells the Cluster Autoscaler what a node group
 * scaled to zero would offer. Add a type here (with its GPU count) to allow it.
 */
export const GPU_INSTANCE_TYPES: Readonly<Record<string, GpuInstanceType>> = {
  ...family({ xlarge: 1, '2xlarge': 1, '4xlarge': 1, '8xlarge': 1, '16xlarge': 1, '12xlarge': 4 }, 'nvidia-tesla-t4', 16, 'g4dn'),
  ...family(G_SIZES, 'nvidia-a10g', 24, 'g5'),
  ...family(G_SIZES, 'nvidia-l4', 24, 'g6'),
  ...family(G_SIZES, 'nvidia-l40s', 48, 'g6e'),
  'p4d.24xlarge': { gpus: 8, accelerator: 'nvidia-a100', gpuMemoryGiB: 40 },
  'p4de.24xlarge': { gpus: 8, accelerator: 'nvidia-a100', gpuMemoryGiB: 80 },
  'p5.4xlarge': { gpus: 1, accelerator: 'nvidia-h100', gpuMemoryGiB: 80 },
  'p5.48xlarge': { gpus: 8, accelerator: 'nvidia-h100', gpuMemoryGiB: 80 },
  'p5e.48xlarge': { gpus: 8, accelerator: 'nvidia-h200', gpuMemoryGiB: 141 },
  'p5en.48xlarge': { gpus: 8, accelerator: 'nvidia-h200', gpuMemoryGiB: 141 },
};

const GPU_INSTANCE_TYPE_NAMES = Object.keys(GPU_INSTANCE_TYPES) as [string, ...string[]];

/** Name of the non-GPU node group the cluster's own controllers run on; no GPU node group may take it. */
export const SYSTEM_NODE_GROUP = 'system';

/** Model names become Kubernetes namespaces (`model-<name>`), Services and `private:<name>` in the model policy. */
export const MODEL_NAME_MAX = 40;
/** Node group names become node labels and Cluster Autoscaler tags. */
export const NODE_GROUP_NAME_MAX = 32;

function dnsName(what: string, max: number) {
  const rule = `${what} must be 2 to ${max} characters: a lowercase DNS label (allowed: a-z, 0-9 and single hyphens; starts with a letter, ends with a letter or digit)`;
  return z.string().min(2, rule).max(max, rule).regex(DNS_LABEL, rule);
}

/** An IAM role ARN. */
const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/** An IPv4 CIDR block whose prefix leaves room for the subnets (private /prefix+3, public /prefix+8). */
const VPC_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function isVpcCidr(text: string): boolean {
  const match = VPC_CIDR.exec(text);
  if (!match) return false;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  return octets.every((octet) => octet <= 255) && prefix >= 16 && prefix <= 20;
}

/** A container image with a pinned tag or digest; `latest` and untagged images are refused. */
const IMAGE = /^(?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/;

/** A Hugging Face model id: `<organisation>/<model>`. */
const HUGGING_FACE_MODEL = /^[A-Za-z0-9][\w.-]{0,95}\/[\w.-]{1,96}$/;

/** A Secrets Manager secret name (not an ARN). */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

const systemNodeGroupSchema = z
  .strictObject({
    instanceTypes: z
      .array(z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'must be an EC2 instance type (allowed: e.g. m6i.large, t3.large)'))
      .min(1, 'list at least one instance type')
      .default(['m6i.large'])
      .describe('Instance types of the system node group (non-GPU): the Cluster Autoscaler, the AWS Load Balancer Controller, CoreDNS and metrics-server run here.'),
    minSize: z
      .int()
      .min(1, 'must be at least 1: the Cluster Autoscaler itself runs on the system nodes')
      .max(10)
      .default(2)
      .describe('Smallest number of system nodes; two keep CoreDNS and the controllers up while one node is replaced.'),
    maxSize: z.int().min(1).max(20).default(3).describe('Largest number of system nodes.'),
  })
  .superRefine((group, ctx) => {
    if (Number.isInteger(group.minSize) && Number.isInteger(group.maxSize) && group.maxSize < group.minSize) {
      ctx.addIssue({ code: 'custom', path: ['maxSize'], message: `must be at least minSize (${group.minSize})` });
    }
  });

const SYSTEM_NODE_GROUP_DEFAULTS = { instanceTypes: ['m6i.large'], minSize: 2, maxSize: 3 };

const nodeGroupSchema = z
  .strictObject({
    name: dnsName('node group name', NODE_GROUP_NAME_MAX)
      .refine((name) => name !== SYSTEM_NODE_GROUP, `node group name "${SYSTEM_NODE_GROUP}" is reserved for the non-GPU system node group (see modelHosting.systemNodeGroup)`)
      .describe('Name of the GPU node group, unique in the environment; models name it in nodeGroup. Becomes the node label microplane/node-group.'),
    instanceTypes: z
      .array(
        z.enum(GPU_INSTANCE_TYPE_NAMES, {
          error: (issue) =>
            issue.input === undefined
              ? undefined
              : `${JSON.stringify(issue.input)} is not a known NVIDIA GPU instance type; add it to GPU_INSTANCE_TYPES in lib/config/model-hosting.ts with its GPU count${allowed(GPU_INSTANCE_TYPE_NAMES)}`,
        }),
      )
      .min(1, 'list at least one GPU instance type')
      .describe('GPU instance types of the node group, e.g. [g6.xlarge]. All must have the same number of GPUs: the Cluster Autoscaler assumes a node group\'s nodes are alike.'),
    minSize: z
      .int()
      .min(0)
      .max(100)
      .default(0)
      .describe('Smallest number of nodes; 0 lets the group scale to zero (no GPU cost) when no model replica needs it.'),
    maxSize: z.int().min(1).max(100).describe('Largest number of nodes the Cluster Autoscaler may start; caps the GPU bill.'),
    diskSizeGb: z
      .int()
      .min(50, 'must be at least 50 GB: the vLLM image alone is about 10 GB, and model weights are downloaded to the node')
      .max(16384)
      .default(200)
      .describe('Size of each node\'s encrypted gp3 root volume, in GB: holds the container images and the downloaded model weights.'),
  })
  .superRefine((group, ctx) => {
    if (Number.isInteger(group.minSize) && Number.isInteger(group.maxSize) && group.minSize >= 0 && group.maxSize < group.minSize) {
      ctx.addIssue({ code: 'custom', path: ['maxSize'], message: `must be at least minSize (${group.minSize})` });
    }
    const known = group.instanceTypes.filter((type) => type in GPU_INSTANCE_TYPES);
    const gpuCounts = new Set(known.map((type) => GPU_INSTANCE_TYPES[type].gpus));
    if (gpuCounts.size > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['instanceTypes'],
        message: `all instance types of a node group must have the same number of GPUs (${known.map((type) => `${type}: ${GPU_INSTANCE_TYPES[type].gpus}`).join(', ')}); put the others in a node group of their own`,
      });
    }
  });

const hostedModelSchema = z
  .strictObject({
    name: dnsName('model name', MODEL_NAME_MAX).describe(
      'Name of the model, unique in the environment: apps and the model policy call it private:<name>; it names the Kubernetes namespace model-<name> and the endpoint.',
    ),
    model: z
      .string()
      .regex(HUGGING_FACE_MODEL, 'must be a Hugging Face model id <organisation>/<model> (allowed: e.g. meta-llama/Llama-3.1-8B-Instruct)')
      .describe('The Hugging Face model vLLM serves, e.g. meta-llama/Llama-3.1-8B-Instruct. Weights are downloaded when a replica starts.'),
    image: z
      .string()
      .regex(IMAGE, 'must be a container image with a pinned tag or digest (allowed: e.g. vllm/vllm-openai:v0.33.0 or …@sha256:<digest>)')
      .refine((image) => !/:latest$/.test(image), 'must not use the tag "latest": pin a version so every replica runs the same server')
      .describe('The vLLM OpenAI-compatible server image, pinned, e.g. vllm/vllm-openai:v0.33.0.'),
    gpusPerReplica: z
      .int()
      .min(1)
      .max(8)
      .default(1)
      .describe('GPUs each replica requests (nvidia.com/gpu); vLLM splits the model across them (tensor parallelism). At most the GPUs of one node.'),
    minReplicas: z.int().min(1).max(100).default(1).describe('Replicas the horizontal autoscaler keeps running at least.'),
    maxReplicas: z.int().min(1).max(100).default(2).describe('Replicas the horizontal autoscaler may run at most; each needs gpusPerReplica GPUs on a node.'),
    maxModelLength: z
      .int()
      .min(256)
      .max(1_048_576)
      .default(8192)
      .describe('Longest context (prompt plus output tokens) vLLM accepts (--max-model-len); longer contexts need more GPU memory for the KV cache.'),
    nodeGroup: z
      .string()
      .optional()
      .describe('The GPU node group whose nodes run this model. Leave out to run on any GPU node group.'),
    huggingFaceTokenSecretName: z
      .string()
      .regex(SECRET_NAME, 'must be a Secrets Manager secret name (allowed: letters, digits and /_+=.@-)')
      .optional()
      .describe(
        'Name of an existing Secrets Manager secret whose SecretString is a Hugging Face read token, for gated models such as Llama. Create it before the deploy; a customer-managed key must admit the model\'s role. Leave out for open models.',
      ),
    cpu: z.number().min(0.5).max(190).default(2).describe('vCPUs each replica requests; the horizontal autoscaler scales on their utilisation.'),
    memoryGiB: z.number().min(2).max(2000).default(12).describe('Memory each replica requests and may use at most, in GiB.'),
    targetCpuUtilization: z
      .int()
      .min(10)
      .max(95)
      .default(70)
      .describe('Average CPU utilisation (percent of cpu) at which the horizontal autoscaler adds replicas.'),
  })
  .superRefine((model, ctx) => {
    if (Number.isInteger(model.minReplicas) && Number.isInteger(model.maxReplicas) && model.minReplicas >= 1 && model.maxReplicas < model.minReplicas) {
      ctx.addIssue({ code: 'custom', path: ['maxReplicas'], message: `must be at least minReplicas (${model.minReplicas})` });
    }
  });

/** Everything at its default: what an environment without a `modelHosting` section gets. */
const MODEL_HOSTING_DEFAULTS = {
  enabled: false,
  kubernetesVersion: '1.36' as KubernetesVersionName,
  vpcCidr: '10.64.0.0/16',
  clusterAdminRoleArns: [] as string[],
  systemNodeGroup: SYSTEM_NODE_GROUP_DEFAULTS,
  nodeGroups: [],
  models: [],
};

export const modelHostingSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(MODEL_HOSTING_DEFAULTS.enabled)
      .describe('Deploy the models stack: an EKS cluster with GPU node groups serving the private models below. Off by default: GPUs cost money even when idle above minSize.'),
    kubernetesVersion: z
      .enum(KUBERNETES_VERSIONS)
      .default(MODEL_HOSTING_DEFAULTS.kubernetesVersion)
      .describe('Kubernetes version of the cluster. Upgrade one minor version at a time; a downgrade is refused by EKS.'),
    vpcCidr: z
      .string()
      .refine(isVpcCidr, 'must be an IPv4 CIDR block from /16 to /20 (allowed: e.g. 10.64.0.0/16)')
      .default(MODEL_HOSTING_DEFAULTS.vpcCidr)
      .describe('Address range of the models VPC. Pods take addresses from it (VPC CNI), so keep it large; it should not overlap networks that may be peered with it later.'),
    clusterAdminRoleArns: z
      .array(z.string().regex(IAM_ROLE_ARN, 'must be an IAM role ARN (allowed: arn:aws:iam::<account>:role/<name>)'))
      .refine((arns) => new Set(arns).size === arns.length, 'must not list a role twice')
      .default([])
      .describe('Roles given cluster-admin access entries (kubectl from inside the VPC). The role that deploys the stack gets no access of its own.'),
    systemNodeGroup: systemNodeGroupSchema
      .default(SYSTEM_NODE_GROUP_DEFAULTS)
      .describe('The non-GPU node group of the cluster\'s own controllers.'),
    nodeGroups: z.array(nodeGroupSchema).default([]).describe('GPU node groups (managed node groups with the AL2023 NVIDIA AMI, tainted nvidia.com/gpu=true:NoSchedule).'),
    models: z.array(hostedModelSchema).default([]).describe('The private models, each served by vLLM behind an internal load balancer of the models VPC.'),
  })
  .superRefine((hosting, ctx) => {
    const groupNames = hosting.nodeGroups.map((group) => group.name);
    reportDuplicates(groupNames, 'nodeGroups', 'node group', ctx);
    reportDuplicates(
      hosting.models.map((model) => model.name),
      'models',
      'model',
      ctx,
    );
    if (hosting.enabled && hosting.nodeGroups.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['nodeGroups'], message: 'list at least one GPU node group when enabled is true' });
    }
    if (hosting.enabled && hosting.models.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['models'], message: 'list at least one model when enabled is true' });
    }
    hosting.models.forEach((model, index) => {
      if (model.nodeGroup !== undefined && !groupNames.includes(model.nodeGroup)) {
        ctx.addIssue({ code: 'custom', path: ['models', index, 'nodeGroup'], message: `no node group is named "${model.nodeGroup}"${allowed(groupNames)}` });
        return;
      }
      const candidates = hosting.nodeGroups.filter((group) => model.nodeGroup === undefined || group.name === model.nodeGroup);
      const fitting = candidates.filter((group) => gpusPerNode(group.instanceTypes) >= model.gpusPerReplica);
      if (candidates.length > 0 && fitting.length === 0 && Number.isInteger(model.gpusPerReplica)) {
        const offered = candidates.map((group) => `${group.name}: ${gpusPerNode(group.instanceTypes)}`).join(', ');
        ctx.addIssue({
          code: 'custom',
          path: ['models', index, 'gpusPerReplica'],
          message: `${model.gpusPerReplica} GPUs per replica fit on no node of ${model.nodeGroup === undefined ? 'any node group' : `node group ${model.nodeGroup}`} (GPUs per node: ${offered})`,
        });
      }
    });
  })
  .default(MODEL_HOSTING_DEFAULTS)
  .describe('Private models on EKS: a GPU cluster serving OpenAI-compatible endpoints (vLLM) inside its own VPC, for data that may not leave the account.');

/** GPUs on one node of a group: the smallest count of its (known) instance types. */
export function gpusPerNode(instanceTypes: readonly string[]): number {
  const counts = instanceTypes.filter((type) => type in GPU_INSTANCE_TYPES).map((type) => GPU_INSTANCE_TYPES[type].gpus);
  return counts.length === 0 ? 0 : Math.min(...counts);
}

function reportDuplicates(names: readonly string[], field: string, what: string, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  names.forEach((name, index) => {
    if (seen.has(name)) ctx.addIssue({ code: 'custom', path: [field, index, 'name'], message: `${what} name "${name}" is used twice: names must be unique` });
    seen.add(name);
  });
}

/** The model-hosting settings of an environment. */
export type ModelHostingConfig = z.infer<typeof modelHostingSchema>;
/** One GPU node group of an environment. */
export type GpuNodeGroupConfig = ModelHostingConfig['nodeGroups'][number];
/** One privately hosted model of an environment. */
export type HostedModelConfig = ModelHostingConfig['models'][number];
