import { RegionInfo } from 'aws-cdk-lib/region-info';
import { AWS_REGIONS, AWS_REGION_PARTITIONS } from '../../lib/config/regions';

test('the region list is every region aws-cdk-lib knows in the commercial, GovCloud and China partitions (update AWS_REGIONS when it differs)', () => {
  // GIVEN
  const partitions: readonly string[] = AWS_REGION_PARTITIONS;
  // WHEN
  const known = RegionInfo.regions.filter((region) => partitions.includes(region.partition ?? '')).map((region) => region.name);
  // THEN
  expect([...AWS_REGIONS].sort()).toEqual(known.sort());
});
