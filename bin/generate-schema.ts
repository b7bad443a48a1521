/**
 * Writes config/schema/*.schema.json from the zod schemas (`npm run config:schema`).
 * A test fails when the committed files and the schemas drift apart.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JSON_SCHEMA_DIR, generateJsonSchemas } from '../lib/config/json-schema';

const dir = path.join(__dirname, '..', 'config', JSON_SCHEMA_DIR);
fs.mkdirSync(dir, { recursive: true });
for (const [name, content] of Object.entries(generateJsonSchemas())) {
  fs.writeFileSync(path.join(dir, name), content);
  console.log(`wrote ${path.relative(process.cwd(), path.join(dir, name))}`);
}
