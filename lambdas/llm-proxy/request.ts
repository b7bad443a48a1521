import type { APIGatewayProxyEvent } from 'aws-lambda';
import { hasLoneSurrogate, jsonBody } from '../shared/json-request';
import { ValidationError, type FieldProblem } from './errors';

/** The largest request body, in bytes: the largest template variable is 100 000 characters. */
export const MAX_BODY_BYTES = 512 * 1024;
/** The longest free-form prompt, in characters. */
export const MAX_FREE_FORM_CHARACTERS = 32_000;

/** What the app asks for, with the fields common to both kinds. */
interface RequestBase {
  /** A model the app prefers; it must be allowed. @default the cheapest allowed model */
  readonly model?: string;
  /** A lower output cap than the template's and the app's. */
  readonly maxOutputTokens?: number;
}

/** A completion of a server-side template. */
export interface TemplateRequest extends RequestBase {
  readonly kind: 'template';
  readonly templateId: string;
  readonly variables: Readonly<Record<string, unknown>>;
}

/** A completion of the app's own prompt (only for apps whose config allows it). */
export interface FreeFormRequest extends RequestBase {
  readonly kind: 'free-form';
  readonly prompt: string;
  readonly temperature: number;
}

/** A parsed `POST /v1/llm/complete` body. */
export type CompletionRequest = TemplateRequest | FreeFormRequest;

const TEMPLATE_FIELDS = new Set(['templateId', 'variables', 'model', 'maxOutputTokens']);
const FREE_FORM_FIELDS = new Set(['prompt', 'temperature', 'model', 'maxOutputTokens']);

/** The completion request of `event`; 415/413/400 with every offending field named. */
export function completionRequestOf(event: APIGatewayProxyEvent): CompletionRequest {
  const body = jsonBody(event, MAX_BODY_BYTES);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError([{ field: '(body)', message: 'must be a JSON object with templateId and variables' }]);
  }
  const fields = body as Record<string, unknown>;
  const problems: FieldProblem[] = [];
  const isTemplate = 'templateId' in fields;
  if (isTemplate === 'prompt' in fields) {
    throw new ValidationError([{ field: '(body)', message: 'send either templateId (with variables) or prompt, not both and not neither' }]);
  }
  const known = isTemplate ? TEMPLATE_FIELDS : FREE_FORM_FIELDS;
  for (const name of Object.keys(fields)) {
    if (!known.has(name)) problems.push({ field: name, message: `is not a field of this request (allowed: ${[...known].join(', ')})` });
  }
  const base = baseFields(fields, problems);
  const request = isTemplate ? templateFields(fields, problems, base) : freeFormFields(fields, problems, base);
  if (problems.length > 0) throw new ValidationError(problems);
  return request;
}

function baseFields(fields: Record<string, unknown>, problems: FieldProblem[]): RequestBase {
  const { model, maxOutputTokens } = fields;
  if (model !== undefined && (typeof model !== 'string' || !/^[A-Za-z0-9.:_-]{1,200}$/.test(model))) {
    problems.push({ field: 'model', message: 'must be a model id, e.g. amazon.nova-micro-v1:0 or private:<name>' });
  }
  if (maxOutputTokens !== undefined && !(Number.isInteger(maxOutputTokens) && (maxOutputTokens as number) >= 1 && (maxOutputTokens as number) <= 32_768)) {
    problems.push({ field: 'maxOutputTokens', message: 'must be a whole number from 1 to 32768' });
  }
  return { model: model as string | undefined, maxOutputTokens: maxOutputTokens as number | undefined };
}

function templateFields(fields: Record<string, unknown>, problems: FieldProblem[], base: RequestBase): TemplateRequest {
  const { templateId, variables = {} } = fields;
  if (typeof templateId !== 'string' || !/^[a-z][a-z0-9-]{1,62}[a-z0-9]$/.test(templateId)) {
    problems.push({ field: 'templateId', message: 'must be a template id: 3 to 64 lowercase letters, digits or hyphens' });
  }
  if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) {
    problems.push({ field: 'variables', message: 'must be an object of variable names to values' });
  }
  return { kind: 'template', ...base, templateId: templateId as string, variables: variables as Record<string, unknown> };
}

function freeFormFields(fields: Record<string, unknown>, problems: FieldProblem[], base: RequestBase): FreeFormRequest {
  const { prompt, temperature = 0 } = fields;
  if (typeof prompt !== 'string' || prompt.trim() === '') problems.push({ field: 'prompt', message: 'must be a non-blank string' });
  else if (prompt.length > MAX_FREE_FORM_CHARACTERS) problems.push({ field: 'prompt', message: `must be at most ${MAX_FREE_FORM_CHARACTERS} characters` });
  else if (hasLoneSurrogate(prompt)) problems.push({ field: 'prompt', message: 'contains a lone surrogate: send valid Unicode text' });
  if (typeof temperature !== 'number' || !(temperature >= 0 && temperature <= 1)) {
    problems.push({ field: 'temperature', message: 'must be a number from 0 to 1' });
  }
  return { kind: 'free-form', ...base, prompt: prompt as string, temperature: temperature as number };
}
