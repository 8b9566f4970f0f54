import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { JobEvent } from '../job-event';
import { PublishError } from './errors';
import { type Publisher, publishEach } from './publisher';

/** Options of {@link createJsonlPublisher}. */
export interface JsonlPublisherOptions {
  /** The file events are appended to, one JSON object per line; its directory is created if missing. */
  readonly path: string;
}

/**
 * A publisher that appends each event as one line of JSON to a file: a local outbox that
 * scripts can tail or replay. Each line is written whole in one append, and publishes from this
 * publisher are queued, so lines never interleave.
 */
export function createJsonlPublisher(options: JsonlPublisherOptions): Publisher {
  const { path } = options;
  let dirReady: Promise<unknown> | null = null;
  let queue: Promise<unknown> = Promise.resolve();

  async function append(event: JobEvent): Promise<void> {
    try {
      dirReady ??= mkdir(dirname(path), { recursive: true });
      await dirReady;
      await appendFile(path, `${JSON.stringify(event)}\n`, { encoding: 'utf8', flag: 'a' });
    } catch (error) {
      dirReady = null;
      throw new PublishError(
        'jsonl',
        `could not append event ${event.id} to ${path} (${osReason(error)}); check that the path is a writable file on a disk with room`,
        { cause: error },
      );
    }
  }

  return {
    name: 'jsonl',
    publish(events, options) {
      const written = queue.then(() => publishEach(events, options, append));
      queue = written.catch(() => undefined);
      return written;
    },
    async close(): Promise<void> {
      await queue;
    },
  };
}

/** The operating system's reason in a few words, e.g. `ENOSPC: no space left on device`. */
function osReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  // Node's message repeats the code and the path: keep the words in between.
  const words = error.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
  return code ? `${code}: ${words}` : words;
}
