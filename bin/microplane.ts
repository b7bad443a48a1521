#!/usr/bin/env node
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildCatalog, writeCatalog } from '../lib/catalog';
import { ConfigError, formatProblem, loadConfig } from '../lib/config';
import { buildMicroplane } from '../lib/microplane';

/**
 * The CDK app: `cdk synth -c env=<name>` (default `dev`, from cdk.json) loads `config/` for that
 * environment, refuses to go on if any file is wrong, and builds the platform and tenant stacks.
 */
function main(): void {
  const app = new App();
  const environment = String(app.node.tryGetContext('env') ?? 'dev');
  const configDir = path.resolve(String(app.node.tryGetContext('configDir') ?? path.join(__dirname, '..', 'config')));
  try {
    // Config is validated before any stack (and so any bundling) is created.
    const config = loadConfig({ configDir, environment });
    for (const warning of config.warnings ?? []) process.stderr.write(`warning: ${formatProblem(warning)}\n`);
    buildMicroplane(app, config);
    writeCatalog(app.outdir, buildCatalog(config));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  app.synth();
}

main();
