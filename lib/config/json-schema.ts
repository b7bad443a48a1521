import { z } from 'zod';
import { promptTemplateSchema } from './prompts';
import { environmentSchema, tenantSchema } from './schema';

/** Where the generated JSON Schemas live, relative to the config folder. */
export const JSON_SCHEMA_DIR = 'schema';

/** The JSON Schema files editors use to complete and check config files, keyed by file name. */
export function generateJsonSchemas(): Record<string, string> {
  return {
    'environment.schema.json': render('environment', 'Microplane environment', environmentSchema),
    'tenant.schema.json': render('tenant', 'Microplane tenant', tenantSchema),
    'prompt.schema.json': render('prompt', 'Microplane prompt template', promptTemplateSchema),
  };
}

function render(kind: string, title: string, schema: z.ZodType): string {
  // `io: 'input'` describes what people write: fields with defaults are optional.
  const generated = z.toJSONSchema(schema, { io: 'input' });
  const { $schema, ...rest } = generated;
  const document = { $schema, $id: `https://microplane.invalid/config/schema/${kind}.schema.json`, title, ...rest };
  return `${JSON.stringify(document, null, 2)}\n`;
}
