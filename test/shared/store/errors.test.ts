import { describe, expect, it } from 'vitest';
import {
  StoreTableNotActiveError,
  StoreTableNotFoundError,
  StoreThrottledError,
} from '../../../shared/store/errors';

const cause = new Error('sdk failure');

describe('store errors', () => {
  it.each([
    { error: new StoreThrottledError('jobs', cause), name: 'StoreThrottledError', text: /"jobs".*capacity/ },
    {
      error: new StoreTableNotFoundError('jobs', cause),
      name: 'StoreTableNotFoundError',
      text: /"jobs".*--store dynalite/,
    },
    {
      error: new StoreTableNotActiveError('jobs', 500, cause),
      name: 'StoreTableNotActiveError',
      text: /"jobs".*500 ms.*timeoutMs/,
    },
  ])('$name names the resource and the fix and keeps the cause', ({ error, name, text }) => {
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.message).toMatch(text);
    expect(error.cause).toBe(cause);
  });
});
