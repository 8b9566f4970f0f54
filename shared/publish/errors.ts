/**
 * A sink refused or could not take an event. The cycle leaves the event in the outbox and
 * the next cycle publishes it again with the same id.
 */
export class PublishError extends Error {
  /** The publisher's name (`sns`, `jsonl`, ...), for logs and metrics. */
  readonly sink: string;
  /** The message without the sink's name in front. */
  readonly detail: string;

  constructor(sink: string, detail: string, options?: { cause?: unknown }) {
    super(`${sink}: ${detail}`, options);
    this.name = 'PublishError';
    this.sink = sink;
    this.detail = detail;
  }
}

/**
 * The sink throttled the publish (e.g. SNS `ThrottledException`): not a fault of the event,
 * retry later or slow down. A {@link PublishError}, so one catch handles both.
 */
export class PublishThrottledError extends PublishError {
  constructor(sink: string, message: string, options?: { cause?: unknown }) {
    super(sink, message, options);
    this.name = 'PublishThrottledError';
  }
}
