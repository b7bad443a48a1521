import type { APIGatewayProxyResult } from 'aws-lambda';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import document from '../../../../lambdas/openapi/openapi.json';

/**
 * Checks real responses against the OpenAPI document with the JSON Schema 2020-12 machinery the
 * document's validator (`@seriousme/openapi-schema-validator`) itself uses: the status must be
 * documented for the operation, required headers present, and the body valid against its schema.
 */
export class Contract {
  private static readonly DOCUMENT_ID = 'https://microplane.invalid/openapi.json';
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly doc = document as unknown as OpenApiDocument;

  constructor() {
    addFormats(this.ajv);
    this.ajv.addSchema(this.doc, Contract.DOCUMENT_ID);
  }

  /** Every way `response` departs from the document for `method path` (a path template). */
  problems(method: string, path: string, response: APIGatewayProxyResult): string[] {
    const operation = this.doc.paths[path]?.[method.toLowerCase()];
    if (!operation) return [`${method} ${path} is not documented`];
    const status = String(response.statusCode);
    if (!operation.responses[status]) return [`${method} ${path} does not document status ${status}`];
    const [pointer, declared] = this.resolve(['paths', path, method.toLowerCase(), 'responses', status]);
    return [...this.headerProblems(declared, response), ...this.bodyProblems(pointer, declared, response)];
  }

  private headerProblems(declared: ResponseObject, response: APIGatewayProxyResult): string[] {
    const sent = new Set(Object.keys(response.headers ?? {}).map((name) => name.toLowerCase()));
    return Object.entries(declared.headers ?? {})
      .filter(([name, header]) => this.deref(header).required === true && !sent.has(name.toLowerCase()))
      .map(([name]) => `required header ${name} is missing`);
  }

  private bodyProblems(pointer: string[], declared: ResponseObject, response: APIGatewayProxyResult): string[] {
    if (!declared.content) return response.body === '' ? [] : ['the response has a body the document does not declare'];
    const contentType = String(response.headers?.['Content-Type'] ?? '').split(';')[0];
    if (!declared.content[contentType]) return [`content type ${contentType} is not documented`];
    const validate = this.ajv.compile({ $ref: `${Contract.DOCUMENT_ID}#/${[...pointer, 'content', contentType, 'schema'].map(escape).join('/')}` });
    if (validate(JSON.parse(response.body))) return [];
    return (validate.errors ?? []).map((error) => `body${error.instancePath} ${error.message ?? ''}`.trim());
  }

  /** Follows `$ref`s from the node at `pointer`; returns where it ended and the node. */
  private resolve(pointer: string[]): [string[], ResponseObject] {
    let current = pointer;
    let node = at(this.doc, current) as { $ref?: string };
    while (node.$ref) {
      current = node.$ref.replace(/^#\//, '').split('/').map(unescape);
      node = at(this.doc, current) as { $ref?: string };
    }
    return [current, node as ResponseObject];
  }

  private deref(node: { $ref?: string; required?: boolean }): { required?: boolean } {
    return node.$ref ? this.deref(at(this.doc, node.$ref.replace(/^#\//, '').split('/').map(unescape)) as { $ref?: string }) : node;
  }
}

interface ResponseObject {
  headers?: Record<string, { $ref?: string; required?: boolean }>;
  content?: Record<string, { schema: unknown }>;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { responses: Record<string, unknown> } | undefined> | undefined>;
}

function at(root: unknown, pointer: readonly string[]): unknown {
  return pointer.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], root);
}

const escape = (segment: string): string => encodeURIComponent(segment.replaceAll('~', '~0').replaceAll('/', '~1'));
const unescape = (segment: string): string => segment.replaceAll('~1', '/').replaceAll('~0', '~');

/** Jest matcher-style helper: fails with every problem listed. */
export function expectConforms(contract: Contract, method: string, path: string, response: APIGatewayProxyResult): void {
  expect({ [`${method} ${path} ${response.statusCode}`]: contract.problems(method, path, response) }).toEqual({
    [`${method} ${path} ${response.statusCode}`]: [],
  });
}
