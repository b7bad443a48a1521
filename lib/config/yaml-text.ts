import { Document, LineCounter, Node, isAlias, isNode, parseDocument, visit } from 'yaml';

/** The content of a YAML config file, or everything that keeps it from being read as written. */
export type ParsedYaml = { readonly value: unknown } | { readonly errors: readonly string[] };

/**
 * Parses one config file as a single plain YAML 1.2 document. Every parser error and warning is a
 * problem, and so is every YAML feature that makes a file mean something other than what it shows:
 * tags (`!include` is not resolved, `!!binary` turns text into bytes), anchors and aliases (a value
 * copied from elsewhere hides what an app gets from the reviewer of a diff), and `%YAML 1.1`
 * (which reads `yes`, `no`, `on` and `off` as booleans).
 */
export function parseYaml(text: string): ParsedYaml {
  const lines = new LineCounter();
  // Duplicate keys are errors: with "last one wins", a copy-paste slip would silently change a setting.
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter: lines });
  const at = (offset: number) => `line ${lines.linePos(offset).line}`;
  const errors = [
    ...document.errors.map((error) => `malformed YAML at ${at(error.pos[0])}: ${error.message}`),
    ...document.warnings
      // An unresolved tag is a warning the tag rule below reports in its own words.
      .filter((warning) => warning.code !== 'TAG_RESOLVE_FAILED')
      .map((warning) => `YAML warning at ${at(warning.pos[0])}: ${warning.message}`),
    ...yamlVersionProblems(document),
    ...featureProblems(document).map(({ offset, message }) => `${message} at ${at(offset)}`),
  ];
  if (errors.length > 0) return { errors };
  if (document.contents === null) return { errors: ['the file is empty (expected a mapping of fields)'] };
  try {
    return { value: document.toJS() };
  } catch (error) {
    return { errors: [`malformed YAML: ${(error as Error).message}`] };
  }
}

function yamlVersionProblems(document: Document): string[] {
  const version = document.directives?.yaml;
  if (!version?.explicit || version.version === '1.2') return [];
  return [`%YAML ${version.version} is not supported: config is YAML 1.2, where yes and no are text (allowed: %YAML 1.2, or no directive)`];
}

function featureProblems(document: Document): { offset: number; message: string }[] {
  const problems: { offset: number; message: string }[] = [];
  visit(document, {
    Alias(_key, alias) {
      problems.push({ offset: alias.range?.[0] ?? 0, message: `alias *${alias.source} is not allowed: write the value out` });
    },
    Node(_key, node) {
      if (isAlias(node) || !isNode(node)) return;
      if (node.anchor) problems.push({ offset: start(node), message: `anchor &${node.anchor} is not allowed: write each value out` });
      if (node.tag) problems.push({ offset: start(node), message: `tag ${shortTag(node.tag)} is not allowed: write plain values, and quote text that looks like a number` });
    },
  });
  return problems.sort((a, b) => a.offset - b.offset);
}

function start(node: Node): number {
  return node.range?.[0] ?? 0;
}

function shortTag(tag: string): string {
  return tag.replace(/^tag:yaml\.org,2002:/, '!!');
}
