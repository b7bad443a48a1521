import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Document, parseDocument } from 'yaml';
import { ConfigError, ConfigProblem, loadConfig } from '../../lib/config';

/** The day the example config is checked against: its expiry dates are valid from here. */
export const NOW = new Date('2026-11-22T09:00:00Z');

/** The shipped example config. */
export const EXAMPLE_CONFIG_DIR = path.join(__dirname, '..', '..', 'config');

const copies: string[] = [];

/** A private copy of the example config to break; returns its config folder. */
export function copyExampleConfig(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'microplane-config-'));
  copies.push(root);
  const configDir = path.join(root, 'config');
  fs.cpSync(EXAMPLE_CONFIG_DIR, configDir, { recursive: true });
  return configDir;
}

/** Deletes every copy made by {@link copyExampleConfig}; call it from `afterAll`. */
export function removeConfigCopies(): void {
  for (const root of copies.splice(0)) fs.rmSync(root, { recursive: true, force: true });
}

/** Edits a config file through the YAML document API, keeping its comments. */
export function editYaml(configDir: string, file: string, edit: (document: Document) => void): void {
  const document = parseDocument(readConfigFile(configDir, file));
  edit(document);
  writeConfigFile(configDir, file, document.toString());
}

export function readConfigFile(configDir: string, file: string): string {
  return fs.readFileSync(path.join(configDir, file), 'utf8');
}

export function writeConfigFile(configDir: string, file: string, text: string): void {
  fs.writeFileSync(path.join(configDir, file), text);
}

/** The problems loadConfig throws for this config; fails the test if it loads. */
export function problemsLoading(configDir: string, environment = 'dev'): readonly ConfigProblem[] {
  try {
    loadConfig({ configDir, environment, now: NOW });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the config to be refused, but it loaded');
}

/** A matcher for one problem: exact file and path, and a distinctive part of the message. */
export function problem(configDir: string, file: string, fieldPath: string, messagePart: string) {
  return {
    file: path.relative(process.cwd(), path.join(configDir, file)),
    path: fieldPath,
    message: expect.stringContaining(messagePart),
  };
}
