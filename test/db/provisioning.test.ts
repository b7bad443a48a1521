import { Pool } from 'pg';
import { tenantDatabaseNames } from '../../lambdas/shared/db/tenant-names';
import { ProvisioningError } from '../../lambdas/schema-provisioner/errors';
import type { Migration } from '../../lambdas/schema-provisioner/migrations';
import { disableTenant, provisionTenant, scramSha256Verifier } from '../../lambdas/schema-provisioner/provision';
import { toPositional, type SqlClient, type SqlParams } from '../../lambdas/shared/db/sql-client';
import { DATABASE } from '../support/postgres';
import { migrationsFolder, NOTES_V1, sqlErrorOf, startTenantCluster, type TenantCluster } from './support/tenant-cluster';

let cluster: TenantCluster;
let migrations: Migration[];

beforeAll(async () => {
  cluster = await startTenantCluster();
  migrations = migrationsFolder({ '0001_notes.sql': NOTES_V1 }).migrations;
});

afterAll(async () => {
  await cluster.stop();
});

/** Whether `role` can log in with `password`, through a connection of its own. */
async function canLogIn(role: string, password: string): Promise<true | string> {
  const pool = new Pool({ connectionString: cluster.postgres.url(role, password), max: 1 });
  try {
    await pool.query('SELECT 1');
    return true;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await pool.end();
  }
}

/** `db`, reporting every statement it is sent to `sent`. */
function recording(db: SqlClient, sent: Array<{ sql: string; params: SqlParams }>): SqlClient {
  return {
    query: (sql, params = {}) => {
      sent.push({ sql, params });
      return db.query(sql, params);
    },
    transaction: (work) => db.transaction((tx) => work(recording(tx, sent))),
  };
}

async function roleOf(role: string) {
  const [row] = await cluster.superuser.query(
    `SELECT r.rolcanlogin AS login, r.rolsuper AS superuser, r.rolcreatedb AS createdb, r.rolcreaterole AS createrole,
            r.rolconfig AS config, left(a.rolpassword, 19) AS password
       FROM pg_roles r JOIN pg_authid a ON a.oid = r.oid WHERE r.rolname = :role`,
    { role },
  );
  return row;
}

describe('tenant names', () => {
  test('a tenant schema and role are tenant_ and the id with underscores', () => {
    expect(tenantDatabaseNames('acme-corp')).toEqual({ schema: 'tenant_acme_corp', role: 'tenant_acme_corp' });
  });

  test('the longest tenant id fits PostgreSQL identifiers', () => {
    expect(Buffer.byteLength(tenantDatabaseNames(`a${'b-'.repeat(15)}z`).schema)).toBeLessThanOrEqual(63);
  });

  test.each(['Acme', 'a', 'acme_corp', 'acme--corp', 'x"; DROP SCHEMA public; --'])('%j is not a tenant id', (tenantId) => {
    expect(() => tenantDatabaseNames(tenantId)).toThrow('Invalid tenant id');
  });
});

describe('provisioning', () => {
  test('a provisioned tenant role logs in, has its schema as search path and no role-making powers', async () => {
    // WHEN
    await cluster.provision('alpha', 'alpha-password-1', migrations);
    // THEN
    expect(await canLogIn('tenant_alpha', 'alpha-password-1')).toBe(true);
    expect(await roleOf('tenant_alpha')).toEqual({
      login: true,
      superuser: false,
      createdb: false,
      createrole: false,
      config: ['search_path=tenant_alpha'],
      password: 'SCRAM-SHA-256$4096:',
    });
  });

  test('provisioning twice is idempotent: same role, schema and version, nothing applied again', async () => {
    // GIVEN
    const first = await cluster.provision('twice', 'twice-password-1', migrations);
    // WHEN
    const second = await cluster.provision('twice', 'twice-password-1', migrations);
    // THEN
    expect(second).toEqual({ ...first, applied: [] });
    expect(await canLogIn('tenant_twice', 'twice-password-1')).toBe(true);
  });

  test('twenty tenants provisioned at once all succeed', async () => {
    // Without the advisory lock, concurrent GRANT/REVOKE on the database fail with "tuple concurrently updated".
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => cluster.provision(`crowd-${i}`, `crowd-password-${i}`, migrations)),
    );
    expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
  });

  test('provisioning with a new password rotates it: the new one logs in, the old one no longer does', async () => {
    // GIVEN
    await cluster.provision('rotates', 'old-password-1', migrations);
    // WHEN
    await cluster.provision('rotates', 'new-password-2', migrations);
    // THEN
    expect(await canLogIn('tenant_rotates', 'new-password-2')).toBe(true);
    expect(await canLogIn('tenant_rotates', 'old-password-1')).toMatch(/password authentication failed/);
  });

  test('the server receives only a SCRAM verifier, never the password itself', async () => {
    // GIVEN every statement the master user sends
    const sent: Array<{ sql: string; params: SqlParams }> = [];
    // WHEN
    await provisionTenant({
      admin: recording(cluster.master, sent),
      connectAsTenant: cluster.connectAs,
      tenantId: 'verifier',
      password: 'plain-password-never-sent',
      migrations,
      database: DATABASE,
    });
    // THEN
    const transcript = JSON.stringify(sent);
    expect(transcript).not.toContain('plain-password-never-sent');
    expect(transcript).toMatch(/CREATE ROLE tenant_verifier WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD 'SCRAM-SHA-256\$4096:/);
  });

  test('every result provisioning reads is text or bool, types the Data API can return', async () => {
    // GIVEN every query the master user and the tenant send
    const sent: Array<{ sql: string; params: SqlParams }> = [];
    await provisionTenant({
      admin: recording(cluster.master, sent),
      connectAsTenant: (role, password) => recording(cluster.connectAs(role, password), sent),
      tenantId: 'typed',
      password: 'typed-password',
      migrations,
      database: DATABASE,
    });
    // WHEN PostgreSQL describes the result of each query (the one INSERT … RETURNING returns a text column)
    const types = new Set<string>();
    for (const { sql, params } of sent.filter((query) => /^\s*SELECT\b/i.test(query.sql))) {
      const { text, values } = toPositional(sql, params);
      const { fields } = await cluster.postgres.admin.query(text, values);
      for (const field of fields) {
        const { rows } = await cluster.postgres.admin.query('SELECT typname FROM pg_type WHERE oid = $1', [field.dataTypeID]);
        types.add(rows[0].typname);
      }
    }
    // THEN
    expect([...types].sort()).toEqual(['bool', 'text']);
  });

  test('the SCRAM verifier matches the RFC 7677 test vector', () => {
    // RFC 7677 test vector: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations
    const verifier = scramSha256Verifier('pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'));
    expect(verifier).toBe(
      'SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=',
    );
  });

  test('a password outside printable ASCII is refused before any SQL runs', async () => {
    const error = await provisionTenant({
      admin: cluster.master,
      connectAsTenant: cluster.connectAs,
      tenantId: 'unicode',
      password: 'pässword',
      migrations,
      database: DATABASE,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProvisioningError);
    expect(await roleOf('tenant_unicode')).toBeUndefined();
  });

  test('a schema of the tenant name owned by another role stops provisioning, and nothing is created', async () => {
    // GIVEN
    await cluster.master.query('CREATE SCHEMA tenant_squatted');
    // WHEN
    const error = await cluster.provision('squatted', 'squatted-password', migrations).catch((e: unknown) => e);
    // THEN
    expect(error).toBeInstanceOf(ProvisioningError);
    expect((error as Error).message).toBe('Schema tenant_squatted exists but is owned by microplane_admin, not the tenant role tenant_squatted');
    expect(await roleOf('tenant_squatted')).toBeUndefined();
  });

  test('a tenant that could use another schema through a PUBLIC grant fails provisioning, naming the schema', async () => {
    // GIVEN a schema someone opened to everyone
    await cluster.master.query('CREATE SCHEMA shared_tools');
    await cluster.master.query('GRANT USAGE ON SCHEMA shared_tools TO PUBLIC');
    try {
      // WHEN
      const error = await cluster.provision('exposed', 'exposed-password', migrations).catch((e: unknown) => e);
      // THEN
      expect(error).toBeInstanceOf(ProvisioningError);
      expect((error as Error).message).toMatch(/^Tenant role tenant_exposed can use schemas other than its own: shared_tools\./);
    } finally {
      await cluster.master.query('DROP SCHEMA shared_tools');
    }
  });

  test('a tenant role made a member of another role loses that membership at the next provisioning', async () => {
    // GIVEN a tenant someone granted read access to every table
    await cluster.provision('member', 'member-password', migrations);
    await cluster.superuser.query('GRANT pg_read_all_data TO tenant_member');
    // WHEN
    await cluster.provision('member', 'member-password', migrations);
    // THEN
    const [{ member }] = await cluster.superuser.query(`SELECT pg_has_role('tenant_member', 'pg_read_all_data', 'MEMBER') AS member`);
    expect(member).toBe(false);
  });
});

describe('deleting', () => {
  test('deleting a tenant refuses its logins and keeps its schema and data', async () => {
    // GIVEN a tenant with data
    await cluster.provision('leaving', 'leaving-password', migrations);
    await cluster.connectAs('tenant_leaving', 'leaving-password').query(`INSERT INTO notes (body) VALUES ('keep me')`);
    // WHEN
    const result = await disableTenant(cluster.master, 'leaving');
    // THEN
    expect(result).toEqual({ role: 'tenant_leaving', found: true });
    expect(await canLogIn('tenant_leaving', 'leaving-password')).toMatch(/is not permitted to log in/);
    expect(await cluster.superuser.query('SELECT body FROM tenant_leaving.notes')).toEqual([{ body: 'keep me' }]);
  });

  test('provisioning a deleted tenant again restores its login, with its data', async () => {
    // GIVEN the tenant disabled above
    // WHEN
    const result = await cluster.provision('leaving', 'leaving-password', migrations);
    // THEN
    expect(result.applied).toEqual([]);
    const tenant = cluster.connectAs('tenant_leaving', 'leaving-password');
    expect(await tenant.query('SELECT body FROM notes')).toEqual([{ body: 'keep me' }]);
  });

  test('deleting a tenant that was never provisioned does nothing', async () => {
    expect(await disableTenant(cluster.master, 'never-here')).toEqual({ role: 'tenant_never_here', found: false });
  });

  test("a disabled tenant's login is refused with SQLSTATE 28000", async () => {
    await cluster.provision('gone', 'gone-password', migrations);
    await disableTenant(cluster.master, 'gone');
    const error = await sqlErrorOf(cluster.connectAs('tenant_gone', 'gone-password').query('SELECT 1'));
    expect(error.sqlState).toBe('28000');
  });
});
