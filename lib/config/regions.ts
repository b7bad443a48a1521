/**
 * The AWS region codes a Microplane environment or tenant may name: the commercial partition (`aws`),
 * AWS GovCloud (US) (`aws-us-gov`) and China (`aws-cn`). The isolated (ISO) partitions and the
 * European Sovereign Cloud are left out: this platform is not built or tested for them.
 *
 * Taken on 2026-12-01 from `RegionInfo.regions` of aws-cdk-lib 2.276.0 (its partition facts come
 * from the AWS SDK's partitions.json). A test compares it with the installed aws-cdk-lib, so an
 * upgrade that knows a new region says so.
 */
export const AWS_REGIONS = [
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-central-1',
  'ca-west-1',
  'cn-north-1',
  'cn-northwest-1',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'me-west-1',
  'mx-central-1',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-gov-east-1',
  'us-gov-west-1',
  'us-west-1',
  'us-west-2',
] as const;

/** The partitions {@link AWS_REGIONS} covers. */
export const AWS_REGION_PARTITIONS = ['aws', 'aws-us-gov', 'aws-cn'] as const;

/** An AWS region code Microplane accepts. */
export type AwsRegion = (typeof AWS_REGIONS)[number];

/**
 * The regions to list when `value` is not one: those of the same area (`eu-west-4` lists the `eu-`
 * regions) or, when no area matches, every region.
 */
export function regionsLike(value: unknown): readonly string[] {
  const area = typeof value === 'string' ? value.split('-')[0] : '';
  const sameArea = AWS_REGIONS.filter((region) => region.split('-')[0] === area);
  return sameArea.length > 0 ? sameArea : AWS_REGIONS;
}
