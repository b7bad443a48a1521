import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../lib/config';
import { NOW, copyExampleConfig, editYaml, problem, problemsLoading, removeConfigCopies, writeConfigFile } from './config-fixture';

const SUMMARIZE = 'prompts/summarize-text.yaml';

afterAll(removeConfigCopies);

test('the example templates load, sorted by id, with their defaults', () => {
  const { prompts } = loadConfig({ configDir: copyExampleConfig(), environment: 'dev', now: NOW });
  expect(prompts?.map((template) => template.id)).toEqual(['draft-reply', 'summarize-text']);
  const summarize = prompts!.find((template) => template.id === 'summarize-text')!;
  expect(summarize).toMatchObject({ version: 1, temperature: 0, maxOutputTokens: 512, apps: ['where2eat', 'onboarding-checklist', 'purchasing-assistant'] });
  expect(summarize.variables.text).toEqual({ type: 'string', maxLength: 8000, minLength: 0, multiline: true, required: true, description: 'The text to summarise.' });
});

test('a config without a prompts folder loads with no templates', () => {
  const config = copyExampleConfig();
  fs.rmSync(path.join(config, 'prompts'), { recursive: true });
  expect(loadConfig({ configDir: config, environment: 'dev', now: NOW }).prompts).toEqual([]);
});

test.each([
  ['a placeholder that is not a variable', (doc: Doc) => doc.set('user', 'Summarise {{text}} in {{language}} in {{maxWords}} words for {{audience}}'), 'user', 'uses {{audience}}, which is not a variable (allowed: text, language, maxWords)'],
  ['a variable the user part never uses', (doc: Doc) => doc.set('user', 'Summarise {{text}} in {{language}}'), 'variables.maxWords', 'is never used: put {{maxWords}} in the user part, or remove it'],
  ['a variable in the instructions', (doc: Doc) => doc.set('system', 'You summarise {{text}}.'), 'system', 'must not contain {{ or }}: variables go in the user part'],
  ['a stray brace pair', (doc: Doc) => doc.set('user', 'Summarise {{text}} in {{language}} at most {{maxWords}} {{ 1 }}'), 'user', 'has {{ or }} that is not a placeholder'],
  ['an id that differs from the file name', (doc: Doc) => doc.set('id', 'summarise-text'), 'id', '"summarise-text" must match the file name (allowed: summarize-text)'],
  ['a default on a required variable', (doc: Doc) => doc.setIn(['variables', 'text', 'default'], 'x'), 'variables.text.default', 'only an optional variable (required: false) has a default'],
  ['an enum default outside its values', (doc: Doc) => doc.setIn(['variables', 'language', 'default'], 'Klingon'), 'variables.language.default', 'must be one of values (allowed: English, German, French)'],
  ['an unknown variable type', (doc: Doc) => doc.setIn(['variables', 'maxWords', 'type'], 'float'), 'variables.maxWords.type', 'string, integer, enum, boolean'],
  ['a minimum above the maximum', (doc: Doc) => doc.setIn(['variables', 'maxWords', 'minimum'], 400), 'variables.maxWords.maximum', 'must be at least minimum (400)'],
  ['an output cap of 0', (doc: Doc) => doc.set('maxOutputTokens', 0), 'maxOutputTokens', ''],
  ['a temperature above 1', (doc: Doc) => doc.set('temperature', 1.5), 'temperature', ''],
  ['no apps', (doc: Doc) => doc.set('apps', []), 'apps', 'list at least one app that may use the template'],
  ['an unknown field', (doc: Doc) => doc.set('model', 'amazon.nova-pro-v1:0'), 'model', ''],
])('a template with %s is refused, naming the file and field', (_case, edit, field, message) => {
  const config = copyExampleConfig();
  editYaml(config, SUMMARIZE, edit);
  expect(problemsLoading(config)).toEqual([problem(config, SUMMARIZE, field, message)]);
});

test('an app no tenant has is a warning naming the file and field, not a failed synth', () => {
  const config = copyExampleConfig();
  editYaml(config, SUMMARIZE, (doc) => doc.setIn(['apps', 1], 'onboarding-checklst'));
  const { warnings, prompts } = loadConfig({ configDir: config, environment: 'dev', now: NOW });
  expect(warnings).toContainEqual(problem(config, SUMMARIZE, 'apps[1]', 'no tenant has an app "onboarding-checklst": nobody can use the template through this entry'));
  expect(prompts?.find((template) => template.id === 'summarize-text')?.apps).toContain('onboarding-checklst');
});

test('a template file that is not YAML, or misnamed, is refused', () => {
  const config = copyExampleConfig();
  writeConfigFile(config, 'prompts/broken.yaml', 'id: [unclosed');
  fs.writeFileSync(path.join(config, 'prompts', 'other.yml'), 'id: other');
  const problems = problemsLoading(config);
  expect(problems).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ file: expect.stringContaining('prompts/broken.yaml'), path: '(file)' }),
      expect.objectContaining({ file: expect.stringContaining('prompts/other.yml'), message: expect.stringContaining('rename it to other.yaml') }),
    ]),
  );
});

type Doc = Parameters<Parameters<typeof editYaml>[2]>[0];
