import { appRefusal, type AppRecord } from '../../../lambdas/shared/app-registry';

const app: AppRecord = {
  tenantId: 'acme',
  appId: 'acme-notes',
  clientId: 'client-acme-notes',
  scopes: ['whoami.read'],
  expires: '2025-03-10',
  enabled: true,
  usageKey: 'usage-key-acme-notes',
  tier: 'standard',
};

test('an app is usable through the last second of its expiry date, in UTC', () => {
  expect(appRefusal(app, 'acme', new Date('2025-03-10T23:59:59.999Z'))).toBeUndefined();
});

test('an app is expired from midnight UTC after its expiry date', () => {
  expect(appRefusal(app, 'acme', new Date('2025-03-11T00:00:00Z'))).toBe('expired');
});

test('an app of another tenant is refused before its state is considered', () => {
  expect(appRefusal({ ...app, enabled: false }, 'globex', new Date('2025-03-01T00:00:00Z'))).toBe('other-tenant');
});
