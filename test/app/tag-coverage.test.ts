import { CfnResource, ITaggableV2, Stack, TagManager } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { IConstruct } from 'constructs';
import { RESOURCE_TAG_KEYS } from '../../lib/aspects/resource-tags';
import { TenantStack } from '../../lib/stacks/tenant-stack';
import { exampleConfig, synthExample } from '../support/platform';

// Budgets and chargeback group cost by these tags, so a taggable resource without them is cost that
// nobody is charged for. "Taggable" is decided by the L1 class (its CloudFormation spec has Tags), on
// the construct tree, and the tags are read from the synthesized template.

type Tags = Readonly<Record<string, string>>;

/** Every L1 resource under `scope` whose CloudFormation type takes tags. */
function taggableResources(scope: IConstruct): CfnResource[] {
  return scope.node.findAll().filter((node): node is CfnResource => CfnResource.isCfnResource(node) && (TagManager.isTaggable(node) || TagManager.isTaggableV2(node)));
}

type TemplateJson = { Resources: Record<string, { Properties?: Record<string, unknown> }> };
const templates = new Map<Stack, TemplateJson>();

function templateOf(stack: Stack): TemplateJson {
  if (!templates.has(stack)) templates.set(stack, Template.fromStack(stack).toJSON() as TemplateJson);
  return templates.get(stack)!;
}

/** The tags of a resource as synthesized, whether its type takes them as a list or as a map (SSM, Cognito). */
function synthesizedTags(resource: CfnResource): Tags {
  const stack = Stack.of(resource);
  const template = templateOf(stack);
  const tagManager = TagManager.isTaggable(resource) ? resource.tags : (resource as unknown as ITaggableV2).cdkTagManager;
  // The L1 property (`tags`, `userPoolTags`) is the template property with a capital.
  const property = tagManager.tagPropertyName.charAt(0).toUpperCase() + tagManager.tagPropertyName.slice(1);
  const tags = (template.Resources[stack.resolve(resource.logicalId)].Properties?.[property] ?? {}) as
    | Array<{ Key: string; Value: string }>
    | Record<string, string>;
  return Array.isArray(tags) ? Object.fromEntries(tags.map((tag) => [tag.Key, tag.Value])) : tags;
}

/** `path: missing key=value, …` for every resource under `scope` that lacks one of `expected`. */
function missingTags(scope: IConstruct, expected: Tags): string[] {
  return taggableResources(scope).flatMap((resource) => {
    const tags = synthesizedTags(resource);
    const missing = Object.entries(expected).filter(([key, value]) => tags[key] !== value);
    return missing.length === 0 ? [] : [`${resource.node.path}: missing ${missing.map(([key, value]) => `${key}=${value}`).join(', ')}`];
  });
}

describe.each(['dev', 'prod'])('the %s example', (environment) => {
  const { app, stacks } = synthExample(environment);
  app.synth(); // runs the aspects, tags included
  const config = exampleConfig(environment);

  test.each(config.tenants.map((tenant) => [tenant.id, tenant] as const))('no taggable resource of tenant %s lacks its environment, tenant and cost center', (tenantId, tenant) => {
    const stack = stacks.tenants.get(tenantId)!;
    expect(taggableResources(stack).length).toBeGreaterThan(5);
    expect(
      missingTags(stack, {
        [RESOURCE_TAG_KEYS.environment]: environment,
        [RESOURCE_TAG_KEYS.tenant]: tenantId,
        [RESOURCE_TAG_KEYS.costCenter]: tenant.costCenter,
      }),
    ).toEqual([]);
  });

  test.each(config.tenants.map((tenant) => [tenant.id, tenant] as const))('every taggable resource of an app of tenant %s names its app', (tenantId, tenant) => {
    const stack: TenantStack = stacks.tenants.get(tenantId)!;
    for (const app of tenant.apps) {
      const appScope = stack.apps.node.findChild(app.id);
      // The usage key and the registry entry; the Cognito client's type takes no tags.
      expect(taggableResources(appScope).length).toBeGreaterThanOrEqual(2);
      expect(missingTags(appScope, { [RESOURCE_TAG_KEYS.app]: app.id })).toEqual([]);
    }
  });

  test('every taggable platform resource names its environment and no tenant', () => {
    expect(missingTags(stacks.platform, { [RESOURCE_TAG_KEYS.environment]: environment })).toEqual([]);
    const tenantTagged = taggableResources(stacks.platform).filter((resource) => RESOURCE_TAG_KEYS.tenant in synthesizedTags(resource));
    expect(tenantTagged.map((resource) => resource.node.path)).toEqual([]);
  });
});

test('the coverage check finds a taggable resource without the tags, in list and map form', () => {
  const stack = new Stack();
  new kms.CfnKey(stack, 'Key', { keyPolicy: {}, tags: [{ key: RESOURCE_TAG_KEYS.tenant, value: 'acme' }] });
  new ssm.CfnParameter(stack, 'Parameter', { type: 'String', value: 'v', tags: { [RESOURCE_TAG_KEYS.tenant]: 'globex' } });
  new kms.CfnAlias(stack, 'Alias', { aliasName: 'alias/x', targetKeyId: 'k' }); // not taggable: never reported
  expect(missingTags(stack, { [RESOURCE_TAG_KEYS.tenant]: 'acme', [RESOURCE_TAG_KEYS.costCenter]: 'CC-1' })).toEqual([
    'Default/Key: missing microplane:cost-center=CC-1',
    'Default/Parameter: missing microplane:tenant=acme, microplane:cost-center=CC-1',
  ]);
});
