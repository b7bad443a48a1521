import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { MAX_APPS_PER_TENANT } from '../../lib/config/schema';
import { TenantStack } from '../../lib/stacks/tenant-stack';
import { app, exampleConfig, tenant } from '../support/platform';

test('a tenant with the most apps allowed stays far below CloudFormation\'s 500 resources per stack', () => {
  // GIVEN
  const environment = exampleConfig('dev').environment;
  const apps = Array.from({ length: MAX_APPS_PER_TENANT }, (_, i) => app({ id: `app-${String(i).padStart(3, '0')}` }));
  // WHEN
  const stack = new TenantStack(new App(), 'Big', { environment, tenant: tenant('big-tenant', { apps }) });
  // THEN
  const count = Object.keys(Template.fromStack(stack).toJSON().Resources).length;
  expect(count).toBeLessThan(450);
});
