import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exampleConfig } from '../support/platform';
import { MICROPLANE_POLICIES_PLUGIN, ModelInvocationLoggingCheck } from '../../policies/model-invocation-logging';
import { guardRuleFiles, synthesizedExample, unacknowledgedGuardFindings } from './guard';

// The shipped example environments pass every rules file of policies/guard/ and the TypeScript
// policies, counting acknowledgements as synth does (each one names its reason where it is made).
// The metadata test makes sure the environment-dependent rules actually ran.

const ENVIRONMENTS = ['dev', 'prod'] as const;
const examples = new Map(ENVIRONMENTS.map((environment) => [environment, synthesizedExample(environment)]));

describe.each(ENVIRONMENTS)('the %s example', (environment) => {
  const example = examples.get(environment)!;

  test.each(guardRuleFiles())('passes %s', (ruleFile) => {
    expect(unacknowledgedGuardFindings(example, ruleFile)).toEqual([]);
  });

  test('passes the model-invocation logging check', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'microplane-real-'));
    const stacks = [...example.templates].map(([stackName, template]) => {
      const templatePath = path.join(dir, `${stackName}.template.json`);
      fs.writeFileSync(templatePath, JSON.stringify(template));
      return { templatePath, template };
    });
    const report = new ModelInvocationLoggingCheck().validate({ templatePaths: stacks.map((stack) => stack.templatePath) });
    const unacknowledged = report.violations.flatMap((violation) =>
      violation.violatingResources.filter((resource) => {
        const { template } = stacks.find((stack) => stack.templatePath === resource.templatePath)!;
        return !example.isAcknowledged(`${MICROPLANE_POLICIES_PLUGIN}::${violation.ruleName}`, template, resource.resourceLogicalId!);
      }),
    );
    expect(unacknowledged).toEqual([]);
  });

  test('tells the Guard rules its removal policy, and which stacks are tenant stacks of which tenant', () => {
    const config = exampleConfig(environment);
    const described = [...example.templates].map(([stackName, template]) => [stackName, template.Metadata?.Microplane]);
    expect(Object.fromEntries(described)).toEqual({
      [`Microplane-${environment}-Platform`]: { Environment: environment, RemovalPolicy: config.environment.removalPolicy, Component: 'platform' },
      // The private models' stack is shared infrastructure too, where the environment hosts models.
      ...(config.environment.modelHosting.enabled
        ? { [`Microplane-${environment}-Models`]: { Environment: environment, RemovalPolicy: config.environment.removalPolicy, Component: 'platform' } }
        : {}),
      ...Object.fromEntries(
        config.tenants.map((tenant) => [
          `Microplane-${environment}-Tenant-${tenant.id}`,
          { Environment: environment, RemovalPolicy: config.environment.removalPolicy, Component: 'tenant', TenantId: tenant.id },
        ]),
      ),
    });
  });
});

test('prod is a retain environment and dev is not, so the retention rules run on prod only', () => {
  expect(exampleConfig('prod').environment.removalPolicy).toBe('retain');
  expect(exampleConfig('dev').environment.removalPolicy).toBe('destroy');
});
