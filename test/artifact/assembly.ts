import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A CloudFormation template, as far as the artifact test reads it. */
export interface Template {
  readonly Resources: Readonly<
    Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>
  >;
}

/** A synthesized cloud assembly: where `cdk deploy` would take the template and the code from. */
export interface SynthesizedStack {
  readonly directory: string;
  readonly stackName: string;
  readonly template: Template;
}

/** A Lambda function of the template, with the code asset it deploys. */
export interface DeployedFunction {
  readonly logicalId: string;
  /** The asset directory the `Code` S3 key comes from (the zip's content). */
  readonly codeDirectory: string;
  readonly handler: string;
  readonly runtime: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** `Environment.Variables`, tokens unresolved. */
  readonly environment: Readonly<Record<string, unknown>>;
}

/** A template value is a token the test cannot resolve: the message names it and where to add it. */
export class UnresolvedTokenError extends Error {
  override readonly name = 'UnresolvedTokenError';
}

/** Reads the stack the synth wrote into `directory` (see synth.ts). */
export function readSynthesizedStack(
  directory: string,
  stackName: string,
  templateFile: string,
): SynthesizedStack {
  return {
    directory,
    stackName,
    template: JSON.parse(readFileSync(join(directory, templateFile), 'utf8')) as Template,
  };
}

/** Resources of one type, by logical id. */
export function resourcesOfType(stack: SynthesizedStack, type: string): [string, Record<string, unknown>][] {
  return Object.entries(stack.template.Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([logicalId, resource]) => [logicalId, resource.Properties ?? {}]);
}

/**
 * The `AWS::Lambda::Function` whose logical id starts with `logicalIdPrefix`, with its code: the
 * asset whose published object key is the function's `Code.S3Key`, from the stack's asset manifest.
 */
export function deployedFunction(stack: SynthesizedStack, logicalIdPrefix: string): DeployedFunction {
  const matches = resourcesOfType(stack, 'AWS::Lambda::Function').filter(([id]) =>
    id.startsWith(logicalIdPrefix),
  );
  if (matches.length !== 1) {
    throw new Error(`expected one AWS::Lambda::Function ${logicalIdPrefix}*, found ${matches.length}`);
  }
  const [logicalId, properties] = matches[0] as [string, Record<string, unknown>];
  const code = properties.Code as { S3Key?: string };
  const manifest = JSON.parse(
    readFileSync(join(stack.directory, `${stack.stackName}.assets.json`), 'utf8'),
  ) as {
    files: Record<string, { source: { path: string }; destinations: Record<string, { objectKey: string }> }>;
  };
  const asset = Object.values(manifest.files).find((file) =>
    Object.values(file.destinations).some((destination) => destination.objectKey === code.S3Key),
  );
  if (asset === undefined) throw new Error(`no asset of ${logicalId} with object key ${code.S3Key}`);
  return {
    logicalId,
    codeDirectory: join(stack.directory, asset.source.path),
    handler: String(properties.Handler),
    runtime: String(properties.Runtime),
    timeoutSeconds: Number(properties.Timeout ?? 3),
    memoryMb: Number(properties.MemorySize ?? 128),
    environment:
      (properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {},
  };
}

/**
 * Resolves `Ref`, `Fn::GetAtt` and `Fn::Join` in a template value to local values: `refs` maps a
 * logical id (for `Ref`) or `logicalId.Attribute` (for `Fn::GetAtt`) to its local stand-in.
 * Anything else is an {@link UnresolvedTokenError}, so that a new reference in the function's
 * environment fails the test until it is given a local value.
 */
export function resolveTokens(value: unknown, refs: Readonly<Record<string, string>>, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const token = value as Record<string, unknown>;
  const lookup = (key: string): string => {
    const local = refs[key];
    if (local === undefined) {
      throw new UnresolvedTokenError(
        `${where}: ${key} has no local value: map it in the artifact test's resources`,
      );
    }
    return local;
  };
  if (typeof token.Ref === 'string') return lookup(token.Ref);
  if (Array.isArray(token['Fn::GetAtt'])) return lookup((token['Fn::GetAtt'] as string[]).join('.'));
  if (Array.isArray(token['Fn::Join'])) {
    const [separator, parts] = token['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => resolveTokens(part, refs, where)).join(separator);
  }
  throw new UnresolvedTokenError(`${where}: cannot resolve ${JSON.stringify(value)}`);
}

const SYNTH = fileURLToPath(new URL('./synth.ts', import.meta.url));

/** The synth child failed; the message carries its output (cdk-nag findings, config errors). */
export class SynthFailedError extends Error {
  override readonly name = 'SynthFailedError';
}

/**
 * Synthesizes the app for `configFile` into `outdir` in a child process (see synth.ts), with its
 * console output captured, and reads the stack it wrote.
 */
export async function synthesize(configFile: string, outdir: string): Promise<SynthesizedStack> {
  const child = spawn(process.execPath, ['--import', 'tsx', SYNTH, configFile, outdir], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new SynthFailedError(`synth exited with ${code}:\n${stderr}${stdout}`);
  const { directory, stackName, templateFile } = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as {
    directory: string;
    stackName: string;
    templateFile: string;
  };
  return readSynthesizedStack(directory, stackName, templateFile);
}
