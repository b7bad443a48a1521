import { IAspect } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { MicroplaneFunction } from '../constructs/microplane-function';
import { acknowledgeComplianceRule } from '../nag-ids';

/**
 * Reserves the configured concurrency (`functions.reservedConcurrency`) for each platform function by
 * handler name: a flood on one API cannot starve the others. A function the environment reserves
 * nothing for says so to the compliance packs, with the config field that would change it.
 */
export class FunctionConcurrency implements IAspect {
  constructor(private readonly reserved: Readonly<Partial<Record<string, number>>>) {}

  public visit(node: IConstruct): void {
    if (!(node instanceof MicroplaneFunction)) return;
    const cfn = node.function.node.defaultChild as lambda.CfnFunction;
    const reserved = this.reserved[node.handlerName];
    if (reserved !== undefined && cfn.reservedConcurrentExecutions === undefined) cfn.reservedConcurrentExecutions = reserved;
    if (cfn.reservedConcurrentExecutions === undefined) {
      acknowledgeComplianceRule(
        node.function,
        'LambdaConcurrency',
        `This environment reserves no concurrency for ${node.handlerName} (functions.reservedConcurrency in its config): reserving needs an account quota above the 100 executions that must stay unreserved, which new accounts do not have.`,
      );
    }
  }
}
