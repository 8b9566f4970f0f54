import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AwsCredentialsMissingError,
  AwsRegionMissingError,
  checkAwsCredentials,
  checkAwsRegion,
  checkJsonlPath,
  SinkPathError,
} from '../../local/preflight';
import { UsageError } from '../../local/specs';

const dir = mkdtempSync(join(tmpdir(), 'preflight-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'folder'));
writeFileSync(join(dir, 'file.txt'), 'x');
writeFileSync(join(dir, 'events.jsonl'), '');

describe('checkJsonlPath', () => {
  it.each([
    ['an existing file', 'events.jsonl'],
    ['a new file in an existing directory', 'new.jsonl'],
    ['a new file in directories the sink will create', 'a/b/c/new.jsonl'],
  ])('accepts %s and creates nothing', async (_label, relative) => {
    const before = readdirSync(dir).sort();
    await expect(checkJsonlPath(join(dir, relative))).resolves.toBeUndefined();
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it.each([
    [
      'a directory',
      'folder',
      /folder is a directory; name a file in it, e.g\. --sink jsonl:.*folder\/events\.jsonl$/,
    ],
    [
      'a path under a file',
      'file.txt/events.jsonl',
      /file\.txt is a file, so no directory can be made under it/,
    ],
    ['a path deep under a file', 'file.txt/a/b.jsonl', /file\.txt is a file/],
  ])('refuses %s with one line naming the flag and the fix', async (_label, relative, message) => {
    const path = join(dir, relative);
    const error = await checkJsonlPath(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SinkPathError);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(new RegExp(`^--sink jsonl:${path}: `));
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('checkAwsRegion and checkAwsCredentials', () => {
  const failing = (message: string) => () => Promise.reject(new Error(message));

  it('passes the region and credentials through when the SDK resolves them', async () => {
    const client = { config: { region: async () => 'eu-west-1', credentials: async () => ({}) } };
    await expect(checkAwsRegion(client, '--store dynamodb:T')).resolves.toBe('eu-west-1');
    await expect(checkAwsCredentials(client, '--store dynamodb:T')).resolves.toBeUndefined();
  });

  it('names AWS_REGION when the SDK finds no region', async () => {
    const error = await checkAwsRegion(
      { config: { region: failing('Region is missing') } },
      '--store dynamodb:T',
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AwsRegionMissingError);
    expect((error as Error).message).toBe(
      '--store dynamodb:T: no AWS region; set AWS_REGION (e.g. AWS_REGION=ap-southeast-1) or a region in the AWS profile',
    );
  });

  it("names the ways to log in, with the SDK's reason, when it finds no credentials", async () => {
    const error = await checkAwsCredentials(
      { config: { credentials: failing('Could not load credentials from any providers') } },
      '--sink sns:arn:aws:sns:r:1:t',
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AwsCredentialsMissingError);
    expect((error as Error).message).toMatch(
      /^--sink sns:arn:aws:sns:r:1:t: no AWS credentials \(Could not load credentials from any providers\); set AWS_PROFILE .* or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY$/,
    );
  });
});
