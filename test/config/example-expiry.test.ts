import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { loadConfig } from '../../lib/config';
import { MAX_EXPIRY_DAYS } from '../../lib/config/preflight';
import { EXAMPLE_CONFIG_DIR } from './config-fixture';

/**
 * The README's first command synthesizes the shipped example on the real today, so its app expiry
 * dates run out. They stay absolute (a relative expiry would never come up for review); this test
 * fails two months ahead, long enough to renew them in an ordinary change.
 */
const RENEWAL_NOTICE_DAYS = 60;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The example apps that expire before `now` plus the notice period, as `file: app expires date`. */
function expiringExampleApps(now: Date, noticeDays = RENEWAL_NOTICE_DAYS): string[] {
  const deadline = new Date(now.getTime() + noticeDays * DAY_MS).toISOString().slice(0, 10);
  const dir = path.join(EXAMPLE_CONFIG_DIR, 'tenants');
  return fs.readdirSync(dir).flatMap((name) => {
    const tenant = parseDocument(fs.readFileSync(path.join(dir, name), 'utf8')).toJS() as { apps: { id: string; expires: string }[] };
    return tenant.apps.filter((app) => app.expires < deadline).map((app) => `config/tenants/${name}: ${app.id} expires ${app.expires}`);
  });
}

function renewalMessage(expiring: readonly string[]): string {
  return `example app expiry dates run out within ${RENEWAL_NOTICE_DAYS} days: renew them (at most ${MAX_EXPIRY_DAYS} days ahead) in\n${expiring.join('\n')}`;
}

test(`the example apps stay valid for at least ${RENEWAL_NOTICE_DAYS} days from the real today`, () => {
  // WHEN
  const expiring = expiringExampleApps(new Date());
  // THEN
  if (expiring.length > 0) throw new Error(renewalMessage(expiring));
});

test.each(['dev', 'prod'])('the example config loads for %s on the real today, as npm run synth does', (environment) => {
  // WHEN
  const config = loadConfig({ configDir: EXAMPLE_CONFIG_DIR, environment });
  // THEN
  expect(config.tenants.length).toBeGreaterThan(0);
});

test('the renewal check names each example app that runs out within the notice period, by file', () => {
  // GIVEN the day the notice period of the earliest example expiry begins
  const earliest = expiringExampleApps(new Date('2100-01-01T00:00:00Z'))
    .map((app) => app.slice(-10))
    .sort()[0];
  const now = new Date(Date.parse(`${earliest}T12:00:00Z`) - (RENEWAL_NOTICE_DAYS - 1) * DAY_MS);
  // WHEN
  const message = renewalMessage(expiringExampleApps(now));
  // THEN
  expect(message).toMatch(/^example app expiry dates run out within 60 days: renew them \(at most 366 days ahead\) in\nconfig\/tenants\/[a-z-]+\.yaml: [a-z0-9-]+ expires /);
  expect(message).toContain(`expires ${earliest}`);
});

test('the example dates are set well within the one-year approval window from the fixed test day', () => {
  // WHEN
  const expiring = expiringExampleApps(new Date('2026-12-01T00:00:00Z'), 300);
  // THEN roughly eleven months ahead: none runs out within ten months
  expect(expiring).toEqual([]);
});
