import { z } from 'zod';
import type { PromptTemplate } from '../../lambdas/llm-proxy/proxy-config';
import { allowed, type ConfigProblem, formatPath } from './errors';
import { appId } from './schema';

/**
 * Server-side prompt templates: `config/prompts/<id>.yaml`. An app never sends instructions to a model;
 * it names a template it is allowed to use and gives values for the template's typed variables, which
 * the proxy inserts as delimited data (see lambdas/llm-proxy/templates.ts).
 */

/** `{{name}}` in a template's user part. */
export const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
/** Anything that opens or closes a placeholder, for refusing malformed ones. */
const BRACES = /\{\{|\}\}/g;

/** The longest system or user part, in characters. */
const TEMPLATE_PART_MAX = 20_000;
/** The longest value of a string variable. */
export const STRING_VARIABLE_MAX = 100_000;
/** The largest output cap of a template. */
const OUTPUT_TOKENS_MAX = 32_768;

const templateId = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,62}[a-z0-9]$/, 'must be 3 to 64 lowercase letters, digits or hyphens, starting with a letter')
  .describe('Template id; must match the file name. Apps name it in their requests.');

const variableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must be a letter or underscore, then letters, digits or underscores');

const common = {
  required: z.boolean().default(true).describe('Whether the caller must give the variable.'),
  description: z.string().max(300).optional().describe('What the caller puts here; shown in the catalog.'),
};

const stringVariable = z.strictObject({
  type: z.literal('string'),
  maxLength: z.int().min(1).max(STRING_VARIABLE_MAX).describe(`The longest value, in characters (at most ${STRING_VARIABLE_MAX}).`),
  minLength: z.int().min(0).default(0).describe('The shortest value, in characters.'),
  multiline: z.boolean().default(false).describe('Whether the value may contain line breaks.'),
  default: z.string().optional().describe('The value used when an optional variable is left out.'),
  ...common,
});

const integerVariable = z.strictObject({
  type: z.literal('integer'),
  minimum: z.int().describe('The smallest value.'),
  maximum: z.int().describe('The largest value.'),
  default: z.int().optional().describe('The value used when an optional variable is left out.'),
  ...common,
});

const enumVariable = z.strictObject({
  type: z.literal('enum'),
  values: z
    .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/, 'must be 1 to 64 letters, digits, spaces, dots, hyphens or underscores'))
    .min(1, 'list at least one value')
    .max(100)
    .describe('The values the caller may choose from.'),
  default: z.string().optional().describe('The value used when an optional variable is left out.'),
  ...common,
});

const booleanVariable = z.strictObject({
  type: z.literal('boolean'),
  default: z.boolean().optional().describe('The value used when an optional variable is left out.'),
  ...common,
});

const variableSchema = z
  .discriminatedUnion('type', [stringVariable, integerVariable, enumVariable, booleanVariable], {
    error: 'must have a type (allowed: string, integer, enum, boolean)',
  })
  .superRefine((variable, ctx) => {
    if (variable.type === 'string' && variable.minLength > variable.maxLength) {
      ctx.addIssue({ code: 'custom', path: ['minLength'], message: `must not exceed maxLength (${variable.maxLength})` });
    }
    if (variable.type === 'integer' && variable.minimum > variable.maximum) {
      ctx.addIssue({ code: 'custom', path: ['maximum'], message: `must be at least minimum (${variable.minimum})` });
    }
    if (variable.type === 'enum' && variable.default !== undefined && !variable.values.includes(variable.default)) {
      ctx.addIssue({ code: 'custom', path: ['default'], message: `must be one of values${allowed(variable.values)}` });
    }
    if (variable.required && variable.default !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['default'], message: 'only an optional variable (required: false) has a default' });
    }
  });

const templatePart = (what: string) =>
  z
    .string()
    .min(1, `write the ${what} part`)
    .max(TEMPLATE_PART_MAX, `must be at most ${TEMPLATE_PART_MAX} characters`);

export const promptTemplateSchema = z
  .strictObject({
    id: templateId,
    version: z.int().min(1).max(1_000_000).describe('Raise it on every change: cached completions and lineage logs name the version.'),
    description: z.string().min(10, 'describe the template in at least 10 characters').max(500).describe('What the template does, for the catalog and reviewers.'),
    apps: z.array(appId).min(1, 'list at least one app that may use the template').max(1000).describe('The apps that may use the template.'),
    system: templatePart('system').describe('The instructions to the model. Holds no variables: callers never change instructions.'),
    user: templatePart('user').describe('The user message, with {{name}} where each variable goes.'),
    variables: z.record(variableName, variableSchema).default({}).describe('The values a caller gives, by name, with their types and limits.'),
    maxOutputTokens: z.int().min(1).max(OUTPUT_TOKENS_MAX).describe('The most output tokens of one completion; the app\'s own cap applies when lower.'),
    temperature: z.number().min(0).max(1).default(0).describe('Sampling temperature; 0 makes completions deterministic, and cacheable.'),
  })
  .superRefine((template, ctx) => {
    const used = placeholdersOf(template.user);
    for (const name of used) {
      if (!(name in template.variables)) {
        ctx.addIssue({ code: 'custom', path: ['user'], message: `uses {{${name}}}, which is not a variable${allowed(Object.keys(template.variables))}` });
      }
    }
    for (const name of Object.keys(template.variables)) {
      if (!used.includes(name)) ctx.addIssue({ code: 'custom', path: ['variables', name], message: `is never used: put {{${name}}} in the user part, or remove it` });
    }
    if (strayBraces(template.user)) {
      ctx.addIssue({ code: 'custom', path: ['user'], message: 'has {{ or }} that is not a placeholder (allowed: {{name}} with a variable name)' });
    }
    if (template.system.match(BRACES)) {
      ctx.addIssue({ code: 'custom', path: ['system'], message: 'must not contain {{ or }}: variables go in the user part, never in the instructions' });
    }
    if (new Set(template.apps).size !== template.apps.length) {
      ctx.addIssue({ code: 'custom', path: ['apps'], message: 'lists an app twice' });
    }
  })
  .describe('A server-side prompt template: config/prompts/<id>.yaml');

/** A template as loaded and validated. */
export type PromptTemplateConfig = z.infer<typeof promptTemplateSchema>;

// The proxy reads what the loader validated: the two shapes must stay the same.
const _sameShape: (template: PromptTemplateConfig) => PromptTemplate = (template) => template;
void _sameShape;

/** The variable names in a template's user part, in order of first use. */
export function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[1]))];
}

function strayBraces(text: string): boolean {
  return text.replace(PLACEHOLDER, '').match(BRACES) !== null;
}

/** A template file that passed its schema. */
export interface LoadedTemplate {
  readonly file: string;
  readonly name: string;
  readonly value: PromptTemplateConfig;
}

/** Rules of template files: the id matches the file name. */
export function templateProblems(templates: readonly LoadedTemplate[]): ConfigProblem[] {
  return templates.flatMap(({ file, name, value }) =>
    value.id === name ? [] : [{ file, path: formatPath(['id']), message: `"${value.id}" must match the file name${allowed([name])}` }],
  );
}

/**
 * Apps a template lists that no tenant has: a warning, not an error (the template works for the others,
 * and a tenant file being fixed must not fail every template), but a typo locks the intended app out.
 */
export function unknownTemplateApps(templates: readonly LoadedTemplate[], knownAppIds: ReadonlySet<string>): ConfigProblem[] {
  return templates.flatMap(({ file, value }) =>
    value.apps.flatMap((app, index) =>
      knownAppIds.has(app)
        ? []
        : [{ file, path: formatPath(['apps', index]), message: `no tenant has an app "${app}": nobody can use the template through this entry (a typo?)` }],
    ),
  );
}
