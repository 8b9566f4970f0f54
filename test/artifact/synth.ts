/**
 * Synthesizes the watcher app for a config file into a cloud assembly, as `npm run synth` does
 * (the same config loader, the same app with cdk.json's context, cdk-nag and the real esbuild
 * bundles), minus CDK's CloudFormation validation, which takes seconds and is covered by
 * test/infra/watcher-stack.test.ts.
 *
 * Run in a child process by the artifact test (`node --import tsx test/artifact/synth.ts CONFIG OUTDIR`),
 * so the bundler's console output stays out of the test run. Prints one JSON line:
 * `{"directory": ..., "stackName": ..., "templateFile": ...}`.
 */
import { loadWatcherConfig } from '../../infra/config';
import { createWatcherApp } from '../../infra/watcher-app';

const [configPath, outdir] = process.argv.slice(2);
if (configPath === undefined || outdir === undefined) {
  console.error('usage: synth.ts CONFIG_FILE OUTDIR');
  process.exit(2);
}
const { app, stack } = createWatcherApp({
  config: loadWatcherConfig(configPath),
  outdir,
  cloudFormationValidation: false,
});
const assembly = app.synth();
const artifact = assembly.getStackArtifact(stack.artifactId);
process.stdout.write(
  `${JSON.stringify({ directory: assembly.directory, stackName: artifact.stackName, templateFile: artifact.templateFile })}\n`,
);
