import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AppCatalog, CatalogApp, CatalogBudget } from './app-catalog';

/** The catalog's files in a cloud assembly: for tooling and for people. */
export const CATALOG_FILES = { json: 'catalog.json', markdown: 'catalog.md' } as const;

/** The catalog as a Markdown page: totals, then one table per tenant. */
export function catalogMarkdown(catalog: AppCatalog): string {
  const { totals } = catalog;
  const lines = [
    `# Microplane app catalog: ${catalog.environment}`,
    '',
    `As of ${catalog.asOf}: ${totals.tenants} tenants, ${totals.apps} apps ` +
      `(${formatCounts(totals.byStatus)}; risk ${formatCounts(totals.byRiskTier)}).`,
  ];
  for (const tenant of catalog.tenants) {
    lines.push(
      '',
      `## ${escapeCell(tenant.displayName)} (\`${tenant.id}\`)`,
      '',
      `Owner ${escapeCell(tenant.owner.name)} <${tenant.owner.email}>, cost center \`${tenant.costCenter}\`, ` +
        `${tenant.isolation}, data in ${tenant.residency}, risk ${tenant.riskTier}, budget ${formatBudget(tenant.budget)}.`,
      '',
      '| app | owner | purpose | tier | quota | budget | data class | risk | expires | status |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...tenant.apps.map(appRow),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Writes `catalog.json` and `catalog.md` into `outdir` (a cloud assembly such as `cdk.out`). */
export function writeCatalog(outdir: string, catalog: AppCatalog): void {
  fs.mkdirSync(outdir, { recursive: true });
  fs.writeFileSync(path.join(outdir, CATALOG_FILES.json), `${JSON.stringify(catalog, null, 2)}\n`);
  fs.writeFileSync(path.join(outdir, CATALOG_FILES.markdown), catalogMarkdown(catalog));
}

function appRow(app: CatalogApp): string {
  const quota = `${app.quota.requests.toLocaleString('en-US')}/${app.quota.period}, ${app.quota.ratePerSecond}/s (burst ${app.quota.burst})`;
  const cells = [
    `\`${app.id}\` ${app.displayName}`,
    app.owner,
    app.purpose,
    app.tier,
    quota,
    formatBudget(app.budget),
    app.dataClassification,
    app.features.length > 0 ? `${app.riskTier} (${app.features.join(', ')})` : app.riskTier,
    app.expires,
    app.status,
  ];
  return `| ${cells.map(escapeCell).join(' | ')} |`;
}

function formatBudget(budget: CatalogBudget | undefined): string {
  return budget ? `$${budget.monthlyLimitUsd.toLocaleString('en-US')}/month (${budget.thresholds.join('; ')})` : 'none';
}

function formatCounts(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts).map(([key, count]) => `${count} ${key}`).join(', ');
}

/** Config text is plain text on one line (the schema ensures it); a pipe would still split a cell. */
function escapeCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
}
