import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateJsonSchemas } from '../../lib/config/json-schema';
import { EXAMPLE_CONFIG_DIR } from './config-fixture';

test.each(Object.entries(generateJsonSchemas()))('config/schema/%s is what the generator writes (run npm run config:schema)', (name, generated) => {
  // WHEN
  const committed = fs.readFileSync(path.join(EXAMPLE_CONFIG_DIR, 'schema', name), 'utf8');
  // THEN
  expect(committed).toBe(generated);
});

test('the tenant JSON Schema lets editors complete app fields and their choices', () => {
  // WHEN
  const schema = JSON.parse(generateJsonSchemas()['tenant.schema.json']);
  // THEN
  expect(schema).toMatchObject({
    $id: expect.stringMatching(/tenant\.schema\.json$/),
    title: 'Microplane tenant',
    additionalProperties: false,
    properties: {
      apps: { items: { properties: { dataClassification: { enum: ['public', 'internal', 'confidential', 'regulated'] } } } },
    },
  });
});

test('every example config file points editors at its JSON Schema', () => {
  // GIVEN
  const files = ['environments', 'tenants'].flatMap((folder) =>
    fs.readdirSync(path.join(EXAMPLE_CONFIG_DIR, folder)).map((name) => ({ folder, file: path.join(EXAMPLE_CONFIG_DIR, folder, name) })),
  );
  // THEN
  for (const { folder, file } of files) {
    const kind = folder === 'environments' ? 'environment' : 'tenant';
    expect(fs.readFileSync(file, 'utf8').split('\n')[0]).toBe(`# yaml-language-server: $schema=../schema/${kind}.schema.json`);
  }
});
