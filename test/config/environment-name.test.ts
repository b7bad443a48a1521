import * as path from 'node:path';
import { copyExampleConfig, editYaml, problemsLoading, removeConfigCopies } from './config-fixture';

afterAll(removeConfigCopies);

test.each(['./dev', '../x', 'DEV', 'dev/', 'environments/dev', ''])('loading the environment %j is refused, naming the environments there are', (name) => {
  // GIVEN a tenant that lists dev, which a path resolving to dev.yaml would silently leave out
  const config = copyExampleConfig();
  editYaml(config, 'tenants/globex-hr.yaml', (doc) => doc.set('environments', ['dev']));
  // WHEN
  const problems = problemsLoading(config, name);
  // THEN
  expect(problems).toEqual([
    {
      file: path.relative(process.cwd(), path.join(config, 'environments')),
      path: '(file)',
      message: `${JSON.stringify(name)} is not an environment name (2 to 10 lowercase letters or digits, starting with a letter); name one of the files here (allowed: dev, prod)`,
    },
  ]);
});
