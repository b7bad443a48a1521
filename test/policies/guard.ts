import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CfnElement, IPolicyValidationContextBeta1, Stack } from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { IConstruct } from 'constructs';
import { GUARD_RULES_DIR } from '../../lib/microplane';
import { synthExample } from '../support/platform';

/** The plugin name CDK prefixes Guard rule names with in acknowledgement ids. */
export const GUARD_PLUGIN = 'cdk-validator-cfnguard';

/** A CloudFormation template as the tests write it. */
export interface TemplateJson {
  readonly Metadata?: Record<string, unknown>;
  readonly Resources: Record<string, unknown>;
}

/** One violating resource of one Guard rule. */
export interface GuardFinding {
  readonly rule: string;
  /** Index of the template in the list given to {@link guardFindings}. */
  readonly template: number;
  readonly logicalId: string;
  readonly description: string;
  readonly fix: string;
}

/** The rules files of policies/guard/, by name. */
export function guardRuleFiles(): string[] {
  return fs.readdirSync(GUARD_RULES_DIR).filter((file) => file.endsWith('.guard')).sort();
}

/**
 * Runs one rules file of policies/guard/ over `templates` exactly as synth does: the same
 * CfnGuardValidator plugin, with its bundled cfn-guard binary, on template files on disk.
 */
export function guardFindings(ruleFile: string, ...templates: TemplateJson[]): GuardFinding[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'microplane-guard-'));
  const templatePaths = templates.map((template, index) => {
    const templatePath = path.join(dir, `Fixture${index}.template.json`);
    fs.writeFileSync(templatePath, JSON.stringify(template, undefined, 1));
    return templatePath;
  });
  const validator = new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: [path.join(GUARD_RULES_DIR, ruleFile)] });
  const report = validator.validate({ templatePaths } as IPolicyValidationContextBeta1);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => ({
      rule: violation.ruleName,
      template: templatePaths.indexOf(resource.templatePath),
      logicalId: resource.resourceLogicalId,
      description: violation.description,
      fix: violation.fix ?? '',
    })),
  );
}

/** `rule logicalId` pairs, sorted, for compact assertions. */
export function findingIds(findings: readonly GuardFinding[]): string[] {
  return [...new Set(findings.map((finding) => `${finding.rule} ${finding.logicalId}`))].sort();
}

/** A template with `resources` and, optionally, the Microplane policy metadata. */
export function template(resources: Record<string, unknown>, microplane?: Record<string, string>): TemplateJson {
  return microplane ? { Metadata: { Microplane: microplane }, Resources: resources } : { Resources: resources };
}

/** The synthesized example of one environment: its templates and what its constructs acknowledge. */
export interface Example {
  /** Templates by stack name. */
  readonly templates: ReadonlyMap<string, TemplateJson>;
  /** Whether synth would suppress rule `ruleId` (`<plugin>::<rule>`) for the resource `logicalId` of `template`. */
  isAcknowledged(ruleId: string, template: TemplateJson, logicalId: string): boolean;
}

/** The shipped example config of one environment, synthesized without the synth-time checks. */
export function synthesizedExample(environment: string): Example {
  const { app } = synthExample(environment);
  const assembly = app.synth();
  const templates = new Map(assembly.stacks.map((stack) => [stack.stackName, stack.template as TemplateJson]));
  const constructPaths = new Map(assembly.stacks.map((stack) => [stack.template, logicalIdPaths(app.node.findChild(stack.id))]));
  const acknowledged = acknowledgedPaths(app);
  return {
    templates,
    isAcknowledged: (ruleId, template, logicalId) => {
      let constructPath = constructPaths.get(template)?.get(logicalId) ?? '';
      // Like synth: an acknowledgement covers its construct and everything below it.
      while (constructPath !== '') {
        if (acknowledged.get(ruleId)?.has(constructPath)) return true;
        constructPath = constructPath.includes('/') ? constructPath.slice(0, constructPath.lastIndexOf('/')) : '';
      }
      return false;
    },
  };
}

/** Logical id → construct path of every resource of a stack. */
function logicalIdPaths(stack: IConstruct): Map<string, string> {
  const paths = new Map<string, string>();
  for (const construct of stack.node.findAll()) {
    if (CfnElement.isCfnElement(construct)) paths.set(Stack.of(construct).resolve(construct.logicalId) as string, construct.node.path);
  }
  return paths;
}

/** Guard findings of one rules file over the example that no acknowledgement covers: what synth would report. */
export function unacknowledgedGuardFindings(example: Example, ruleFile: string): GuardFinding[] {
  const templates = [...example.templates.values()];
  return guardFindings(ruleFile, ...templates).filter(
    (finding) => !example.isAcknowledged(`${GUARD_PLUGIN}::${finding.rule}`, templates[finding.template], finding.logicalId),
  );
}

/** Rule id → construct paths that acknowledge it (`Validations.of(construct).acknowledge`). */
function acknowledgedPaths(root: IConstruct): Map<string, Set<string>> {
  const paths = new Map<string, Set<string>>();
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== 'aws:cdk:acknowledged-rules' || !entry.data) continue;
      for (const ruleId of Object.keys(entry.data as Record<string, string>)) {
        paths.set(ruleId, (paths.get(ruleId) ?? new Set()).add(construct.node.path));
      }
    }
  }
  return paths;
}
