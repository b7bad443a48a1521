import { DefaultStackSynthesizer, Fn, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * The ARN of the role CloudFormation deploys this stack with (the bootstrap's `cfn-exec-role`), for
 * resource policies that let only deployments change a stateful resource. Undefined when the stack uses
 * another synthesizer: the caller then leaves the resource to IAM policies.
 */
export function deployingRoleArn(scope: Construct): string | undefined {
  const synthesizer = Stack.of(scope).synthesizer;
  if (!(synthesizer instanceof DefaultStackSynthesizer)) return undefined;
  // The synthesizer's ARN carries ${AWS::Partition}-style placeholders that only Fn::Sub resolves.
  return Fn.sub(synthesizer.cloudFormationExecutionRoleArn);
}
