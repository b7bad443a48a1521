import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type BatchGetItemCommandInput,
  type GetItemCommandInput,
  type ScanCommandInput,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { AwsClientStub } from 'aws-sdk-client-mock';

type Item = Record<string, AttributeValue>;

/**
 * An in-memory DynamoDB table that *evaluates* the update, condition, filter and projection expressions
 * it is sent, for the subset of the language the throttle code uses: SET (values and attribute copies),
 * REMOVE, comparisons, AND/OR/NOT, parentheses, attribute_exists and attribute_not_exists. A wrong
 * condition therefore produces a wrong state and fails the test, unlike a mock that only records the
 * request. Like DynamoDB it evaluates every SET operand against the item as it was before the update,
 * and refuses unused or undefined expression names and values. Anything outside the subset throws.
 */
export class FakeTable {
  public readonly items = new Map<string, Item>();
  /** Scan returns pages of at most this many evaluated items, to exercise pagination. */
  public scanPageSize = 100;

  constructor(
    public readonly tableName: string,
    private readonly keyName = 'subject',
  ) {}

  /** Routes the client's UpdateItem, GetItem, Scan and BatchGetItem calls for this table here. */
  public install(client: AwsClientStub<DynamoDBClient>): void {
    client.on(UpdateItemCommand).callsFake((input: UpdateItemCommandInput) => this.updateItem(input));
    client.on(GetItemCommand).callsFake((input: GetItemCommandInput) => this.getItem(input));
    client.on(ScanCommand).callsFake((input: ScanCommandInput) => this.scan(input));
    client.on(BatchGetItemCommand).callsFake((input: BatchGetItemCommandInput) => this.batchGetItem(input));
  }

  /** Stores an item as is. */
  public put(item: Item): void {
    this.items.set(item[this.keyName].S!, structuredClone(item));
  }

  public updateItem(input: UpdateItemCommandInput) {
    this.checkTable(input.TableName);
    const key = input.Key![this.keyName].S!;
    const old = this.items.get(key);
    const context = new ExpressionContext(input.ExpressionAttributeNames ?? {}, input.ExpressionAttributeValues ?? {});
    const conditionHolds = input.ConditionExpression ? evaluate(parseCondition(input.ConditionExpression, context), old) : true;
    // DynamoDB checks the condition first: a copy from a missing attribute only fails an applied update.
    const updated = applyUpdate(input.UpdateExpression!, context, old ?? { [this.keyName]: { S: key } }, conditionHolds);
    context.assertAllUsed();
    if (!conditionHolds) {
      throw new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        ...(input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && old ? { Item: structuredClone(old) } : {}),
      });
    }
    this.items.set(key, updated);
    return { Attributes: input.ReturnValues === 'ALL_OLD' && old ? structuredClone(old) : undefined };
  }

  public getItem(input: GetItemCommandInput) {
    this.checkTable(input.TableName);
    const item = this.items.get(input.Key![this.keyName].S!);
    return { Item: item ? structuredClone(item) : undefined };
  }

  public scan(input: ScanCommandInput) {
    this.checkTable(input.TableName);
    const context = new ExpressionContext(input.ExpressionAttributeNames ?? {}, input.ExpressionAttributeValues ?? {});
    const filter = input.FilterExpression ? parseCondition(input.FilterExpression, context) : undefined;
    const projection = input.ProjectionExpression ? parseProjection(input.ProjectionExpression, context) : undefined;
    context.assertAllUsed();
    const keys = [...this.items.keys()].sort();
    const start = input.ExclusiveStartKey ? keys.indexOf(input.ExclusiveStartKey[this.keyName].S!) + 1 : 0;
    const page = keys.slice(start, start + this.scanPageSize);
    const last = start + this.scanPageSize < keys.length ? page[page.length - 1] : undefined;
    const items = page.map((key) => this.items.get(key)!).filter((item) => !filter || evaluate(filter, item));
    return {
      Items: items.map((item) => project(item, projection)),
      LastEvaluatedKey: last ? { [this.keyName]: { S: last } } : undefined,
    };
  }

  public batchGetItem(input: BatchGetItemCommandInput) {
    const [tableName, request] = Object.entries(input.RequestItems ?? {})[0];
    this.checkTable(tableName);
    const context = new ExpressionContext(request.ExpressionAttributeNames ?? {}, {});
    const projection = request.ProjectionExpression ? parseProjection(request.ProjectionExpression, context) : undefined;
    context.assertAllUsed();
    const found = (request.Keys ?? []).flatMap((key) => {
      const item = this.items.get(key[this.keyName].S!);
      return item ? [project(item, projection)] : [];
    });
    return { Responses: { [tableName]: found }, UnprocessedKeys: {} };
  }

  private checkTable(name: string | undefined): void {
    if (name !== this.tableName) throw new Error(`FakeTable ${this.tableName} got a request for table ${name}`);
  }
}

/** Expression names and values, remembering which ones an expression used. */
class ExpressionContext {
  private readonly usedNames = new Set<string>();
  private readonly usedValues = new Set<string>();

  constructor(
    private readonly names: Record<string, string>,
    private readonly values: Record<string, AttributeValue>,
  ) {}

  public name(token: string): string {
    if (!token.startsWith('#')) return token;
    const name = this.names[token];
    if (name === undefined) throw new Error(`ValidationException: undefined expression attribute name ${token}`);
    this.usedNames.add(token);
    return name;
  }

  public value(token: string): AttributeValue {
    const value = this.values[token];
    if (value === undefined) throw new Error(`ValidationException: undefined expression attribute value ${token}`);
    this.usedValues.add(token);
    return value;
  }

  public assertAllUsed(): void {
    const unusedNames = Object.keys(this.names).filter((name) => !this.usedNames.has(name));
    const unusedValues = Object.keys(this.values).filter((value) => !this.usedValues.has(value));
    if (unusedNames.length > 0 || unusedValues.length > 0) {
      throw new Error(`ValidationException: unused expression attribute names or values: ${[...unusedNames, ...unusedValues].join(', ')}`);
    }
  }
}

type Operand = { kind: 'path'; name: string } | { kind: 'value'; value: AttributeValue };
type Condition =
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; operand: Condition }
  | { kind: 'exists' | 'notExists'; name: string }
  | { kind: 'compare'; operator: string; left: Operand; right: Operand };

const TOKEN = /\s*(attribute_not_exists|attribute_exists|AND|OR|NOT|<>|<=|>=|[=<>(),]|[#:]?[A-Za-z_][A-Za-z0-9_]*)/y;

function tokenize(expression: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expression.length) {
    if (/^\s*$/.test(expression.slice(TOKEN.lastIndex))) break;
    const match = TOKEN.exec(expression);
    if (!match) throw new Error(`FakeTable cannot parse "${expression}" at ${TOKEN.lastIndex}`);
    tokens.push(match[1]);
  }
  return tokens;
}

function parseCondition(expression: string, context: ExpressionContext): Condition {
  const tokens = tokenize(expression);
  let at = 0;
  const peek = (): string | undefined => tokens[at];
  const take = (expected?: string): string => {
    const token = tokens[at++];
    if (token === undefined || (expected !== undefined && token !== expected)) throw new Error(`FakeTable expected ${expected ?? 'a token'} in "${expression}"`);
    return token;
  };
  const operand = (): Operand => {
    const token = take();
    if (token.startsWith(':')) return { kind: 'value', value: context.value(token) };
    return { kind: 'path', name: context.name(token) };
  };
  const primary = (): Condition => {
    const token = peek();
    if (token === '(') {
      take('(');
      const inner = or();
      take(')');
      return inner;
    }
    if (token === 'NOT') {
      take();
      return { kind: 'not', operand: primary() };
    }
    if (token === 'attribute_exists' || token === 'attribute_not_exists') {
      take();
      take('(');
      const name = context.name(take());
      take(')');
      return { kind: token === 'attribute_exists' ? 'exists' : 'notExists', name };
    }
    const left = operand();
    const operator = take();
    if (!['=', '<>', '<', '<=', '>', '>='].includes(operator)) throw new Error(`FakeTable does not support "${operator}" in "${expression}"`);
    return { kind: 'compare', operator, left, right: operand() };
  };
  const and = (): Condition => {
    let left = primary();
    while (peek() === 'AND') {
      take();
      left = { kind: 'and', left, right: primary() };
    }
    return left;
  };
  const or = (): Condition => {
    let left = and();
    while (peek() === 'OR') {
      take();
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  const condition = or();
  if (at !== tokens.length) throw new Error(`FakeTable did not understand the end of "${expression}"`);
  return condition;
}

function evaluate(condition: Condition, item: Item | undefined): boolean {
  switch (condition.kind) {
    case 'and':
      return evaluate(condition.left, item) && evaluate(condition.right, item);
    case 'or':
      return evaluate(condition.left, item) || evaluate(condition.right, item);
    case 'not':
      return !evaluate(condition.operand, item);
    case 'exists':
      return item?.[condition.name] !== undefined;
    case 'notExists':
      return item?.[condition.name] === undefined;
    case 'compare': {
      const left = resolve(condition.left, item);
      const right = resolve(condition.right, item);
      if (left === undefined || right === undefined) return false;
      const order = compare(left, right);
      if (order === undefined) return condition.operator === '<>';
      return { '=': order === 0, '<>': order !== 0, '<': order < 0, '<=': order <= 0, '>': order > 0, '>=': order >= 0 }[condition.operator]!;
    }
  }
}

function resolve(operand: Operand, item: Item | undefined): AttributeValue | undefined {
  return operand.kind === 'value' ? operand.value : item?.[operand.name];
}

/** Compares two numbers or two strings; `undefined` for different types. */
function compare(a: AttributeValue, b: AttributeValue): number | undefined {
  if (a.N !== undefined && b.N !== undefined) return Math.sign(Number(a.N) - Number(b.N));
  if (a.S !== undefined && b.S !== undefined) return a.S < b.S ? -1 : a.S > b.S ? 1 : 0;
  return undefined;
}

function applyUpdate(expression: string, context: ExpressionContext, old: Item, applied: boolean): Item {
  const sections = /^\s*(?:SET\s+(.+?))?\s*(?:REMOVE\s+(.+?))?\s*$/s.exec(expression);
  if (!sections || (!sections[1] && !sections[2])) throw new Error(`FakeTable supports SET and REMOVE only: "${expression}"`);
  const updated = structuredClone(old);
  for (const action of (sections[1] ?? '').split(',').filter((part) => part.trim() !== '')) {
    const [path, operand] = action.split('=').map((part) => part.trim());
    if (!path || !operand || /\s/.test(operand)) throw new Error(`FakeTable supports "path = operand" only: "${action}"`);
    const value = operand.startsWith(':') ? context.value(operand) : old[context.name(operand)];
    const name = context.name(path);
    if (value === undefined && applied) throw new Error(`ValidationException: ${operand} is not in the item`);
    if (value !== undefined) updated[name] = structuredClone(value);
  }
  for (const path of (sections[2] ?? '').split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    delete updated[context.name(path)];
  }
  return updated;
}

function parseProjection(expression: string, context: ExpressionContext): string[] {
  return expression.split(',').map((part) => context.name(part.trim()));
}

function project(item: Item, names: readonly string[] | undefined): Item {
  const copy = structuredClone(item);
  if (!names) return copy;
  return Object.fromEntries(Object.entries(copy).filter(([name]) => names.includes(name)));
}
