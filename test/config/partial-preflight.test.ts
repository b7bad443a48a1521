import * as path from 'node:path';
import { copyExampleConfig, editYaml, problem, problemsLoading, readConfigFile, removeConfigCopies, writeConfigFile } from './config-fixture';

/** The pre-flight rules also run on the valid parts of a tenant file that fails its schema. */

const ACME = 'tenants/acme-foods.yaml';
const GLOBEX = 'tenants/globex-hr.yaml';

afterAll(removeConfigCopies);

test('a bad email and an undefined tier in the same app are both reported in one error', () => {
  // GIVEN
  const config = copyExampleConfig();
  editYaml(config, ACME, (doc) => {
    doc.setIn(['apps', 0, 'owner'], 'tom');
    doc.setIn(['apps', 0, 'tier'], 'gold');
  });
  // WHEN
  const problems = problemsLoading(config);
  // THEN
  expect(problems).toEqual([
    problem(config, ACME, 'apps[0].owner', 'must be an email address'),
    problem(config, ACME, 'apps[0].tier', 'tier "gold" is not defined by environment "dev" (allowed: sandbox, standard, premium)'),
  ]);
});

test('an invalid tenant-level field still lets the duplicate app id and expiry rules run', () => {
  // GIVEN
  const config = copyExampleConfig();
  editYaml(config, GLOBEX, (doc) => {
    doc.set('costCenter', 'HR 2040!');
    doc.setIn(['apps', 0, 'id'], 'where2eat');
    doc.setIn(['apps', 1, 'expires'], '2027-11-24');
  });
  // WHEN
  const problems = problemsLoading(config);
  // THEN
  const acmeFile = path.relative(process.cwd(), path.join(config, ACME));
  expect(problems).toEqual([
    problem(config, GLOBEX, 'costCenter', 'must be 1 to 32 letters, digits, hyphens or underscores'),
    problem(config, GLOBEX, 'apps[1].expires', '2027-11-24 is more than 366 days ahead'),
    problem(config, GLOBEX, 'apps[0].id', `duplicate app id "where2eat", also in ${acmeFile} at apps[0].id`),
  ]);
});

test('an app with an invalid field still gets its residency, tier and expiry problems at its own index', () => {
  // GIVEN
  const config = copyExampleConfig();
  editYaml(config, ACME, (doc) => {
    doc.set('residency', 'us-east-1');
    doc.setIn(['apps', 2, 'scopes'], ['notes.delete']);
    doc.setIn(['apps', 2, 'tier'], 'gold');
    doc.setIn(['apps', 2, 'expires'], '2028-01-01');
  });
  // WHEN
  const problems = problemsLoading(config);
  // THEN
  expect(problems).toEqual([
    problem(config, ACME, 'apps[2].scopes[0]', 'unknown value "notes.delete"'),
    problem(config, ACME, 'apps[2].expires', '2028-01-01 is more than 366 days ahead'),
    problem(config, ACME, 'apps[2].tier', 'tier "gold" is not defined by environment "dev"'),
    problem(config, ACME, 'residency', '"us-east-1" is outside the residency regions of environment "dev"'),
  ]);
});

test('an app that is not a mapping keeps the apps after it at their own index', () => {
  // GIVEN
  const config = copyExampleConfig();
  editYaml(config, ACME, (doc) => {
    doc.setIn(['apps', 0], 'where2eat');
    doc.setIn(['apps', 1, 'tier'], 'gold');
  });
  // WHEN
  const problems = problemsLoading(config);
  // THEN
  expect(problems).toEqual([
    problem(config, ACME, 'apps[0]', 'must be a mapping of fields'),
    problem(config, ACME, 'apps[1].tier', 'tier "gold" is not defined by environment "dev"'),
  ]);
});

test('a tenant file that is not a mapping gets no pre-flight problems', () => {
  // GIVEN a list holding a tenant that would break the file-name and tier rules
  const config = copyExampleConfig();
  const tenant = readConfigFile(config, ACME).replace('id: acme-foods', 'id: acme').replace('tier: standard', 'tier: gold');
  writeConfigFile(config, 'tenants/hooli.yaml', `- ${tenant.replace(/\n/g, '\n  ')}`);
  // WHEN
  const problems = problemsLoading(config);
  // THEN
  expect(problems).toEqual([problem(config, 'tenants/hooli.yaml', '(file)', 'must be a mapping of fields (got a list)')]);
});

test('a field the schema rejected gets no second problem from the pre-flight rules', () => {
  // GIVEN values that break the schema and would also break a rule if read
  const config = copyExampleConfig();
  editYaml(config, ACME, (doc) => {
    doc.set('id', 'Acme');
    doc.set('residency', 'mars-1');
    doc.setIn(['apps', 0, 'tier'], 'Gold');
    doc.setIn(['apps', 1, 'callbackUrls'], ['http://rooms.apps.example.com/callback', 'not a url']);
  });
  // WHEN
  const problems = problemsLoading(config);
  // THEN
  expect(problems).toEqual([
    problem(config, ACME, 'id', 'tenant id must be a lowercase DNS label'),
    problem(config, ACME, 'residency', 'must be an AWS region code'),
    problem(config, ACME, 'apps[0].tier', 'tier names are 2 to 31 lowercase letters'),
    problem(config, ACME, 'apps[1].callbackUrls[1]', 'must be a URL'),
  ]);
});

test('a tenant whose environments list is invalid gets no placement problems, as where it runs is unknown', () => {
  // GIVEN
  const config = copyExampleConfig();
  editYaml(config, ACME, (doc) => {
    doc.set('environments', 'prod');
    doc.setIn(['apps', 0, 'tier'], 'gold');
    doc.setIn(['apps', 1, 'expires'], '2027-11-24');
  });
  // WHEN
  const problems = problemsLoading(config);
  // THEN
  expect(problems).toEqual([
    problem(config, ACME, 'environments', 'must be a list (got string "prod")'),
    problem(config, ACME, 'apps[1].expires', '2027-11-24 is more than 366 days ahead'),
  ]);
});
