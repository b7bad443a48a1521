import { loadConfig } from '../../lib/config';
import { NOW, copyExampleConfig, editYaml, problem, problemsLoading, removeConfigCopies } from './config-fixture';

const DEV = 'environments/dev.yaml';
const ACME = 'tenants/acme-foods.yaml';
// In the example: apps[0] where2eat is internal, apps[2] purchasing-assistant is confidential.

afterAll(removeConfigCopies);

test('without a models section, low-risk data may use small Bedrock models and sensitive data none', () => {
  const { models } = loadConfig({ configDir: copyExampleConfig(), environment: 'dev', now: NOW }).environment;
  expect(models.allowedByClassification).toEqual({
    public: ['amazon.nova-micro-v1:0', 'amazon.nova-lite-v1:0'],
    internal: ['amazon.nova-micro-v1:0', 'amazon.nova-lite-v1:0'],
    confidential: [],
    regulated: [],
  });
});

test('an app may narrow the models of its data class', () => {
  const config = copyExampleConfig();
  editYaml(config, ACME, (doc) => doc.setIn(['apps', 0, 'models'], ['amazon.nova-micro-v1:0']));
  const acme = loadConfig({ configDir: config, environment: 'dev', now: NOW }).tenants.find((tenant) => tenant.id === 'acme-foods')!;
  expect(acme.apps[0].models).toEqual(['amazon.nova-micro-v1:0']);
});

test('a model not allowed for the app\'s data class is refused, naming file, field and the allowed models', () => {
  const config = copyExampleConfig();
  editYaml(config, ACME, (doc) => {
    doc.setIn(['apps', 0, 'models'], ['amazon.nova-micro-v1:0', 'anthropic.claude-sonnet-4-5-v1:0']);
    doc.setIn(['apps', 2, 'models'], ['amazon.nova-lite-v1:0']);
  });
  expect(problemsLoading(config)).toEqual([
    problem(
      config,
      ACME,
      'apps[0].models[1]',
      'model "anthropic.claude-sonnet-4-5-v1:0" is not allowed for internal data in environment "dev" (models.allowedByClassification.internal) (allowed: amazon.nova-micro-v1:0, amazon.nova-lite-v1:0)',
    ),
    problem(config, ACME, 'apps[2].models[0]', 'model "amazon.nova-lite-v1:0" is not allowed for confidential data in environment "dev" (models.allowedByClassification.confidential) (allowed: none)'),
  ]);
});

test('confidential data may use a privately hosted model once the environment allows it', () => {
  const config = copyExampleConfig();
  editYaml(config, DEV, (doc) => doc.setIn(['models', 'allowedByClassification', 'confidential'], ['private:llama-8b']));
  editYaml(config, ACME, (doc) => doc.setIn(['apps', 2, 'models'], ['private:llama-8b']));
  const { environment } = loadConfig({ configDir: config, environment: 'dev', now: NOW });
  expect(environment.models.allowedByClassification.confidential).toEqual(['private:llama-8b']);
});

test.each([
  ['not a model id', 'must be a Bedrock model id'],
  ['private:', 'must be a Bedrock model id'],
  ['PRIVATE:llama', 'must be a Bedrock model id'],
])('a malformed model id %j is refused', (model, message) => {
  const config = copyExampleConfig();
  editYaml(config, ACME, (doc) => doc.setIn(['apps', 0, 'models'], [model]));
  expect(problemsLoading(config)).toEqual([problem(config, ACME, 'apps[0].models[0]', message)]);
});

test('an empty list is refused: leave the field out for every allowed model', () => {
  const config = copyExampleConfig();
  editYaml(config, ACME, (doc) => doc.setIn(['apps', 0, 'models'], []));
  expect(problemsLoading(config)).toEqual([problem(config, ACME, 'apps[0].models', 'list at least one model')]);
});

test('an unknown data class in the environment\'s policy is refused', () => {
  const config = copyExampleConfig();
  editYaml(config, DEV, (doc) => doc.setIn(['models', 'allowedByClassification', 'secret'], ['amazon.nova-micro-v1:0']));
  expect(problemsLoading(config)).toEqual([problem(config, DEV, 'models.allowedByClassification.secret', '')]);
});
