import { loadConfig } from '../../lib/config';
import { NOW, copyExampleConfig, editYaml, problem, problemsLoading, removeConfigCopies } from './config-fixture';

const DEV = 'environments/dev.yaml';
const PROD = 'environments/prod.yaml';
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

test('confidential data may use a model the environment hosts itself', () => {
  const config = copyExampleConfig();
  editYaml(config, ACME, (doc) => doc.setIn(['apps', 2, 'models'], ['private:llama-8b']));
  const { environment, tenants } = loadConfig({ configDir: config, environment: 'prod', now: NOW });
  expect(environment.models.allowedByClassification.confidential).toEqual(['private:llama-8b']);
  expect(tenants.find((tenant) => tenant.id === 'acme-foods')!.apps[2].models).toEqual(['private:llama-8b']);
});

test('a private model in an environment that hosts none is refused, naming what to enable', () => {
  const config = copyExampleConfig();
  editYaml(config, DEV, (doc) => doc.setIn(['models', 'allowedByClassification', 'confidential'], ['private:llama-8b']));
  expect(problemsLoading(config)).toEqual([
    problem(config, DEV, 'models.allowedByClassification.confidential[0]', '"private:llama-8b" needs modelHosting.enabled: true with the model in modelHosting.models'),
  ]);
});

test('a private model the environment does not host is refused, listing the hosted ones', () => {
  const config = copyExampleConfig();
  editYaml(config, PROD, (doc) => doc.setIn(['models', 'allowedByClassification', 'regulated'], ['private:mistral-7b']));
  expect(problemsLoading(config, 'prod')).toEqual([
    problem(config, PROD, 'models.allowedByClassification.regulated[0]', '"private:mistral-7b" names no model of modelHosting.models (allowed: private:llama-8b)'),
  ]);
});

test('confidential and regulated data may not go to a Bedrock model', () => {
  const config = copyExampleConfig();
  editYaml(config, DEV, (doc) => doc.setIn(['models', 'allowedByClassification', 'regulated'], ['amazon.nova-micro-v1:0']));
  expect(problemsLoading(config)).toEqual([
    problem(config, DEV, 'models.allowedByClassification.regulated[0]', '"amazon.nova-micro-v1:0" is not a privately hosted model: regulated data never leaves the platform'),
  ]);
});

test('a Bedrock model without a known price is refused until its price is given', () => {
  const config = copyExampleConfig();
  editYaml(config, DEV, (doc) => doc.setIn(['models', 'allowedByClassification', 'internal'], ['amazon.nova-micro-v1:0', 'cohere.command-r-v1:0']));
  expect(problemsLoading(config)).toEqual([problem(config, DEV, 'models.allowedByClassification.internal[1]', '"cohere.command-r-v1:0" has no known price: add it under models.prices')]);

  editYaml(config, DEV, (doc) => doc.setIn(['models', 'prices', 'cohere.command-r-v1:0'], { inputPerMillionTokensUsd: 0.5, outputPerMillionTokensUsd: 1.5 }));
  expect(loadConfig({ configDir: config, environment: 'dev', now: NOW }).environment.models.prices['cohere.command-r-v1:0']).toEqual({ inputPerMillionTokensUsd: 0.5, outputPerMillionTokensUsd: 1.5 });
});

test('redaction always covers credentials, and names only known kinds', () => {
  const config = copyExampleConfig();
  editYaml(config, DEV, (doc) => {
    doc.setIn(['models', 'redaction', 'confidential'], ['card', 'iban']);
    doc.setIn(['models', 'redaction', 'public'], ['email', 'aws-access-key', 'secret', 'passport']);
  });
  expect(problemsLoading(config)).toEqual([
    problem(config, DEV, 'models.redaction.public[3]', 'unknown value "passport" (allowed: email, phone, card, iban, national-id, ip-address, aws-access-key, secret)'),
    problem(config, DEV, 'models.redaction.confidential', 'must include aws-access-key and secret: credentials are always redacted'),
  ]);
});

test.each([
  [{ id: 'not a guardrail!', version: '1' }, 'models.guardrail.id', 'must be a Bedrock guardrail id or ARN'],
  [{ id: 'abc123', version: 'latest' }, 'models.guardrail.version', 'must be a version number or DRAFT'],
])('a malformed guardrail %j is refused', (guardrail, field, message) => {
  const config = copyExampleConfig();
  editYaml(config, DEV, (doc) => doc.setIn(['models', 'guardrail'], guardrail));
  expect(problemsLoading(config)).toEqual([problem(config, DEV, field, message)]);
});

test.each([
  [{ dailyTokenBudget: 10 }, 'apps[0].llm.dailyTokenBudget', '1000'],
  [{ maxOutputTokens: 0 }, 'apps[0].llm.maxOutputTokens', '1'],
  [{ freeFormPrompts: 'yes' }, 'apps[0].llm.freeFormPrompts', 'must be true or false'],
  [{ temperature: 1 }, 'apps[0].llm.temperature', ''],
  [{ dailyTokenBudget: 1000, maxOutputTokens: 600 }, 'apps[0].llm.maxOutputTokens', 'must be at most half of dailyTokenBudget'],
])('a bad llm setting %j of an app is refused', (llm, field, message) => {
  const config = copyExampleConfig();
  editYaml(config, ACME, (doc) => doc.setIn(['apps', 0, 'llm'], llm));
  expect(problemsLoading(config)).toEqual([problem(config, ACME, field, message)]);
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
