#!/usr/bin/env node
/**
 * `npm run catalog -- [env] [--json]`: prints the app catalog of an environment (default `dev`) from
 * config alone, without a synth. The synth writes the same catalog to `cdk.out/catalog.json` and
 * `cdk.out/catalog.md`.
 */
import * as path from 'node:path';
import { buildCatalog, catalogMarkdown } from '../lib/catalog';
import { ConfigError, formatProblem, loadConfig } from '../lib/config';

function main(argv: readonly string[]): void {
  const json = argv.includes('--json');
  const environment = argv.find((arg) => !arg.startsWith('--')) ?? 'dev';
  const configDir = path.join(__dirname, '..', 'config');
  try {
    const config = loadConfig({ configDir, environment });
    for (const warning of config.warnings ?? []) process.stderr.write(`warning: ${formatProblem(warning)}\n`);
    const catalog = buildCatalog(config);
    process.stdout.write(json ? `${JSON.stringify(catalog, null, 2)}\n` : catalogMarkdown(catalog));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  }
}

main(process.argv.slice(2));
