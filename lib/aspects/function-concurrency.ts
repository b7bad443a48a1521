import { CfnResource, CustomResourceProviderBase, IAspect } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cr from 'aws-cdk-lib/custom-resources';
import { IConstruct } from 'constructs';
import { MicroplaneFunction } from '../constructs/microplane-function';
import { acknowledgeComplianceRule } from '../nag-ids';

/**
 * The function Metadata key that says why a function reserves no concurrency; the Guard rule
 * `microplane_functions_reserve_concurrency_or_say_why` (policies/guard/functions.guard) reads it.
 */
export const CONCURRENCY_REASON_METADATA = 'microplane:concurrency-reason';

/**
 * Reserves the configured concurrency (`functions.reservedConcurrency`) for each platform function by
 * handler name: a flood on one API cannot starve the others. A function the environment reserves
 * nothing for says so to the compliance packs and in its template Metadata, with the config field that
 * would change it; so do aws-cdk-lib's deploy-time custom resource handlers, which cannot be configured.
 */
export class FunctionConcurrency implements IAspect {
  constructor(private readonly reserved: Readonly<Partial<Record<string, number>>>) {}

  public visit(node: IConstruct): void {
    if (node instanceof CustomResourceProviderBase || node instanceof cr.Provider) {
      this.explainDeployTimeHandlers(node);
      return;
    }
    if (!(node instanceof MicroplaneFunction)) return;
    const cfn = node.function.node.defaultChild as lambda.CfnFunction;
    const reserved = this.reserved[node.handlerName];
    if (reserved !== undefined && cfn.reservedConcurrentExecutions === undefined) cfn.reservedConcurrentExecutions = reserved;
    if (cfn.reservedConcurrentExecutions === undefined) {
      const reason = `This environment reserves no concurrency for ${node.handlerName} (functions.reservedConcurrency in its config): reserving needs an account quota above the 100 executions that must stay unreserved, which new accounts do not have.`;
      acknowledgeComplianceRule(node.function, 'LambdaConcurrency', reason);
      cfn.addMetadata(CONCURRENCY_REASON_METADATA, reason);
    }
  }

  /** aws-cdk-lib's own handlers (a singleton provider's `Handler`, a provider framework's relays). */
  private explainDeployTimeHandlers(provider: IConstruct): void {
    const handlers = provider.node.children.flatMap((child) => {
      if (child instanceof lambda.Function) return [child.node.defaultChild as CfnResource];
      if (child instanceof CfnResource && child.cfnResourceType === 'AWS::Lambda::Function') return [child];
      return [];
    });
    for (const handler of handlers) {
      handler.addMetadata(
        CONCURRENCY_REASON_METADATA,
        `aws-cdk-lib's custom resource handler ${provider.node.path}: CloudFormation invokes it only for custom resource events while stacks deploy, so reserving concurrency would only take quota from the APIs.`,
      );
    }
  }
}
