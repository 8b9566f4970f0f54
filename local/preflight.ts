import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from './specs';

/** A `--sink jsonl:PATH` that cannot take events: a directory, under a file, or not writable. */
export class SinkPathError extends UsageError {
  override readonly name: string = 'SinkPathError';
}

/** An AWS client (DynamoDB table, SNS topic) for which no region can be found. */
export class AwsRegionMissingError extends UsageError {
  override readonly name: string = 'AwsRegionMissingError';
}

/** An AWS client for which the SDK's credential chain finds nothing. */
export class AwsCredentialsMissingError extends UsageError {
  override readonly name: string = 'AwsCredentialsMissingError';
}

/**
 * Checks at start that `--sink jsonl:PATH` can be appended to, so a bad path is one line and exit 2
 * instead of one error per event: PATH is a writable file, or does not exist yet and its nearest
 * existing ancestor is a writable directory (the sink creates missing directories). Creates nothing.
 */
export async function checkJsonlPath(path: string): Promise<void> {
  const flag = `--sink jsonl:${path}`;
  const found = await statOrMissing(path, flag);
  if (found === 'missing') {
    const ancestor = await nearestExisting(dirname(resolve(path)), flag);
    if (!ancestor.isDirectory) {
      throw new SinkPathError(
        `${flag}: ${ancestor.path} is a file, so no directory can be made under it; give a path in a directory`,
      );
    }
    if (!(await canWrite(ancestor.path, constants.W_OK | constants.X_OK))) {
      throw new SinkPathError(
        `${flag}: cannot create ${path}, directory ${ancestor.path} is not writable; give a path you may write to`,
      );
    }
    return;
  }
  if (found.isDirectory()) {
    throw new SinkPathError(
      `${flag}: ${path} is a directory; name a file in it, e.g. --sink jsonl:${join(path, 'events.jsonl')}`,
    );
  }
  if (!(await canWrite(path, constants.W_OK))) {
    throw new SinkPathError(`${flag}: ${path} is not writable; fix its permissions or give another path`);
  }
}

/** The region an AWS SDK client resolved (flag, environment, profile); throws naming the fix. */
export async function checkAwsRegion(
  client: { readonly config: { region: () => Promise<string> } },
  what: string,
): Promise<string> {
  try {
    return await client.config.region();
  } catch (cause) {
    throw new AwsRegionMissingError(
      `${what}: no AWS region; set AWS_REGION (e.g. AWS_REGION=ap-southeast-1) or a region in the AWS profile`,
      { cause },
    );
  }
}

/** Resolves the client's credentials once at start, so a missing login is one line, not one per call. */
export async function checkAwsCredentials(
  client: { readonly config: { credentials: () => Promise<unknown> } },
  what: string,
): Promise<void> {
  try {
    await client.config.credentials();
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message.replace(/\s+/g, ' ').trim() : String(cause);
    throw new AwsCredentialsMissingError(
      `${what}: no AWS credentials (${reason}); set AWS_PROFILE (after aws sso login, if it is an SSO profile) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
      { cause },
    );
  }
}

async function statOrMissing(
  path: string,
  flag: string,
): Promise<Awaited<ReturnType<typeof stat>> | 'missing'> {
  try {
    return await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    throw new SinkPathError(`${flag}: cannot reach ${path} (${code ?? String(error)})`, { cause: error });
  }
}

async function nearestExisting(dir: string, flag: string): Promise<{ path: string; isDirectory: boolean }> {
  for (let current = dir; ; current = dirname(current)) {
    const found = await statOrMissing(current, flag);
    if (found !== 'missing') return { path: current, isDirectory: found.isDirectory() };
    if (dirname(current) === current) return { path: current, isDirectory: true };
  }
}

async function canWrite(path: string, mode: number): Promise<boolean> {
  try {
    await access(path, mode);
    return true;
  } catch {
    return false;
  }
}
