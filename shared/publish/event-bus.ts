/**
 * What the watcher's EventBridge side agrees on, free of the SDK so the CDK app can import it: the
 * `Source` of the entries, and event bus names as `PutEvents` takes them in `EventBusName` (a bus
 * name such as `default` or `geminidb-jobs`, or a bus ARN). One rule for the CLI
 * (`--sink eventbridge:BUS`), the poll function and the CDK config, so a typo is caught where it is
 * written, not at the first `PutEvents`.
 */

/**
 * `Source` of every entry the watcher puts: what EventBridge rules and the archive match on
 * (`"source": ["geminidb-job-watcher"]`).
 */
export const EVENTBRIDGE_SOURCE = 'geminidb-job-watcher';

/** The `EventBusName` pattern of the EventBridge API reference (`PutEventsRequestEntry`). */
const BUS_NAME = /^[/.\-_A-Za-z0-9]{1,256}$/;
const BUS_ARN =
  /^arn:aws[\w-]*:events:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):event-bus\/([/.\-_A-Za-z0-9]{1,256})$/;

/** An event bus as named by the user. */
export interface EventBusRef {
  /** What `EventBusName` is set to: the name or ARN as given. */
  readonly nameOrArn: string;
  /** The bus name (the last part of an ARN). */
  readonly name: string;
  /** With an ARN: the bus's region, where `PutEvents` must be sent. */
  readonly region?: string;
  /** With an ARN: the bus's account. */
  readonly account?: string;
}

/** What a valid bus looks like, for error messages. */
export const EVENT_BUS_HINT =
  'an event bus name (letters, digits, . - _ /; "default" for the account\'s default bus) or an ARN such as arn:aws:events:eu-west-1:123456789012:event-bus/geminidb-jobs';

/** Reads a bus name or ARN; undefined when it is neither. */
export function parseEventBus(value: string): EventBusRef | undefined {
  const arn = BUS_ARN.exec(value);
  if (arn) {
    return { nameOrArn: value, name: arn[3] as string, region: arn[1] as string, account: arn[2] as string };
  }
  if (value.startsWith('arn:') || !BUS_NAME.test(value)) return undefined;
  return { nameOrArn: value, name: value };
}
