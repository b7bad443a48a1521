import * as fs from 'node:fs';
import * as path from 'node:path';
import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PlatformScope } from '../config/scopes';
import { nagArn } from '../nag-ids';
import { tenantRoleName } from '../platform-parameters';
import { Gateway } from './gateway';
import { lambdaEntry, MicroplaneFunction } from './microplane-function';

/** The OpenAPI 3.1 document of the public API, committed next to the function that serves it. */
export const OPENAPI_DOCUMENT = path.join(path.dirname(lambdaEntry('openapi')), 'openapi.json');

/** A component schema of the OpenAPI document, as an API Gateway (JSON Schema draft 4) model schema. */
export function openApiModelSchema(component: string, document: string = OPENAPI_DOCUMENT): apigw.JsonSchema {
  const schemas = JSON.parse(fs.readFileSync(document, 'utf8')).components?.schemas ?? {};
  const schema = schemas[component];
  if (!schema) throw new Error(`${document} has no components.schemas.${component}`);
  // The document keeps these schemas to draft-4 keywords precisely so that API Gateway can use them.
  return { schema: apigw.JsonSchemaVersion.DRAFT4, title: component, ...schema };
}

/** Properties of {@link TenantApi}. */
export interface TenantApiProps {
  /** The gateway the routes are added to. */
  readonly gateway: Gateway;
  /** The role tenant API functions run as; it reaches tenant data only by assuming a tenant role. */
  readonly tenantFunctionsRole: iam.IRole;
  /** The environment name, part of role and parameter names. */
  readonly environmentName: string;
  /** SSM prefix of the tenant database registry (`/microplane/<env>/tenants/`). */
  readonly tenantDatabasePrefix: string;
  /**
   * How long function logs are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to log groups when removed.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The notes routes, the scope each requires, and the OpenAPI schema API Gateway validates its body with. */
const NOTES_ROUTES: ReadonlyArray<[string, string, PlatformScope, string?]> = [
  ['POST', '/v1/notes', 'notes.write', 'NoteCreate'],
  ['GET', '/v1/notes', 'notes.read'],
  ['GET', '/v1/notes/{id}', 'notes.read'],
  ['PATCH', '/v1/notes/{id}', 'notes.write', 'NoteUpdate'],
  ['DELETE', '/v1/notes/{id}', 'notes.write'],
  ['POST', '/v1/notes/{id}/restore', 'notes.write'],
];

/**
 * The tenant CRUD API micro apps start from: `/v1/notes` behind the service-token authorizer, and the
 * OpenAPI document of the whole public API at `GET /v1/openapi.json`. The notes function takes the
 * tenant only from the authorizer and works through that tenant's role and database secret, so a bug in
 * it still cannot reach another tenant's schema.
 */
export class TenantApi extends Construct {
  /** The notes function. */
  public readonly notesFunction: MicroplaneFunction;
  /** The function serving the OpenAPI document. */
  public readonly openApiFunction: MicroplaneFunction;

  constructor(scope: Construct, id: string, props: TenantApiProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const common = { logRetention: props.logRetention, removalPolicy: props.removalPolicy };
    this.notesFunction = new MicroplaneFunction(this, 'Notes', {
      ...common,
      handlerName: 'notes',
      description: 'Tenant notes CRUD: the template micro apps start from',
      role: props.tenantFunctionsRole,
      memorySize: 512,
      environment: {
        TENANT_DATABASE_PARAMETER_PREFIX: props.tenantDatabasePrefix,
        TENANT_ROLE_ARN_TEMPLATE: stack.formatArn({
          service: 'iam',
          region: '',
          resource: 'role',
          resourceName: tenantRoleName(props.environmentName, '{tenantId}'),
        }),
      },
    });
    this.grantReadTenantRegistry(props.tenantFunctionsRole, props.tenantDatabasePrefix);
    const models = new Map<string, apigw.Model>();
    const modelFor = (component: string) => {
      if (!models.has(component)) {
        models.set(component, props.gateway.api.addModel(component, {
          modelName: component,
          contentType: 'application/json',
          schema: openApiModelSchema(component),
        }));
      }
      return models.get(component)!;
    };
    for (const [method, route, scope, component] of NOTES_ROUTES) {
      props.gateway.addTenantRoute(method, route, this.notesFunction.function, scope, {
        requestModel: component ? modelFor(component) : undefined,
      });
    }

    this.openApiFunction = new MicroplaneFunction(this, 'OpenApi', {
      ...common,
      handlerName: 'openapi',
      description: 'Serves the OpenAPI 3.1 document of the public API',
    });
    props.gateway.addPublicRoute(
      'GET',
      '/v1/openapi.json',
      this.openApiFunction.function,
      'The OpenAPI document describes the public API and holds no data; anyone may read it by design.',
    );
  }

  private grantReadTenantRegistry(role: iam.IRole, prefix: string): void {
    const stack = Stack.of(this);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:GetParameter'],
        resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${prefix.replace(/^\//, '')}*` })],
      }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagArn(stack, 'ssm', `parameter${prefix}*`)}]`,
      reason: 'Each tenant stack writes its database registry entry under this prefix; tenant functions read where a tenant\'s schema lives, and reach it only through that tenant\'s role.',
    });
  }
}
