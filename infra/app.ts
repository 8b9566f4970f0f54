import { ConfigError } from '../shared/config';
import { bundleSizes, formatBytes } from './bundle-report';
import { CONFIG_CONTEXT_KEY, chooseConfigFile, loadWatcherConfig } from './config';
import { createWatcherApp } from './watcher-app';

/**
 * The CDK app entry (`cdk.json` runs it; `npm run synth` runs it directly, offline and without
 * credentials). Context comes from the CDK CLI, or from `-c key=value` arguments when run directly.
 */
function main(argv: readonly string[]): void {
  const context = contextFromArgs(argv);
  const fromCli = JSON.parse(process.env.CDK_CONTEXT_JSON ?? '{}') as Record<string, unknown>;
  const configPath = (context[CONFIG_CONTEXT_KEY] ?? fromCli[CONFIG_CONTEXT_KEY]) as string | undefined;
  const choice = chooseConfigFile(configPath);
  const config = loadWatcherConfig(choice.path);
  console.error(
    choice.isExample
      ? `Config: ${choice.path} (the shipped example: copy it to watcher.config.json and edit it before deploying)`
      : `Config: ${choice.path}`,
  );
  const { app, stack } = createWatcherApp({
    config,
    context,
    outdir: process.env.CDK_OUTDIR ?? 'cdk.out',
  });
  const assembly = app.synth();
  console.error(`Template: ${assembly.getStackArtifact(stack.artifactId).templateFullPath}`);
  for (const size of bundleSizes(assembly.directory)) {
    console.error(
      `Poll function bundle: ${formatBytes(size.codeBytes)} (${formatBytes(size.gzipBytes)} gzipped, source map ${formatBytes(size.sourceMapBytes)}) in ${size.asset}`,
    );
  }
}

/** `-c key=value` / `--context key=value` pairs, as the CDK CLI takes them. */
function contextFromArgs(argv: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    if (arg !== '-c' && arg !== '--context') continue;
    const pair = argv[++index] ?? '';
    const equals = pair.indexOf('=');
    if (equals > 0) context[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return context;
}

try {
  main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
