import { findingIds, guardFindings, template } from './guard';

const RULES = 'tenant-tags.guard';
const TENANT = { Environment: 'dev', RemovalPolicy: 'destroy', Component: 'tenant', TenantId: 'acme' };

const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
const KEY = { Type: 'AWS::KMS::Key', Properties: { Tags: tagList({ 'microplane:tenant': 'acme', 'microplane:environment': 'dev' }) } };
const PARAMETER = { Type: 'AWS::SSM::Parameter', Properties: { Tags: { 'microplane:tenant': 'acme' } } };

test('tenant resources tagged with their tenant pass, with tags as a list or (SSM parameters) as a map', () => {
  expect(guardFindings(RULES, template({ Key: KEY, Parameter: PARAMETER, Alias: { Type: 'AWS::KMS::Alias', Properties: {} } }, TENANT))).toEqual([]);
});

test.each([
  ['a role without the tenant tag', { Type: 'AWS::IAM::Role', Properties: { Tags: tagList({ 'microplane:environment': 'dev' }) } }],
  ['a role tagged with another tenant', { Type: 'AWS::IAM::Role', Properties: { Tags: tagList({ 'microplane:tenant': 'globex', other: 'acme' }) } }],
  ['a parameter whose tag map lacks the tenant', { Type: 'AWS::SSM::Parameter', Properties: { Tags: { 'microplane:environment': 'dev' } } }],
  ['a queue with no tags at all', { Type: 'AWS::SQS::Queue', Properties: {} }],
])('in a tenant stack, %s fails the policy', (_, resource) => {
  const findings = guardFindings(RULES, template({ Key: KEY, Bad: resource }, TENANT));
  expect(findingIds(findings)).toEqual(['microplane_tenant_resources_carry_tenant_tag Bad']);
  expect(findings[0].fix).toContain('microplane:tenant');
});

test('platform stacks are not tenant stacks: shared resources carry no tenant tag', () => {
  const platform = { ...TENANT, Component: 'platform' };
  expect(guardFindings(RULES, template({ Queue: { Type: 'AWS::SQS::Queue', Properties: {} } }, platform))).toEqual([]);
});
