import { Stack, Token } from 'aws-cdk-lib';

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
