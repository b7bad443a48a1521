import * as fs from 'node:fs';
import { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport, PolicyViolatingResource } from 'aws-cdk-lib';

/** The rule's name in synth reports and acknowledgements. */
export const MODEL_INVOCATION_LOGGING_RULE = 'microplane_model_invocation_logging_configured';

/** The custom resource type the platform's model-invocation-logging construct must use. */
export const MODEL_INVOCATION_LOGGING_RESOURCE_TYPE = 'Custom::MicroplaneModelInvocationLogging';

/** The plugin name, the prefix of acknowledgement ids (`microplane-policies::<rule>`). */
export const MICROPLANE_POLICIES_PLUGIN = 'microplane-policies';

/** The model-calling actions whose use must be logged. */
const INVOKE_ACTIONS = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];

/** Resource types whose identity policies are `Properties.Policies[*].PolicyDocument`. */
const INLINE_POLICY_HOLDERS = ['AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group'];
/** Resource types whose identity policy is `Properties.PolicyDocument`. */
const POLICY_RESOURCES = ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'];

/** Properties of {@link ModelInvocationLoggingCheck}. */
export interface ModelInvocationLoggingCheckProps {
  /**
   * Why model-invocation logging is configured outside these stacks (for example "the landing zone's
   * account baseline sets it in every region"). When given, the check passes without looking.
   * @default - the app itself must configure the logging wherever it grants model calls
   */
  readonly configuredOutside?: string;
}

interface Resource {
  readonly Type?: string;
  readonly Properties?: Record<string, unknown>;
}

interface Statement {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
}

/**
 * Microplane policy: Bedrock model invocations are logged.
 *
 * Model-invocation logging is an account-and-region setting (`PutModelInvocationLoggingConfiguration`)
 * with no CloudFormation resource, and Guard checks one template at a time, so it cannot see that one
 * stack grants model calls while another configures the logging. This check reads all templates of
 * the app together: when any of them lets a principal call `bedrock:InvokeModel*`, one of them must
 * configure invocation logging (a {@link MODEL_INVOCATION_LOGGING_RESOURCE_TYPE} resource, or any custom
 * resource that calls `PutModelInvocationLoggingConfiguration`), unless the environment states that
 * something outside these stacks configures it.
 *
 * A synth-time validation plugin: add it with `Validations.of(app).addPlugins(...)`.
 */
export class ModelInvocationLoggingCheck implements IPolicyValidationPlugin {
  public readonly name = MICROPLANE_POLICIES_PLUGIN;
  public readonly ruleIds = [MODEL_INVOCATION_LOGGING_RULE];

  constructor(private readonly props: ModelInvocationLoggingCheckProps = {}) {}

  public validate(context: Pick<IPolicyValidationContext, 'templatePaths'>): PolicyValidationPluginReport {
    if (this.props.configuredOutside) return { success: true, violations: [] };
    const templates = context.templatePaths.map((templatePath) => ({ templatePath, resources: resourcesOf(templatePath) }));
    if (templates.some(({ resources }) => Object.values(resources).some(configuresInvocationLogging))) {
      return { success: true, violations: [] };
    }
    const grants = templates.flatMap(({ templatePath, resources }) => modelInvocationGrants(templatePath, resources));
    if (grants.length === 0) return { success: true, violations: [] };
    return {
      success: false,
      violations: [
        {
          ruleName: MODEL_INVOCATION_LOGGING_RULE,
          description: 'Principals may call bedrock:InvokeModel*, but no stack of the app configures Bedrock model-invocation logging, so model calls would leave no audit record.',
          fix: `Add the platform's model-invocation-logging construct (a ${MODEL_INVOCATION_LOGGING_RESOURCE_TYPE} resource, or an AwsCustomResource calling PutModelInvocationLoggingConfiguration), or state in the environment why logging is configured outside these stacks (ModelInvocationLoggingCheck configuredOutside).`,
          violatingResources: grants,
        },
      ],
    };
  }
}

function resourcesOf(templatePath: string): Record<string, Resource> {
  const template = JSON.parse(fs.readFileSync(templatePath, 'utf8')) as { Resources?: Record<string, Resource> };
  return template.Resources ?? {};
}

function configuresInvocationLogging(resource: Resource): boolean {
  if (resource.Type === MODEL_INVOCATION_LOGGING_RESOURCE_TYPE) return true;
  const isCustomResource = resource.Type === 'AWS::CloudFormation::CustomResource' || resource.Type?.startsWith('Custom::');
  return Boolean(isCustomResource) && JSON.stringify(resource.Properties ?? {}).toLowerCase().includes('putmodelinvocationloggingconfiguration');
}

/** Every Allow statement of an identity policy in the template that covers a model-calling action. */
function modelInvocationGrants(templatePath: string, resources: Record<string, Resource>): PolicyViolatingResource[] {
  return Object.entries(resources).flatMap(([resourceLogicalId, resource]) => {
    const locations = policyDocumentsOf(resource).flatMap(({ location, document }) =>
      statementsOf(document).flatMap((statement, index) => (grantsModelInvocation(statement) ? [`${location}/Statement/${index}`] : [])),
    );
    if (attachesBedrockManagedPolicy(resource)) locations.push('Properties/ManagedPolicyArns');
    return locations.length > 0 ? [{ resourceLogicalId, templatePath, locations }] : [];
  });
}

/** AWS managed policies that allow model calls (AmazonBedrockFullAccess, AmazonBedrockLimitedAccess). */
function attachesBedrockManagedPolicy(resource: Resource): boolean {
  if (!INLINE_POLICY_HOLDERS.includes(resource.Type ?? '')) return false;
  return /policy\/AmazonBedrock(FullAccess|LimitedAccess)/.test(JSON.stringify(resource.Properties?.ManagedPolicyArns ?? []));
}

function policyDocumentsOf(resource: Resource): Array<{ location: string; document: unknown }> {
  const properties = resource.Properties ?? {};
  if (POLICY_RESOURCES.includes(resource.Type ?? '')) return [{ location: 'Properties/PolicyDocument', document: properties.PolicyDocument }];
  if (!INLINE_POLICY_HOLDERS.includes(resource.Type ?? '') || !Array.isArray(properties.Policies)) return [];
  return properties.Policies.map((policy: { PolicyDocument?: unknown }, index) => ({
    location: `Properties/Policies/${index}/PolicyDocument`,
    document: policy.PolicyDocument,
  }));
}

function statementsOf(document: unknown): Statement[] {
  const statement = (document as { Statement?: Statement | Statement[] } | undefined)?.Statement;
  if (statement === undefined) return [];
  return Array.isArray(statement) ? statement : [statement];
}

function grantsModelInvocation(statement: Statement): boolean {
  if (statement.Effect !== 'Allow') return false;
  if (statement.Action !== undefined) return INVOKE_ACTIONS.some((action) => matchesAny(statement.Action, action));
  // NotAction allows everything it does not name.
  return INVOKE_ACTIONS.some((action) => !matchesAny(statement.NotAction, action));
}

/** IAM action patterns: `*` and `?` wildcards, case-insensitive. Non-string entries (tokens) match nothing. */
function matchesAny(patterns: string | string[] | undefined, action: string): boolean {
  const list = patterns === undefined ? [] : Array.isArray(patterns) ? patterns : [patterns];
  return list.some((pattern) => typeof pattern === 'string' && actionPattern(pattern).test(action));
}

function actionPattern(pattern: string): RegExp {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'i');
}
