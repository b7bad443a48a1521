import { loadConfig } from '../../lib/config';
import { GPU_INSTANCE_TYPES } from '../../lib/config/model-hosting';
import { NOW, copyExampleConfig, editYaml, problem, problemsLoading, removeConfigCopies } from './config-fixture';

const PROD = 'environments/prod.yaml';

afterAll(removeConfigCopies);

/** The problems of the prod example with `modelHosting.<path>` set to `value`. */
function problemsWith(path: readonly (string | number)[], value: unknown) {
  const config = copyExampleConfig();
  editYaml(config, PROD, (doc) => doc.setIn(['modelHosting', ...path], value));
  return { config, problems: problemsLoading(config, 'prod') };
}

describe('model hosting settings', () => {
  test('the examples host private models in prod only', () => {
    const dev = loadConfig({ configDir: copyExampleConfig(), environment: 'dev', now: NOW }).environment.modelHosting;
    const prod = loadConfig({ configDir: copyExampleConfig(), environment: 'prod', now: NOW }).environment.modelHosting;
    expect(dev.enabled).toBe(false);
    expect(prod).toMatchObject({
      enabled: true,
      nodeGroups: [{ name: 'a10g', instanceTypes: ['g5.xlarge'], minSize: 0 }],
      models: [{ name: 'llama-8b', model: 'meta-llama/Llama-3.1-8B-Instruct', nodeGroup: 'a10g', gpusPerReplica: 1 }],
    });
  });

  test('an environment without a modelHosting section hosts nothing and gets the defaults', () => {
    // The dev example has no modelHosting section.
    expect(loadConfig({ configDir: copyExampleConfig(), environment: 'dev', now: NOW }).environment.modelHosting).toEqual({
      enabled: false,
      kubernetesVersion: '1.36',
      vpcCidr: '10.64.0.0/16',
      clusterAdminRoleArns: [],
      systemNodeGroup: { instanceTypes: ['m6i.large'], minSize: 2, maxSize: 3 },
      nodeGroups: [],
      models: [],
    });
  });

  test('a model gets the defaults of the fields it leaves out', () => {
    const config = copyExampleConfig();
    editYaml(config, PROD, (doc) => doc.addIn(['modelHosting', 'models'], { name: 'qwen-7b', model: 'Qwen/Qwen2.5-7B-Instruct', image: 'vllm/vllm-openai:v0.33.0' }));
    expect(loadConfig({ configDir: config, environment: 'prod', now: NOW }).environment.modelHosting.models[1]).toEqual({
      name: 'qwen-7b',
      model: 'Qwen/Qwen2.5-7B-Instruct',
      image: 'vllm/vllm-openai:v0.33.0',
      gpusPerReplica: 1,
      minReplicas: 1,
      maxReplicas: 2,
      maxModelLength: 8192,
      cpu: 2,
      memoryGiB: 12,
      targetCpuUtilization: 70,
    });
  });

  test.each<[string, readonly (string | number)[], unknown, string, string]>([
    ['a Kubernetes version without a kubectl layer', ['kubernetesVersion'], '1.30', 'modelHosting.kubernetesVersion', 'unknown value "1.30" (allowed: 1.35, 1.36)'],
    ['a VPC too large to be one', ['vpcCidr'], '10.0.0.0/8', 'modelHosting.vpcCidr', 'must be an IPv4 CIDR block from /16 to /20'],
    ['a VPC range that is no CIDR block', ['vpcCidr'], '10.64.0.0', 'modelHosting.vpcCidr', 'must be an IPv4 CIDR block from /16 to /20'],
    ['an admin that is no role ARN', ['clusterAdminRoleArns'], ['admin'], 'modelHosting.clusterAdminRoleArns[0]', 'must be an IAM role ARN'],
    [
      'an admin role listed twice',
      ['clusterAdminRoleArns'],
      ['arn:aws:iam::111111111111:role/eks-operator', 'arn:aws:iam::111111111111:role/eks-operator'],
      'modelHosting.clusterAdminRoleArns',
      'must not list a role twice',
    ],
    ['a system node group of no nodes', ['systemNodeGroup', 'minSize'], 0, 'modelHosting.systemNodeGroup.minSize', 'must be at least 1: the Cluster Autoscaler itself runs on the system nodes'],
    ['a latest image', ['models', 0, 'image'], 'vllm/vllm-openai:latest', 'modelHosting.models[0].image', 'must not use the tag "latest"'],
    ['an untagged image', ['models', 0, 'image'], 'vllm/vllm-openai', 'modelHosting.models[0].image', 'must be a container image with a pinned tag or digest'],
    ['a model name that is no DNS label', ['models', 0, 'name'], 'Llama_8B', 'modelHosting.models[0].name', 'model name must be 2 to 40 characters: a lowercase DNS label'],
    ['a model that is no Hugging Face id', ['models', 0, 'model'], 'llama', 'modelHosting.models[0].model', 'must be a Hugging Face model id <organisation>/<model>'],
    ['no GPU per replica', ['models', 0, 'gpusPerReplica'], 0, 'modelHosting.models[0].gpusPerReplica', 'must be at least 1'],
    ['a context too short to use', ['models', 0, 'maxModelLength'], 100, 'modelHosting.models[0].maxModelLength', 'must be at least 256'],
    ['a secret name with spaces', ['models', 0, 'huggingFaceTokenSecretName'], 'hugging face', 'modelHosting.models[0].huggingFaceTokenSecretName', 'must be a Secrets Manager secret name'],
    ['a node group named like the system group', ['nodeGroups', 0, 'name'], 'system', 'modelHosting.nodeGroups[0].name', 'node group name "system" is reserved'],
    ['a disk too small for the image and weights', ['nodeGroups', 0, 'diskSizeGb'], 20, 'modelHosting.nodeGroups[0].diskSizeGb', 'must be at least 50 GB'],
    ['a negative minimum', ['nodeGroups', 0, 'minSize'], -1, 'modelHosting.nodeGroups[0].minSize', 'must be at least 0'],
    ['enabled as text', ['enabled'], 'yes', 'modelHosting.enabled', 'must be true or false'],
  ])('%s is refused, naming the file and field', (_, path, value, fieldPath, message) => {
    const { config, problems } = problemsWith(path, value);
    expect(problems).toContainEqual(problem(config, PROD, fieldPath, message));
  });

  test('an instance type without NVIDIA GPUs is refused, listing the GPU types', () => {
    const { config, problems } = problemsWith(['nodeGroups', 0, 'instanceTypes'], ['m6i.xlarge']);
    expect(problems).toEqual([problem(config, PROD, 'modelHosting.nodeGroups[0].instanceTypes[0]', '"m6i.xlarge" is not a known NVIDIA GPU instance type')]);
    expect(problems[0].message).toContain(`(allowed: ${Object.keys(GPU_INSTANCE_TYPES).join(', ')})`);
  });

  test('a node group whose maximum is below its minimum is refused', () => {
    const config = copyExampleConfig();
    editYaml(config, PROD, (doc) => {
      doc.setIn(['modelHosting', 'nodeGroups', 0, 'minSize'], 3);
      doc.setIn(['modelHosting', 'nodeGroups', 0, 'maxSize'], 2);
    });
    expect(problemsLoading(config, 'prod')).toEqual([problem(config, PROD, 'modelHosting.nodeGroups[0].maxSize', 'must be at least minSize (3)')]);
  });

  test('a model whose maximum replicas are below its minimum is refused', () => {
    const config = copyExampleConfig();
    editYaml(config, PROD, (doc) => {
      doc.setIn(['modelHosting', 'models', 0, 'minReplicas'], 3);
      doc.setIn(['modelHosting', 'models', 0, 'maxReplicas'], 2);
    });
    expect(problemsLoading(config, 'prod')).toEqual([problem(config, PROD, 'modelHosting.models[0].maxReplicas', 'must be at least minReplicas (3)')]);
  });

  test('a model on a node group that does not exist is refused, listing the groups', () => {
    const { config, problems } = problemsWith(['models', 0, 'nodeGroup'], 'a100');
    expect(problems).toEqual([problem(config, PROD, 'modelHosting.models[0].nodeGroup', 'no node group is named "a100" (allowed: a10g)')]);
  });

  test('a model asking for more GPUs per replica than a node of its group has is refused', () => {
    const { config, problems } = problemsWith(['models', 0, 'gpusPerReplica'], 4);
    expect(problems).toEqual([problem(config, PROD, 'modelHosting.models[0].gpusPerReplica', '4 GPUs per replica fit on no node of node group a10g (GPUs per node: a10g: 1)')]);
  });

  test('a node group mixing instance types with different GPU counts is refused', () => {
    const { config, problems } = problemsWith(['nodeGroups', 0, 'instanceTypes'], ['g5.xlarge', 'g5.12xlarge']);
    expect(problems).toEqual([
      problem(config, PROD, 'modelHosting.nodeGroups[0].instanceTypes', 'all instance types of a node group must have the same number of GPUs (g5.xlarge: 1, g5.12xlarge: 4)'),
    ]);
  });

  test('two models or two node groups of the same name are refused at the second', () => {
    const config = copyExampleConfig();
    editYaml(config, PROD, (doc) => {
      const model = doc.getIn(['modelHosting', 'models', 0]);
      const group = doc.getIn(['modelHosting', 'nodeGroups', 0]);
      doc.addIn(['modelHosting', 'models'], model);
      doc.addIn(['modelHosting', 'nodeGroups'], group);
    });
    expect(problemsLoading(config, 'prod')).toEqual([
      problem(config, PROD, 'modelHosting.nodeGroups[1].name', 'node group name "a10g" is used twice: names must be unique'),
      problem(config, PROD, 'modelHosting.models[1].name', 'model name "llama-8b" is used twice: names must be unique'),
    ]);
  });

  test('hosting switched on without models or node groups is refused', () => {
    const config = copyExampleConfig();
    editYaml(config, PROD, (doc) => {
      doc.setIn(['modelHosting', 'models'], []);
      doc.setIn(['modelHosting', 'nodeGroups'], []);
    });
    expect(problemsLoading(config, 'prod')).toEqual([
      problem(config, PROD, 'modelHosting.nodeGroups', 'list at least one GPU node group when enabled is true'),
      problem(config, PROD, 'modelHosting.models', 'list at least one model when enabled is true'),
    ]);
  });

  test('an unknown field lists the fields of a model', () => {
    const { config, problems } = problemsWith(['models', 0, 'quantization'], 'awq');
    expect(problems).toEqual([
      problem(
        config,
        PROD,
        'modelHosting.models[0].quantization',
        'unknown field "quantization" (allowed: name, model, image, gpusPerReplica, minReplicas, maxReplicas, maxModelLength, nodeGroup, huggingFaceTokenSecretName, cpu, memoryGiB, targetCpuUtilization)',
      ),
    ]);
  });
});
