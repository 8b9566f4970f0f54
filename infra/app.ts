import { ConfigError } from '../shared/config';
import {
  CONFIG_CONTEXT_KEY,
  chooseConfigFile,
  DEFAULT_CONFIG_FILE,
  EXAMPLE_CONFIG_FILE,
  EXAMPLE_OUTDIR,
  isRunByCdkCli,
  loadWatcherConfig,
  PREVIEW_EXAMPLE_FLAG,
} from './config';

/** Said before and after a synth of the shipped example, so it cannot be missed in the bundler output. */
const EXAMPLE_NOTICE =
  `PREVIEW of the shipped example ${EXAMPLE_CONFIG_FILE} (there is no ${DEFAULT_CONFIG_FILE}): its project, ` +
  `emails and webhook are placeholders. Nothing is deployed, and npx cdk deploy refuses to run without a config. ` +
  `To deploy: cp ${EXAMPLE_CONFIG_FILE} ${DEFAULT_CONFIG_FILE}, edit it, npx cdk deploy.`;

/**
 * The CDK app entry (`cdk.json` runs it for every CDK CLI command; `npm run synth` runs it directly,
 * offline and without credentials, with {@link PREVIEW_EXAMPLE_FLAG}). Context comes from the CDK
 * CLI, or from `-c key=value` arguments when run directly.
 */
async function main(argv: readonly string[]): Promise<void> {
  const context = contextFromArgs(argv);
  const fromCli = JSON.parse(process.env.CDK_CONTEXT_JSON ?? '{}') as Record<string, unknown>;
  const configPath = (context[CONFIG_CONTEXT_KEY] ?? fromCli[CONFIG_CONTEXT_KEY]) as string | undefined;
  const choice = chooseConfigFile(configPath, {
    previewExample: argv.includes(PREVIEW_EXAMPLE_FLAG),
    runByCdkCli: isRunByCdkCli(process.env),
  });
  if (choice.isExample) console.error(EXAMPLE_NOTICE);
  const config = loadWatcherConfig(choice.path);
  console.error(`Config: ${choice.path}`);
  // Loaded only now: a missing or broken config fails at once, without loading CDK.
  const [{ createWatcherApp }, { bundleSizes, formatBytes }] = await Promise.all([
    import('./watcher-app'),
    import('./bundle-report'),
  ]);
  const { app, stack } = createWatcherApp({
    config,
    context,
    outdir: choice.isExample ? EXAMPLE_OUTDIR : (process.env.CDK_OUTDIR ?? 'cdk.out'),
  });
  const assembly = app.synth();
  console.error(`Template: ${assembly.getStackArtifact(stack.artifactId).templateFullPath}`);
  for (const size of bundleSizes(assembly.directory)) {
    console.error(
      `${size.label} bundle: ${formatBytes(size.codeBytes)} (${formatBytes(size.gzipBytes)} gzipped, source map ${formatBytes(size.sourceMapBytes)}) in ${size.asset}`,
    );
  }
  if (choice.isExample) console.error(EXAMPLE_NOTICE);
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
  await main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
