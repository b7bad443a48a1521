import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as aoss from 'aws-cdk-lib/aws-opensearchserverless';
import { VectorStore } from '../../lib/constructs/vector-store';
import { addSecurityChecks } from '../../lib/microplane';

// policies/guard/vectors.guard: OpenSearch Serverless collections are private and under customer-managed
// keys. Each rule fails on a fixture that breaks it, whether the policy document is a plain string or a
// Fn::Join (as CDK writes it when the document names a key or endpoint of the same template).

function newApp(): App {
  return new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'microplane-vectors-guard-')) });
}

/** The synth error's text, or '' when synth passed. */
function synthErrors(app: App): string {
  try {
    app.synth();
    return '';
  } catch (error) {
    const report = path.join(app.outdir, 'validation-report.json');
    return `${(error as Error).message}\n${fs.existsSync(report) ? fs.readFileSync(report, 'utf8') : ''}`;
  }
}

/** `document` after checking it is a token, which CloudFormation receives as a Fn::Join. */
function joined(document: string): string {
  expect(Token.isUnresolved(document)).toBe(true);
  return document;
}

/** A security policy of `type` whose document is `policy`, checked like the platform's stacks. */
function errorsFor(type: 'network' | 'encryption', policy: (stack: Stack) => string): string {
  const app = newApp();
  const stack = new Stack(app, 'Bad');
  new aoss.CfnSecurityPolicy(stack, 'Policy', { name: 'bad-policy', type, policy: policy(stack) });
  addSecurityChecks(app);
  return synthErrors(app);
}

test.each([
  ['as a string', () => JSON.stringify([{ Rules: [{ ResourceType: 'collection', Resource: ['collection/open'] }], AllowFromPublic: true }])],
  [
    'in a Fn::Join',
    (stack: Stack) =>
      joined(stack.toJsonString([{ Rules: [{ ResourceType: 'collection', Resource: [`collection/c-${stack.account}`] }], AllowFromPublic: true }])),
  ],
])('a network policy allowing public access %s fails the Guard policy', (_, policy) => {
  expect(errorsFor('network', policy)).toContain('microplane_aoss_network_policies_private');
});

test.each([
  ['the AWS owned key, as a string', () => JSON.stringify({ Rules: [{ ResourceType: 'collection', Resource: ['collection/c'] }], AWSOwnedKey: true })],
  ['the AWS owned key, in a Fn::Join', (stack: Stack) => joined(stack.toJsonString({ Rules: [{ ResourceType: 'collection', Resource: [`collection/c-${stack.account}`] }], AWSOwnedKey: true }))],
  ['no key at all', () => JSON.stringify({ Rules: [{ ResourceType: 'collection', Resource: ['collection/c'] }], AWSOwnedKey: false })],
])('an encryption policy with %s fails the Guard policy', (_, policy) => {
  expect(errorsFor('encryption', policy)).toContain('microplane_aoss_encryption_customer_key');
});

test('a private network policy and a customer-managed key pass', () => {
  const errors = [
    errorsFor('network', () => JSON.stringify([{ Rules: [{ ResourceType: 'collection', Resource: ['collection/c'] }], AllowFromPublic: false, SourceVPCEs: ['vpce-1'] }])),
    errorsFor('encryption', () => JSON.stringify({ Rules: [{ ResourceType: 'collection', Resource: ['collection/c'] }], AWSOwnedKey: false, KmsARN: 'arn:aws:kms:eu-west-1:111111111111:key/k' })),
  ].join('\n');
  expect(errors).not.toContain('microplane_aoss');
});

test('a VectorStore passes both rules', () => {
  const app = newApp();
  const stack = new Stack(app, 'Good');
  new VectorStore(stack, 'Store', { collectionName: 'good', encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }), vpcEndpointId: 'vpce-1' });
  addSecurityChecks(app);
  expect(synthErrors(app)).not.toContain('microplane_aoss');
});
