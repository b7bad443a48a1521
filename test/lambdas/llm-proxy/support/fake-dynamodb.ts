import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { AwsClientStub } from 'aws-sdk-client-mock';

type Item = Record<string, AttributeValue>;

/**
 * DynamoDB for the proxy's two tables, at the SDK boundary: items per table, and the update and
 * condition expressions the proxy sends, evaluated as DynamoDB would (ADD on numbers, SET, REMOVE,
 * if_not_exists, attribute_(not_)exists and `<=`). An expression it does not know fails the test.
 */
export class FakeDynamoDb {
  readonly tables = new Map<string, Map<string, Item>>();
  private readonly peaks = new Map<string, number>();

  install(stub: AwsClientStub<DynamoDBClient>): void {
    this.peaks.clear();
    stub.on(UpdateItemCommand).callsFake((input) => this.update(input));
    stub.on(GetItemCommand).callsFake((input) => ({ Item: this.table(input.TableName).get(input.Key.pk.S) }));
    stub.on(PutItemCommand).callsFake((input) => {
      this.table(input.TableName).set(input.Item.pk.S, structuredClone(input.Item));
      return {};
    });
  }

  table(name: string): Map<string, Item> {
    let table = this.tables.get(name);
    if (!table) this.tables.set(name, (table = new Map()));
    return table;
  }

  /** The `tokens` counter of an item. */
  tokens(tableName: string, key: string): number | undefined {
    const value = this.table(tableName).get(key)?.tokens?.N;
    return value === undefined ? undefined : Number(value);
  }

  private update(input: {
    TableName: string;
    Key: Item;
    UpdateExpression: string;
    ConditionExpression?: string;
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Item;
    ReturnValuesOnConditionCheckFailure?: string;
  }): Record<string, never> {
    const names = input.ExpressionAttributeNames ?? {};
    const values = input.ExpressionAttributeValues ?? {};
    const table = this.table(input.TableName);
    const key = input.Key.pk.S!;
    const existing = table.get(key);
    if (input.ConditionExpression && !this.holds(input.ConditionExpression, existing, names, values)) {
      throw new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        ...(input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && existing ? { Item: existing } : {}),
      });
    }
    const item: Item = structuredClone(existing ?? { pk: { S: key } });
    for (const clause of input.UpdateExpression.split(/\s+(?=ADD |SET |REMOVE )/)) this.apply(clause, item, names, values);
    table.set(key, item);
    const peakKey = `${input.TableName}/${key}`;
    this.peaks.set(peakKey, Math.max(this.peaks.get(peakKey) ?? 0, Number(item.tokens?.N ?? 0)));
    return {};
  }

  /** The highest `tokens` an item ever held. */
  peak(tableName: string, key: string): number {
    return this.peaks.get(`${tableName}/${key}`) ?? 0;
  }

  private holds(condition: string, item: Item | undefined, names: Record<string, string>, values: Item): boolean {
    return condition.split(' OR ').some((part) => {
      const exists = /^attribute_(not_)?exists\((#\w+)\)$/.exec(part.trim());
      if (exists) return (item?.[names[exists[2]]] !== undefined) === !exists[1];
      const lessOrEqual = /^(#\w+) <= (:\w+)$/.exec(part.trim());
      if (lessOrEqual) return Number(item?.[names[lessOrEqual[1]]]?.N) <= Number(values[lessOrEqual[2]].N);
      throw new Error(`FakeDynamoDb: unknown condition ${part}`);
    });
  }

  private apply(clause: string, item: Item, names: Record<string, string>, values: Item): void {
    const [verb, ...rest] = clause.trim().split(' ');
    const body = rest.join(' ');
    for (const action of body.split(/,\s*(?![^()]*\))/)) {
      if (verb === 'ADD') {
        const [name, value] = action.split(' ');
        item[names[name]] = { N: String(Number(item[names[name]]?.N ?? 0) + Number(values[value].N)) };
      } else if (verb === 'SET') {
        const ifNotExists = /^(#\w+) = if_not_exists\((#\w+), (:\w+)\)$/.exec(action);
        const plain = /^(#\w+) = (:\w+)$/.exec(action);
        if (ifNotExists) item[names[ifNotExists[1]]] ??= values[ifNotExists[3]];
        else if (plain) item[names[plain[1]]] = values[plain[2]];
        else throw new Error(`FakeDynamoDb: unknown SET ${action}`);
      } else if (verb === 'REMOVE') {
        delete item[names[action.trim()]];
      } else {
        throw new Error(`FakeDynamoDb: unknown update ${clause}`);
      }
    }
  }
}
