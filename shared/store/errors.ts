/** DynamoDB refused the request for capacity, even after the SDK's own retries. */
export class StoreThrottledError extends Error {
  override readonly name = 'StoreThrottledError';
  constructor(tableName: string, cause: unknown) {
    super(
      `DynamoDB table "${tableName}" throttled the request after the SDK's retries: ` +
        'retry on the next cycle, or raise the table capacity / account limits',
      { cause },
    );
  }
}

/** The configured table does not exist (wrong name, wrong region, or never deployed). */
export class StoreTableNotFoundError extends Error {
  override readonly name = 'StoreTableNotFoundError';
  constructor(
    readonly tableName: string,
    cause: unknown,
  ) {
    super(
      `DynamoDB table "${tableName}" was not found: check the table name and region, deploy the stack ` +
        'to create it, or run locally with --store dynalite',
      { cause },
    );
  }
}

/** A table created by `ensureTable` did not become ACTIVE in time. */
export class StoreTableNotActiveError extends Error {
  override readonly name = 'StoreTableNotActiveError';
  constructor(
    readonly tableName: string,
    timeoutMs: number,
    cause?: unknown,
  ) {
    super(
      `DynamoDB table "${tableName}" did not become ACTIVE within ${timeoutMs} ms: ` +
        'check the local DynamoDB endpoint or raise timeoutMs',
      { cause },
    );
  }
}
