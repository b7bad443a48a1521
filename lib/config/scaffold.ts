import { isoDate } from './expiry';
import { SCAFFOLD_PLACEHOLDER } from './placeholders';
import { tenantId } from './schema';

/** Options of {@link scaffoldTenant}. */
export interface ScaffoldTenantOptions {
  /** The new tenant's id; also its file name. */
  readonly id: string;
  /** Today: the example app expires six months later. */
  readonly now: Date;
  /** The example app's tier, e.g. the first tier of the dev environment. */
  readonly tier: string;
  /**
   * The tenant's data residency.
   * @default 'eu-west-1'
   */
  readonly residency?: string;
}

/** Why `id` cannot be a tenant id, or undefined if it can. */
export function tenantIdProblem(id: string): string | undefined {
  const result = tenantId.safeParse(id);
  return result.success ? undefined : result.error.issues[0].message;
}

/**
 * The YAML of a new tenant with one example app, commented for the person who fills it in. Values only
 * a person can know hold {@link SCAFFOLD_PLACEHOLDER}, which the loader refuses, so the file cannot be
 * deployed until they are filled in. It starts in dev only, so a new tenant reaches production by an
 * explicit edit.
 */
export function scaffoldTenant(options: ScaffoldTenantOptions): string {
  const { id, now, tier, residency = 'eu-west-1' } = options;
  const problem = tenantIdProblem(id);
  if (problem) throw new Error(`Invalid tenant id "${id}": ${problem}`);
  const appId = `${id}-example`;
  return `# yaml-language-server: $schema=../schema/tenant.schema.json
# Tenant ${id}: a business unit or team hosting micro apps on Microplane.
# Replace every ${SCAFFOLD_PLACEHOLDER} value: the config is refused until none is left. Check it with: npm run synth

# Must match the file name. Names the tenant's stack, key alias and cost tags: never rename it.
id: ${id}
displayName: ${titleCase(id)}

# The person accountable for this tenant's apps and spend.
owner:
  name: CHANGE-ME Owner Name
  email: change-me@example.com

# Cost center for chargeback, tagged on every resource of this tenant.
costCenter: CHANGE-ME

# pooled: shares the platform's database cluster and vector collection (cheaper).
# siloed: gets its own; required as soon as any app handles regulated data.
isolation: pooled

# The region where this tenant's data must stay; it must be a residency region of each environment.
residency: ${residency}

# The environments this tenant is deployed to. Add prod when the tenant is ready for it;
# leave the list out to deploy to every environment.
environments: [dev]

apps:
  # App ids are unique across all tenants and are the OAuth audience of the app's service tokens.
  - id: ${appId}
    displayName: ${titleCase(id)} example app
    owner: change-me@example.com
    purpose: ${SCAFFOLD_PLACEHOLDER} what the app does and for whom, in a sentence or two.
    # A usage tier of the environment: it sets the app's rate limit, burst and quota.
    tier: ${tier}
    # The most sensitive data the app handles: public, internal, confidential or regulated.
    dataClassification: internal
    # The app loses access after this date; renew it at most one year ahead.
    expires: ${isoDate(addMonths(now, 6))}
    # Where the sign-in page may send users back to: https, or http://localhost for development.
    callbackUrls:
      - https://${appId}.apps.example.com/callback
      - http://localhost:5173/callback
    logoutUrls:
      - https://${appId}.apps.example.com/
    # Platform scopes the app may request: whoami.read, notes.read, notes.write, documents.read, documents.text, documents.write.
    scopes:
      - whoami.read
`;
}

function titleCase(id: string): string {
  return id
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}

/** The same day `months` later, or the last day of that month if it is shorter. */
function addMonths(date: Date, months: number): Date {
  const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  return target;
}
