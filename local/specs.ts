import { EVENT_BUS_HINT, parseEventBus } from '../shared/publish/event-bus';

/** Where the CLI keeps state: embedded dynalite (in memory or on disk) or a real DynamoDB table. */
export type StoreSpec =
  | { readonly kind: 'dynalite'; readonly dir?: string }
  | { readonly kind: 'dynamodb'; readonly table: string };

/** Where the CLI sends events. */
export type SinkSpec =
  | { readonly kind: 'console' }
  | { readonly kind: 'jsonl'; readonly path: string }
  | { readonly kind: 'sns'; readonly topicArn: string }
  | { readonly kind: 'eventbridge'; readonly eventBus: string };

/**
 * A command-line value that does not fit, or a flag's target found unusable at start (a sink path
 * that is a directory, a store another process holds): exit code 2, with the flag named and the fix.
 */
export class UsageError extends Error {
  override readonly name: string = 'UsageError';
}

/** Parses `--store dynalite[:DIR]|dynamodb:TABLE`. */
export function parseStoreSpec(value: string): StoreSpec {
  if (value === 'dynalite') return { kind: 'dynalite' };
  if (value.startsWith('dynalite:') && value.length > 'dynalite:'.length) {
    return { kind: 'dynalite', dir: value.slice('dynalite:'.length) };
  }
  const table = value.startsWith('dynamodb:') ? value.slice('dynamodb:'.length) : '';
  if (/^[A-Za-z0-9_.-]{3,255}$/.test(table)) return { kind: 'dynamodb', table };
  if (value.startsWith('dynamodb:')) {
    throw new UsageError(
      `--store: "${table}" is not a DynamoDB table name; use 3 to 255 letters, digits, "_", "-" or "." (the table the stack created: see its TableName output)`,
    );
  }
  throw new UsageError(
    `--store: "${value}" is not a store; use dynalite (in memory), dynalite:DIR (on disk) or dynamodb:TABLE`,
  );
}

/** Parses `--sink console|jsonl:PATH|sns:TOPIC_ARN|eventbridge:BUS`. */
export function parseSinkSpec(value: string): SinkSpec {
  if (value === 'console') return { kind: 'console' };
  if (value.startsWith('jsonl:') && value.length > 'jsonl:'.length) {
    return { kind: 'jsonl', path: value.slice('jsonl:'.length) };
  }
  const arn = value.startsWith('sns:') ? value.slice('sns:'.length) : '';
  if (/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(arn)) {
    return { kind: 'sns', topicArn: arn };
  }
  const bus = value.startsWith('eventbridge:')
    ? parseEventBus(value.slice('eventbridge:'.length))
    : undefined;
  if (bus) return { kind: 'eventbridge', eventBus: bus.nameOrArn };
  throw new UsageError(
    `--sink: "${value}" is not a sink; use console, jsonl:PATH, sns:arn:aws:sns:REGION:ACCOUNT:TOPIC or eventbridge:BUS (${EVENT_BUS_HINT})`,
  );
}

/** The region an SNS topic ARN names (`arn:aws:sns:REGION:ACCOUNT:TOPIC`): where the topic lives. */
export function topicRegion(topicArn: string): string {
  return topicArn.split(':')[3] ?? '';
}

/** Parses `--target REGION/PROJECT_ID[@ENDPOINT]`. */
export function parseTargetSpec(value: string): { region: string; projectId: string; endpoint?: string } {
  const match = /^([^/@]+)\/([^/@]+)(?:@(.+))?$/.exec(value);
  if (!match?.[1] || !match[2]) {
    throw new UsageError(
      `--target: "${value}" is not a target; use REGION/PROJECT_ID or REGION/PROJECT_ID@URL`,
    );
  }
  return { region: match[1], projectId: match[2], ...(match[3] ? { endpoint: match[3] } : {}) };
}
