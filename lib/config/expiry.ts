import { ConfigProblem, formatPath } from './errors';
import type { LoadedFile } from './preflight';
import type { AppConfig, TenantConfig } from './schema';

/** An app expiring within this many days is announced at every synth, so its owner can renew in time. */
export const EXPIRY_WARNING_DAYS = 14;

const DAY_MS = 24 * 60 * 60 * 1000;

/** `YYYY-MM-DD` of a moment, in UTC: the form `expires` is written in. */
export function isoDate(moment: Date): string {
  return moment.toISOString().slice(0, 10);
}

/** Whether an app's approval has run out: it expires at the end of its `expires` day (UTC). */
export function isExpired(app: Pick<AppConfig, 'expires'>, now: Date): boolean {
  return app.expires < isoDate(now);
}

/** Whether an app that has not expired does so within {@link EXPIRY_WARNING_DAYS} days. */
export function expiresSoon(app: Pick<AppConfig, 'expires'>, now: Date): boolean {
  return !isExpired(app, now) && app.expires <= isoDate(new Date(now.getTime() + EXPIRY_WARNING_DAYS * DAY_MS));
}

/**
 * The apps of a tenant as they are deployed: an expired app stays in the config (and keeps its
 * client and registry entry, so renewing it changes nothing else) but is deployed disabled, so its
 * usage key is off and the token exchange and authorizer refuse it. A synth never fails because an
 * approval ran out: that would block every other tenant's deploy on one app's paperwork.
 */
export function withExpiredAppsDisabled(tenant: TenantConfig, now: Date): TenantConfig {
  if (!tenant.apps.some((app) => app.enabled && isExpired(app, now))) return tenant;
  return { ...tenant, apps: tenant.apps.map((app) => (app.enabled && isExpired(app, now) ? { ...app, enabled: false } : app)) };
}

/** One warning per app that has expired or expires within {@link EXPIRY_WARNING_DAYS} days. */
export function expiryWarnings(tenant: LoadedFile<TenantConfig>, now: Date): ConfigProblem[] {
  return tenant.value.apps.flatMap((app, index) => {
    const path = formatPath(['apps', index, 'expires']);
    if (isExpired(app, now)) {
      return [{ file: tenant.file, path, message: `app ${app.id} expired on ${app.expires}: it is deployed disabled (usage key off, tokens refused); renew it or remove it` }];
    }
    if (expiresSoon(app, now)) {
      const days = Math.round((Date.parse(app.expires) - Date.parse(isoDate(now))) / DAY_MS);
      return [{ file: tenant.file, path, message: `app ${app.id} expires on ${app.expires}, in ${days} day${days === 1 ? '' : 's'}: renew it or it is disabled` }];
    }
    return [];
  });
}
