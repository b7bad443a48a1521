import { PgSqlClient } from '../../lambdas/shared/db/pg-client';
import { MASTER, migrationsFolder, NOTES_V1, sqlErrorOf, startTenantCluster, type TenantCluster } from './support/tenant-cluster';

const PASSWORDS = { acme: 'acme-password-0001', globex: 'globex-password-0002', initech: 'initech-password-0003' };
let cluster: TenantCluster;
let acme: PgSqlClient;

beforeAll(async () => {
  cluster = await startTenantCluster();
  const { migrations } = migrationsFolder({ '0001_notes.sql': NOTES_V1 });
  // Tenant stacks deploy in parallel, so their schemas are provisioned at the same time.
  await Promise.all(Object.entries(PASSWORDS).map(([tenantId, password]) => cluster.provision(tenantId, password, migrations)));
  await cluster.connectAs('tenant_globex', PASSWORDS.globex).query(`INSERT INTO notes (body) VALUES ('globex only')`);
  await cluster.master.query('CREATE TABLE public.platform_settings (key text PRIMARY KEY, value text)');
  await cluster.master.query(`INSERT INTO public.platform_settings VALUES ('plan', 'gold')`);
  acme = cluster.connectAs('tenant_acme', PASSWORDS.acme);
});

afterAll(async () => {
  await cluster.stop();
});

test('tenants provisioned in parallel each get their own schema owned by their own role', async () => {
  const schemas = await cluster.master.query(
    `SELECT nspname AS schema, pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname LIKE 'tenant\\_%' ORDER BY 1`,
  );
  expect(schemas).toEqual([
    { schema: 'tenant_acme', owner: 'tenant_acme' },
    { schema: 'tenant_globex', owner: 'tenant_globex' },
    { schema: 'tenant_initech', owner: 'tenant_initech' },
  ]);
});

test.each([
  ['read', 'SELECT * FROM tenant_globex.notes'],
  ['insert', `INSERT INTO tenant_globex.notes (body) VALUES ('intruder')`],
  ['update', `UPDATE tenant_globex.notes SET body = 'intruder'`],
  ['delete', 'DELETE FROM tenant_globex.notes'],
  ['create a table', 'CREATE TABLE tenant_globex.intruder (id int)'],
])("a tenant is denied permission to %s in another tenant's schema", async (_, sql) => {
  // GIVEN acme connected with its own login  WHEN it reaches into globex's schema
  const error = await sqlErrorOf(acme.query(sql));
  // THEN
  expect(error.sqlState).toBe('42501');
  expect(error.message).toMatch(/permission denied/);
});

test.each([
  ['create a table', 'CREATE TABLE public.intruder (id int)'],
  ['read a platform table', 'SELECT * FROM public.platform_settings'],
  ['write a platform table', `INSERT INTO public.platform_settings VALUES ('plan', 'free')`],
])('a tenant is denied permission to %s in the public schema', async (_, sql) => {
  const error = await sqlErrorOf(acme.query(sql));
  expect(error.sqlState).toBe('42501');
  expect(error.message).toMatch(/permission denied/);
});

test('a tenant is denied temporary tables, which PUBLIC no longer grants', async () => {
  const error = await sqlErrorOf(acme.query('CREATE TEMP TABLE scratch (id int)'));
  expect(error.sqlState).toBe('42501');
});

test("the other tenant's data is untouched by the attempts", async () => {
  const rows = await cluster.connectAs('tenant_globex', PASSWORDS.globex).query('SELECT body FROM notes');
  expect(rows).toEqual([{ body: 'globex only' }]);
});

test('a tenant can create, read, write and delete in its own schema through unqualified names', async () => {
  // WHEN
  await acme.query('CREATE TABLE drafts (id int PRIMARY KEY, body text)');
  await acme.query(`INSERT INTO drafts VALUES (1, 'first')`);
  await acme.query(`UPDATE drafts SET body = 'edited' WHERE id = 1`);
  const read = await acme.query('SELECT body FROM tenant_acme.drafts');
  await acme.query('DELETE FROM drafts WHERE id = 1');
  await acme.query(`INSERT INTO notes (body) VALUES ('acme note')`);
  // THEN
  expect(read).toEqual([{ body: 'edited' }]);
  expect(await acme.query('SELECT count(*)::int AS n FROM drafts')).toEqual([{ n: 0 }]);
  expect(await acme.query('SELECT body FROM notes')).toEqual([{ body: 'acme note' }]);
});

test('a new tenant connection finds its schema through the role, without any SET', async () => {
  const fresh = cluster.connectAs('tenant_initech', PASSWORDS.initech);
  expect(await fresh.query('SELECT current_user AS who, current_schema() AS schema')).toEqual([
    { who: 'tenant_initech', schema: 'tenant_initech' },
  ]);
});

test("the tables a tenant's migrations create belong to the tenant", async () => {
  const owners = await cluster.master.query(`SELECT tableowner AS owner FROM pg_tables WHERE schemaname = 'tenant_initech' ORDER BY tablename`);
  expect(owners).toEqual([{ owner: 'tenant_initech' }, { owner: 'tenant_initech' }]);
});

test('provisioning needs no superuser, and the master user keeps no membership in tenant roles', async () => {
  const [master] = await cluster.master.query(
    `SELECT rolsuper AS superuser, rolcreaterole AS createrole, pg_has_role(current_user, 'tenant_acme', 'MEMBER') AS member
       FROM pg_roles WHERE rolname = current_user`,
  );
  expect(master).toEqual({ superuser: false, createrole: true, member: false });
  expect(MASTER).toBe('microplane_admin');
});
