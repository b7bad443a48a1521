#!/usr/bin/env node
/**
 * `npm run nag:report -- [env]`: synthesizes an environment with every cdk-nag compliance pack the
 * platform supports and prints the unacknowledged findings per pack and rule, with the resource count.
 * A report, not a gate: the gate is `compliancePacks` in the environment file, checked at every synth.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { loadConfig } from '../lib/config';
import { buildMicroplane } from '../lib/microplane';

interface ReportedViolation {
  readonly ruleName: string;
  readonly violatingConstructs: ReadonlyArray<{ readonly constructPath: string }>;
}

interface PluginReport {
  readonly pluginName: string;
  readonly violations: readonly ReportedViolation[];
}

function main(): void {
  const environment = process.argv[2] ?? 'dev';
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'microplane-nag-')) });
  const config = loadConfig({ configDir: path.join(__dirname, '..', 'config'), environment });
  buildMicroplane(app, config, { securityChecks: false });
  Validations.of(app).addPlugins(new NIST80053R5Checks(app), new HIPAASecurityChecks(app), new PCIDSS321Checks(app));
  try {
    app.synth();
  } catch {
    // Findings fail the synth by design; the report below is what we want.
  }
  const resources = countResources(app);
  const reports = readReports(app.outdir);
  printTable(environment, resources, reports);
}

/** Resources in the templates the synth wrote (validation runs on written templates). */
function countResources(app: App): number {
  return fs
    .readdirSync(app.outdir)
    .filter((file) => file.endsWith('.template.json'))
    .reduce((total, file) => {
      const template = JSON.parse(fs.readFileSync(path.join(app.outdir, file), 'utf8')) as { Resources?: object };
      return total + Object.keys(template.Resources ?? {}).length;
    }, 0);
}

function readReports(outdir: string): PluginReport[] {
  const file = path.join(outdir, 'validation-report.json');
  if (!fs.existsSync(file)) return [];
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as { pluginReports: PluginReport[] };
  return report.pluginReports;
}

function printTable(environment: string, resources: number, reports: readonly PluginReport[]): void {
  console.log(`environment ${environment}: ${resources} resources`);
  console.log('| pack | findings | per 100 resources |');
  console.log('| --- | --- | --- |');
  for (const report of reports) {
    const findings = report.violations.reduce((sum, violation) => sum + violation.violatingConstructs.length, 0);
    console.log(`| ${report.pluginName} | ${findings} | ${((findings * 100) / resources).toFixed(1)} |`);
  }
  console.log('\n| pack | rule | findings |');
  console.log('| --- | --- | --- |');
  for (const report of reports) {
    for (const violation of report.violations) {
      console.log(`| ${report.pluginName} | ${violation.ruleName} | ${violation.violatingConstructs.length} |`);
    }
  }
}

main();
