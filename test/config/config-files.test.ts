import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../lib/config';
import { NOW, copyExampleConfig, problem, problemsLoading, readConfigFile, removeConfigCopies, writeConfigFile } from './config-fixture';

const ACME = 'tenants/acme-foods.yaml';
const GLOBEX = 'tenants/globex-hr.yaml';

const outsideDirs: string[] = [];

afterAll(() => {
  removeConfigCopies();
  for (const dir of outsideDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A temporary folder outside every config copy. */
function outsideFolder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'microplane-outside-'));
  outsideDirs.push(dir);
  return dir;
}

/** Bytes of the acme-foods tenant with `bytes` put in place of the first occurrence of `marker`. */
function acmeWithBytes(configDir: string, marker: string, bytes: number[]): Buffer {
  const text = readConfigFile(configDir, ACME);
  const at = Buffer.byteLength(text.slice(0, text.indexOf(marker)));
  return Buffer.concat([Buffer.from(text).subarray(0, at), Buffer.from(bytes), Buffer.from(text).subarray(at + Buffer.byteLength(marker))]);
}

describe('files that are not read', () => {
  test.each(['hooli.YAML', 'hooli.yml', 'hooli.Yaml'])('a tenant file named %s is refused, saying only .yaml is read', (name) => {
    // GIVEN
    const configDir = copyExampleConfig();
    writeConfigFile(configDir, `tenants/${name}`, readConfigFile(configDir, ACME));
    // WHEN
    const problems = problemsLoading(configDir);
    // THEN
    expect(problems).toEqual([problem(configDir, `tenants/${name}`, '(file)', 'only .yaml files are loaded: rename it to hooli.yaml (allowed: .yaml)')]);
  });

  test('an environment file named .yml is refused even when another environment is loaded', () => {
    // GIVEN
    const configDir = copyExampleConfig();
    writeConfigFile(configDir, 'environments/qa.yml', readConfigFile(configDir, 'environments/dev.yaml'));
    // WHEN
    const problems = problemsLoading(configDir);
    // THEN
    expect(problems).toEqual([problem(configDir, 'environments/qa.yml', '(file)', 'only .yaml files are loaded')]);
  });

  test.each(['acme-foods.yaml.bak', '.acme-foods.yaml.swp', 'notes.txt'])('any other file in a config folder (%s) is refused', (name) => {
    // GIVEN
    const configDir = copyExampleConfig();
    writeConfigFile(configDir, `tenants/${name}`, 'x');
    // WHEN
    const problems = problemsLoading(configDir);
    // THEN
    expect(problems).toEqual([problem(configDir, `tenants/${name}`, '(file)', 'unexpected entry: this folder holds only config files and notes')]);
  });

  test('a README.md beside the config files is left alone', () => {
    // GIVEN
    const configDir = copyExampleConfig();
    writeConfigFile(configDir, 'tenants/README.md', '# Tenants\n');
    writeConfigFile(configDir, 'environments/README.md', '# Environments\n');
    writeConfigFile(configDir, 'tenants/hooli.txt', 'x');
    // WHEN
    const problems = problemsLoading(configDir);
    // THEN only the text file is a problem
    expect(problems).toEqual([problem(configDir, 'tenants/hooli.txt', '(file)', 'unexpected entry')]);
  });

  test('an environment file whose name is not an environment name is refused', () => {
    // GIVEN
    const configDir = copyExampleConfig();
    writeConfigFile(configDir, 'environments/pre-prod.yaml', readConfigFile(configDir, 'environments/dev.yaml'));
    // WHEN
    const problems = problemsLoading(configDir);
    // THEN
    expect(problems).toEqual([problem(configDir, 'environments/pre-prod.yaml', '(file)', 'the file name must be an environment name')]);
  });
});

describe('links and unreadable entries', () => {
  test('a tenant file that links outside the config folder is refused, naming the link', () => {
    // GIVEN
    const configDir = copyExampleConfig();
    const outside = path.join(outsideFolder(), 'hooli.yaml');
    fs.writeFileSync(outside, readConfigFile(configDir, ACME).replace(/acme-foods/g, 'hooli'));
    fs.symlinkSync(outside, path.join(configDir, 'tenants', 'hooli.yaml'));
    // WHEN
    const problems = problemsLoading(configDir);
    // THEN
    expect(problems).toEqual([problem(configDir, 'tenants/hooli.yaml', '(file)', `is a link to ${fs.realpathSync(outside)}, outside the config folder`)]);
  });

  test('a tenants folder that links outside the config folder is refused for each file in it', () => {
    // GIVEN
    const configDir = copyExampleConfig();
    const outside = outsideFolder();
    fs.cpSync(path.join(configDir, 'tenants'), outside, { recursive: true });
    fs.rmSync(path.join(configDir, 'tenants'), { recursive: true });
    fs.symlinkSync(outside, path.join(configDir, 'tenants'));
    // WHEN
    const problems = problemsLoading(configDir);
    // THEN
    expect(problems.map((p) => [path.basename(p.file), p.message.split(',')[1]])).toEqual([
      ['acme-foods.yaml', ' outside the config folder: config must live in ' + path.relative(process.cwd(), configDir)],
      ['globex-hr.yaml', ' outside the config folder: config must live in ' + path.relative(process.cwd(), configDir)],
      ['initech-finance.yaml', ' outside the config folder: config must live in ' + path.relative(process.cwd(), configDir)],
    ]);
  });

  test('a link inside the config folder is followed', () => {
    // GIVEN
    const configDir = copyExampleConfig();
    fs.renameSync(path.join(configDir, ACME), path.join(configDir, 'tenants', 'acme-foods.md'));
    fs.symlinkSync('acme-foods.md', path.join(configDir, ACME));
    // WHEN
    const config = loadConfig({ configDir, environment: 'dev', now: NOW });
    // THEN
    expect(config.tenants.map((t) => t.id)).toContain('acme-foods');
  });

  test('a dangling link, a folder named like a config file and a broken field are all reported at once', () => {
    // GIVEN
    const configDir = copyExampleConfig();
    fs.symlinkSync('gone.yaml', path.join(configDir, 'tenants', 'hooli.yaml'));
    fs.mkdirSync(path.join(configDir, 'tenants', 'initech.yaml'));
    writeConfigFile(configDir, GLOBEX, readConfigFile(configDir, GLOBEX).replace('costCenter: HR-2040', 'costCenter: HR 2040'));
    // WHEN
    const problems = problemsLoading(configDir);
    // THEN
    expect(problems).toEqual([
      problem(configDir, GLOBEX, 'costCenter', 'must be 1 to 32 letters'),
      problem(configDir, 'tenants/hooli.yaml', '(file)', 'is a link to gone.yaml, which does not exist'),
      problem(configDir, 'tenants/initech.yaml', '(file)', 'is a folder: a config file must be a file'),
    ]);
  });

  // root reads any file whatever its mode, so this can only be shown as another user.
  const unlessRoot = process.getuid?.() === 0 ? test.skip : test;
  unlessRoot('a tenant file without read permission is reported, not thrown', () => {
    // GIVEN
    const configDir = copyExampleConfig();
    fs.chmodSync(path.join(configDir, ACME), 0o000);
    // WHEN
    const problems = problemsLoading(configDir);
    // THEN
    expect(problems).toEqual([problem(configDir, ACME, '(file)', 'cannot be read (EACCES)')]);
  });
});

describe('encoding', () => {
  test('invalid UTF-8 is refused with the byte offset and line of the first bad byte', () => {
    // GIVEN Latin-1 "é" (0xE9) where UTF-8 needs two bytes
    const configDir = copyExampleConfig();
    const bytes = acmeWithBytes(configDir, 'Maria', [0x4d, 0x61, 0x72, 0xe9, 0x61]);
    fs.writeFileSync(path.join(configDir, ACME), bytes);
    // WHEN
    const problems = problemsLoading(configDir);
    // THEN
    const offset = bytes.indexOf(0xe9);
    const line = bytes.subarray(0, offset).toString('latin1').split('\n').length;
    expect(problems).toEqual([
      problem(configDir, ACME, '(file)', `is not valid UTF-8: byte 0xE9 at byte offset ${offset} (line ${line}); save the file as UTF-8`),
    ]);
  });

  test('an overlong UTF-8 encoding is refused at the byte that starts it', () => {
    // GIVEN "/" encoded in two bytes (0xC0 0xAF), a classic way around path checks
    const configDir = copyExampleConfig();
    const bytes = acmeWithBytes(configDir, 'Maria', [0x4d, 0xc0, 0xaf]);
    fs.writeFileSync(path.join(configDir, ACME), bytes);
    // WHEN
    const problems = problemsLoading(configDir);
    // THEN
    expect(problems).toEqual([problem(configDir, ACME, '(file)', `byte 0xC0 at byte offset ${bytes.indexOf(0xc0)}`)]);
  });

  test('a UTF-8 byte order mark is accepted and dropped', () => {
    // GIVEN
    const configDir = copyExampleConfig();
    fs.writeFileSync(path.join(configDir, ACME), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(readConfigFile(configDir, ACME))]));
    // WHEN
    const config = loadConfig({ configDir, environment: 'dev', now: NOW });
    // THEN
    expect(config.tenants[0].id).toBe('acme-foods');
  });
});
