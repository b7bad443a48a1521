import { Match, Template } from 'aws-cdk-lib/assertions';
import { openApiModelSchema } from '../../lib/constructs/tenant-api';
import { synthExample } from '../support/platform';

const template = Template.fromStack(synthExample('dev').stacks.platform);

test('API Gateway validates note bodies with the schemas of the committed OpenAPI document', () => {
  template.hasResourceProperties('AWS::ApiGateway::Model', {
    Name: 'NoteCreate',
    ContentType: 'application/json',
    Schema: Match.objectLike({
      $schema: 'http://json-schema.org/draft-04/schema#',
      type: 'object',
      required: ['title'],
      additionalProperties: false,
      properties: Match.objectLike({ title: Match.objectLike({ maxLength: 200 }) }),
    }),
  });
  template.hasResourceProperties('AWS::ApiGateway::Model', { Name: 'NoteUpdate', Schema: Match.objectLike({ minProperties: 1 }) });
});

test('the create and update routes use those models; reads need none', () => {
  const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).map((m) => m.Properties);
  const withModels = methods.filter((m) => m.RequestModels).map((m) => m.HttpMethod).sort();
  expect(withModels).toEqual(['PATCH', 'POST']);
});

test('body validation errors say what failed, inside the error envelope', () => {
  template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
    ResponseType: 'BAD_REQUEST_BODY',
    StatusCode: '400',
    ResponseTemplates: { 'application/json': Match.stringLikeRegexp('"code":"invalid_body".*"validation":"\\$util.escapeJavaScript\\(\\$context.error.validationErrorString\\)') },
  });
});

test('a component the document lacks is reported with the document and the name', () => {
  expect(() => openApiModelSchema('Nope')).toThrow('has no components.schemas.Nope');
});
