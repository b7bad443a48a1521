import { IAspect } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { acknowledgeComplianceRule } from '../nag-ids';

/**
 * Says, for each inline policy, why it is one: CDK writes a role's grants into one policy attached to
 * that role alone. Customer managed policies instead would count against the account's quota of 1,500
 * (one or more per tenant role, with thousands of tenants), and would be reusable by roles they were
 * never reviewed for.
 */
export class InlinePolicyReasons implements IAspect {
  public visit(node: IConstruct): void {
    if (!(node instanceof iam.Policy)) return;
    acknowledgeComplianceRule(
      node,
      'IAMNoInlinePolicy',
      `${node.node.path} holds the grants of exactly the roles it is attached to, generated from code review-able in this repository; customer managed policies would spend the account quota (1,500) per tenant role and invite reuse.`,
    );
  }
}
