import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Pool } from 'pg';

/**
 * A real PostgreSQL server for tests: a fresh cluster in a temp folder on a free loopback port, started
 * and stopped by the test itself. Needs PostgreSQL's server binaries (`initdb`, `postgres`: Debian's
 * `postgresql` package, which `.ci/run` installs when missing). As root, the server runs as the
 * `postgres` OS user, because PostgreSQL refuses to run as root.
 */
export interface TestPostgres {
  /** The loopback port. */
  readonly port: number;
  /** A pool connected as the superuser to the `microplane` database. */
  readonly admin: Pool;
  /** A connection string for `user`/`password` to the `microplane` database. */
  url(user: string, password: string): string;
  /** Stops the server and removes its files. */
  stop(): Promise<void>;
}

export const SUPERUSER = 'postgres';
export const SUPERUSER_PASSWORD = 'test-superuser-password';
export const DATABASE = 'microplane';

/** The folder holding `initdb` and `postgres`. */
function serverBinDir(): string {
  const candidates = [
    ...(process.env.PG_BIN_DIR ? [process.env.PG_BIN_DIR] : []),
    ...listVersions('/usr/lib/postgresql').map((version) => `/usr/lib/postgresql/${version}/bin`),
    '/usr/local/bin',
    '/usr/bin',
  ];
  const dir = candidates.find((candidate) => fs.existsSync(path.join(candidate, 'initdb')));
  if (!dir) {
    throw new Error('PostgreSQL server binaries (initdb, postgres) not found: install Debian\'s postgresql package or set PG_BIN_DIR');
  }
  return dir;
}

function listVersions(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root).sort((a, b) => Number(b) - Number(a));
}

function asServerUser(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(port: number, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`PostgreSQL exited with ${server.exitCode}:\n${log()}`);
    const client = new Client({ host: '127.0.0.1', port, user: SUPERUSER, password: SUPERUSER_PASSWORD, database: 'postgres' });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not start in 30 s: ${(error as Error).message}\n${log()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function postmasterPid(dataDir: string): number {
  return Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

/** Starts a fresh PostgreSQL cluster with a `microplane` database and password authentication. */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = serverBinDir();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'microplane-pg-'));
  const dataDir = path.join(root, 'data');
  const passwordFile = path.join(root, 'superuser-password');
  fs.writeFileSync(passwordFile, SUPERUSER_PASSWORD);
  if (process.getuid?.() === 0) execFileSync('chown', ['-R', 'postgres:postgres', root]);
  fs.chmodSync(root, 0o700);

  const [initdb, initArgs] = asServerUser(path.join(bin, 'initdb'), [
    '-D', dataDir, '-U', SUPERUSER, '--pwfile', passwordFile, '--auth', 'scram-sha-256', '--encoding', 'UTF8', '--no-sync',
  ]);
  execFileSync(initdb, initArgs, { stdio: 'pipe' });

  const port = await freePort();
  const [postgres, serverArgs] = asServerUser(path.join(bin, 'postgres'), [
    '-D', dataDir, '-p', String(port), '-k', root, '-c', 'listen_addresses=127.0.0.1',
    // A throwaway test cluster: durability settings off for speed.
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
  ]);
  let output = '';
  const server = spawn(postgres, serverArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout?.on('data', (chunk) => (output += chunk));
  server.stderr?.on('data', (chunk) => (output += chunk));
  await waitUntilReady(port, server, () => output);

  const bootstrap = new Client({ host: '127.0.0.1', port, user: SUPERUSER, password: SUPERUSER_PASSWORD, database: 'postgres' });
  await bootstrap.connect();
  await bootstrap.query(`CREATE DATABASE ${DATABASE}`);
  await bootstrap.end();

  const admin = new Pool({ host: '127.0.0.1', port, user: SUPERUSER, password: SUPERUSER_PASSWORD, database: DATABASE, max: 10 });
  return {
    port,
    admin,
    url: (user, password) =>
      `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`,
    stop: async () => {
      // Sockets may still close after end(); an error from them during shutdown is expected noise.
      admin.on('error', () => undefined);
      await admin.end();
      const exited = server.exitCode !== null ? Promise.resolve() : new Promise((resolve) => server.once('exit', resolve));
      // Signal the postmaster itself: `runuser` does not pass signals on. SIGINT is a fast shutdown.
      process.kill(postmasterPid(dataDir), 'SIGINT');
      await exited;
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
