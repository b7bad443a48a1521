import { Stack, Token, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * An ARN as cdk-nag prints it in finding ids: pseudo parameters as `<AWS::Region>` and
 * `<AWS::AccountId>` when the stack is environment-agnostic, the literal values when the environment
 * pins them. Acknowledgements must use the same text to match.
 */
export function nagArn(stack: Stack, service: string, resource: string, options: { global?: boolean } = {}): string {
  const region = options.global ? '' : Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  return `arn:<AWS::Partition>:${service}:${region}:${account}:${resource}`;
}

/** The rule-id prefixes of the compliance packs an environment may turn on (`compliancePacks`). */
const COMPLIANCE_PACK_PREFIXES = ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'];

/**
 * Acknowledges one compliance rule (e.g. `LambdaDLQ`) on `construct` in every compliance pack that has
 * it, with the reason that holds for all of them. Packs that are off never read it.
 */
export function acknowledgeComplianceRule(construct: IConstruct, rule: string, reason: string): void {
  for (const prefix of COMPLIANCE_PACK_PREFIXES) {
    Validations.of(construct).acknowledge({ id: `${prefix}-${rule}`, reason });
  }
}
