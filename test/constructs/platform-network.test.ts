import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { DATA_SUBNET_COUNT, importDataNetwork, PlatformNetwork } from '../../lib/constructs/platform-network';

const PINNED = { account: '111111111111', region: 'eu-west-1' };
/** What `cdk.context.json` records for the pinned account and region, as the CLI passes it to the app. */
const ZONES_CONTEXT = { 'availability-zones:account=111111111111:region=eu-west-1': ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] };

function pinnedStack(context: Record<string, unknown> = {}): { app: App; stack: Stack } {
  const app = new App({ context });
  return { app, stack: new Stack(app, 'Pinned', { env: PINNED }) };
}

function subnetZones(stack: Stack): unknown[] {
  const subnets = Template.fromStack(stack).findResources('AWS::EC2::Subnet');
  return Object.values(subnets).map((subnet) => subnet.Properties.AvailabilityZone);
}

test('explicit zones place the data subnets in the first two of them', () => {
  // GIVEN
  const { stack } = pinnedStack();
  // WHEN
  new PlatformNetwork(stack, 'Network', { availabilityZones: ['eu-west-1b', 'eu-west-1c', 'eu-west-1a'] });
  // THEN
  expect(subnetZones(stack)).toEqual(['eu-west-1b', 'eu-west-1c']);
});

test('a pinned stack with explicit zones and the committed zone context synthesizes without any lookup', () => {
  const { app, stack } = pinnedStack(ZONES_CONTEXT);
  new PlatformNetwork(stack, 'Network', { availabilityZones: ['eu-west-1b', 'eu-west-1c'] });
  expect(app.synth().manifest.missing ?? []).toEqual([]);
});

test('zones that are not zones of the pinned region are refused', () => {
  const { stack } = pinnedStack(ZONES_CONTEXT);
  expect(() => new PlatformNetwork(stack, 'Network', { availabilityZones: ['eu-west-1a', 'eu-west-1z'] })).toThrow(/subset/);
});

test('a pinned stack without zones still needs a lookup (which is why pinned environments must list them)', () => {
  const { app, stack } = pinnedStack();
  new PlatformNetwork(stack, 'Network');
  expect((app.synth().manifest.missing ?? []).map((missing) => missing.provider)).toContain('availability-zones');
});

test('an environment-agnostic stack without zones picks them at deploy time', () => {
  const stack = new Stack();
  new PlatformNetwork(stack, 'Network');
  expect(subnetZones(stack)).toHaveLength(DATA_SUBNET_COUNT);
  expect(JSON.stringify(subnetZones(stack))).toContain('Fn::GetAZs');
});

test('fewer zones than data subnets is refused with the zones given', () => {
  const { stack } = pinnedStack();
  expect(() => new PlatformNetwork(stack, 'Network', { availabilityZones: ['eu-west-1a'] })).toThrow(
    /availabilityZones needs at least 2 zones.*eu-west-1a/,
  );
});

test('the data network imported into a pinned tenant stack needs no lookup', () => {
  const { app, stack } = pinnedStack();
  const vpc = importDataNetwork(stack, 'DataNetwork', { vpcId: 'vpc-1', dataSubnetIds: ['subnet-a', 'subnet-b'] });
  new ec2.SecurityGroup(stack, 'DatabaseSecurityGroup', { vpc });
  expect(app.synth().manifest.missing ?? []).toEqual([]);
});
