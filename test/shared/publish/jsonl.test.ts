import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PublishError } from '../../../shared/publish/errors';
import { createJsonlPublisher } from '../../../shared/publish/jsonl';
import { assertValidEvent } from '../../support/event-schema';
import { sampleEvent } from './fixtures';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jsonl-publisher-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readLines(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n');
}

describe('createJsonlPublisher', () => {
  it('appends one parseable line per event, creating the parent directories', async () => {
    const path = join(dir, 'nested', 'deeper', 'events.jsonl');
    const publisher = createJsonlPublisher({ path });
    const completed = sampleEvent('completed');
    const failed = sampleEvent('failed');
    await publisher.publish([completed]);
    await publisher.publish([failed]);
    await publisher.close?.();
    const lines = await readLines(path);
    expect(lines.map((line) => JSON.parse(line))).toEqual([completed, failed]);
    for (const line of lines) assertValidEvent(JSON.parse(line));
    expect(publisher.name).toBe('jsonl');
  });

  it('appends to an existing file without touching what is there', async () => {
    const path = join(dir, 'events.jsonl');
    await writeFile(path, '{"earlier":true}\n');
    await createJsonlPublisher({ path }).publish([sampleEvent('started')]);
    const lines = await readLines(path);
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] ?? '')).toEqual({ earlier: true });
  });

  it('never interleaves lines of concurrent publishes, from one publisher or two', async () => {
    const path = join(dir, 'events.jsonl');
    const first = createJsonlPublisher({ path });
    const second = createJsonlPublisher({ path });
    const events = Array.from({ length: 40 }, (_, i) =>
      sampleEvent('failed', { id: `job-${i}`, fail_reason: `${i}:`.padEnd(20_000, String(i % 10)) }),
    );
    await Promise.all(events.map((event, i) => (i % 2 === 0 ? first : second).publish([event])));
    const parsed = (await readLines(path)).map((line) => JSON.parse(line));
    expect(parsed).toHaveLength(events.length);
    expect(new Set(parsed.map((event) => event.subject))).toEqual(
      new Set(events.map((event) => event.subject)),
    );
    for (const event of parsed) assertValidEvent(event);
  });

  it('fails with a PublishError naming the sink and the path when the file cannot be written', async () => {
    const path = join(dir, 'is-a-directory');
    await createJsonlPublisher({ path: join(path, 'x.jsonl') }).publish([sampleEvent('started')]);
    const publisher = createJsonlPublisher({ path });
    const { refused } = await publisher.publish([sampleEvent('failed')]);
    const error = refused[0]?.cause;
    expect(error).toBeInstanceOf(PublishError);
    expect(error).toMatchObject({ sink: 'jsonl', cause: expect.objectContaining({ code: 'EISDIR' }) });
    expect((error as Error).message).toContain(path);
  });

  it('keeps publishing after a failed append', async () => {
    const path = join(dir, 'events.jsonl');
    const publisher = createJsonlPublisher({ path });
    const circular = sampleEvent('started') as unknown as Record<string, unknown>;
    circular.self = circular;
    const { refused } = await publisher.publish([circular as never, sampleEvent('completed')]);
    expect(refused.map((entry) => entry.cause)).toEqual([expect.any(PublishError)]);
    expect(await readLines(path)).toHaveLength(1);
  });
});
