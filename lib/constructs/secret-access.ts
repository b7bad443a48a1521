import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { TENANT_ID_TAG } from './tenant-keys';

/** Who may read and who may change a secret, for {@link restrictSecret}. */
export interface SecretAccess {
  /** Readers: sessions tagged with this tenant (if given), and these role ARNs. */
  readonly readableBy: { readonly tenantId?: string; readonly roleArns: readonly string[] };
  /**
   * The only roles that may change the value, its stages, its tags or the policy (deployments, and the
   * rotation function); empty leaves that to IAM policies.
   */
  readonly writableBy: readonly string[];
}

/** Secret actions that change what the secret holds or who may read it. */
const SECRET_CHANGE_ACTIONS = [
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecret',
  'secretsmanager:UpdateSecretVersionStage',
  'secretsmanager:PutResourcePolicy',
  'secretsmanager:DeleteResourcePolicy',
  // Tags tell the rotation function which cluster a login belongs to.
  'secretsmanager:TagResource',
  'secretsmanager:UntagResource',
];

/**
 * Resource-policy denies that hold whatever IAM policies say: nobody but the readers may read the value,
 * and nobody but the deploying role may replace the value or the policy (which would let them in).
 */
export function restrictSecret(secret: secretsmanager.ISecret, access: SecretAccess): void {
  if (!access.readableBy.tenantId && access.readableBy.roleArns.length === 0) {
    throw new Error(`Secret ${secret.node.path}: name at least one reader, or nobody could ever read it`);
  }
  const readerConditions: Record<string, Record<string, unknown>> = {};
  if (access.readableBy.tenantId) readerConditions.StringNotEquals = { [`aws:PrincipalTag/${TENANT_ID_TAG}`]: access.readableBy.tenantId };
  if (access.readableBy.roleArns.length > 0) readerConditions.ArnNotEquals = { 'aws:PrincipalArn': [...access.readableBy.roleArns] };
  secret.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'OnlyNamedReaders',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['secretsmanager:GetSecretValue'],
      resources: ['*'],
      conditions: readerConditions,
    }),
  );
  if (access.writableBy.length > 0) {
    secret.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyDeploymentsChange',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: SECRET_CHANGE_ACTIONS,
        resources: ['*'],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': [...access.writableBy] } },
      }),
    );
  }
}
