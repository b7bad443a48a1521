import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { IngestMessage } from '../shared/vectors/ingest-message';

/** Where large documents wait for the worker. */
export interface IngestQueue {
  send(message: IngestMessage): Promise<void>;
}

/** The SQS ingest queue, sent to with the function's own role. */
export class SqsIngestQueue implements IngestQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(message: IngestMessage): Promise<void> {
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message) }));
  }
}
