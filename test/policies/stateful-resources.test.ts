import { findingIds, guardFindings, template } from './guard';

const RULES = 'stateful-resources.guard';
const RETAIN = { Environment: 'prod', RemovalPolicy: 'retain', Component: 'platform' };
const DESTROY = { Environment: 'dev', RemovalPolicy: 'destroy', Component: 'platform' };

const RETAINED_TYPES = [
  'AWS::KMS::Key',
  'AWS::SecretsManager::Secret',
  'AWS::Logs::LogGroup',
  'AWS::Cognito::UserPool',
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::S3::Bucket',
  'AWS::OpenSearchServerless::Collection',
  'AWS::OpenSearchServerless::Index',
];

function resource(type: string, deletionPolicy?: string, updateReplacePolicy = deletionPolicy): Record<string, unknown> {
  return { Type: type, Properties: {}, DeletionPolicy: deletionPolicy, UpdateReplacePolicy: updateReplacePolicy };
}

test.each(RETAINED_TYPES)('in a retain environment, a %s that would be deleted fails the policy', (type) => {
  const findings = guardFindings(RULES, template({ Deleted: resource(type, 'Delete'), Kept: resource(type, 'Retain') }, RETAIN));
  expect(findingIds(findings)).toEqual(['microplane_stateful_resources_retained Deleted']);
  expect(findings[0].fix).toContain('RemovalPolicy.RETAIN');
});

test('a resource retained on deletion but replaced on update fails too', () => {
  const findings = guardFindings(RULES, template({ Key: resource('AWS::KMS::Key', 'Retain', 'Delete') }, RETAIN));
  expect(findingIds(findings)).toEqual(['microplane_stateful_resources_retained Key']);
});

test.each(['AWS::RDS::DBCluster', 'AWS::RDS::DBInstance'])('in a retain environment, a %s must be retained or end in a snapshot', (type) => {
  const findings = guardFindings(
    RULES,
    template({ Deleted: resource(type, 'Delete'), Unset: { Type: type, Properties: {} }, Kept: resource(type, 'Retain'), Snapshotted: resource(type, 'Snapshot') }, RETAIN),
  );
  expect(findingIds(findings)).toEqual(['microplane_databases_retained_or_snapshotted Deleted', 'microplane_databases_retained_or_snapshotted Unset']);
});

test('templates of a destroy environment, or without the metadata, may delete stateful resources', () => {
  const deletable = { Key: resource('AWS::KMS::Key', 'Delete'), Cluster: resource('RDS::DBCluster', 'Delete') };
  expect(guardFindings(RULES, template(deletable, DESTROY), template(deletable))).toEqual([]);
});
