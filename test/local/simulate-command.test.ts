import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenError, startLines } from '../../local/simulate-command';
import { type SimulatedCredentials, simulatorAuth } from '../../local/simulator/auth-modes';
import { createSimulator, type Simulator } from '../../local/simulator/server';
import { UsageError } from '../../local/specs';
import { authenticatorFor } from '../../shared/auth/credentials';
import { createJobsClient } from '../../shared/jobs/http-client';

const PROJECT = '0549b4a43100d4f32f51c01c2fe4acdb';
const CREDENTIALS: SimulatedCredentials = {
  token: 'sim-token-1',
  aksk: { accessKey: 'SIMACCESSKEY0001', secretKey: 'sim-secret-key-0001' },
  iamUsers: [{ name: 'alice', password: 'pw-alice-1', domainName: 'acme' }],
};
let simulator: Simulator;
let url: string;

beforeAll(async () => {
  simulator = createSimulator({
    ...simulatorAuth(CREDENTIALS),
    projectIds: [PROJECT],
    historyJobs: 1,
    runningAtStart: 0,
  });
  simulator.pause();
  url = await simulator.listen(0);
});
afterAll(() => simulator.close());

/** The variables of an `export A=1 B=2` line (values without quotes, as the test's are). */
function exported(line: string): Record<string, string> {
  expect(line).toMatch(/^export /);
  return Object.fromEntries(
    line
      .slice('export '.length)
      .split(' ')
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
}

describe('startLines', () => {
  it('gives one export line per way in, with the IAM endpoint as the base URL', () => {
    const lines = startLines(url, [PROJECT], CREDENTIALS);
    expect(lines.filter((line) => line.startsWith('export '))).toEqual([
      'export HUAWEICLOUD_SDK_AK=SIMACCESSKEY0001 HUAWEICLOUD_SDK_SK=sim-secret-key-0001',
      `export HUAWEICLOUD_IAM_ENDPOINT=${url} HUAWEICLOUD_USERNAME=alice HUAWEICLOUD_PASSWORD=pw-alice-1 HUAWEICLOUD_DOMAIN_NAME=acme`,
      'export HUAWEICLOUD_AUTH_TOKEN=sim-token-1',
    ]);
    expect(lines.at(-1)).toContain(
      `npm run cli -- poll --interval 5 --endpoint ${url} --region ap-southeast-1`,
    );
  });

  it.each([0, 1, 2])(
    'prints export line %i with values that authenticate against the simulator',
    async (index) => {
      const line =
        startLines(url, [PROJECT], CREDENTIALS).filter((text) => text.startsWith('export '))[index] ?? '';
      const target = { region: 'ap-southeast-1', projectId: PROJECT };
      const client = createJobsClient({
        endpoint: url,
        projectId: PROJECT,
        auth: authenticatorFor(exported(line), target),
        maxAttempts: 1,
      });
      await expect(client.listJobs({})).resolves.toMatchObject({ total_count: 1 });
    },
  );

  it('suggests a try: line with --interval and the token inline when the token is the only way in', () => {
    const lines = startLines(url, [PROJECT], { token: 'local-token' });
    expect(lines.at(-1)).toBe(
      `try: HUAWEICLOUD_AUTH_TOKEN=local-token npm run cli -- poll --interval 5 --endpoint ${url} --region ap-southeast-1 --project-id ${PROJECT}`,
    );
  });

  it('quotes a value the shell would split', () => {
    const lines = startLines(url, [PROJECT], {
      token: null,
      aksk: { accessKey: 'AK', secretKey: "it's secret" },
    });
    expect(lines).toContain(`export HUAWEICLOUD_SDK_AK=AK HUAWEICLOUD_SDK_SK='it'\\''s secret'`);
  });
});

describe('listenError', () => {
  it.each([
    [
      'EADDRINUSE',
      /^--port 8088: 127\.0\.0\.1:8088 is in use .*; stop it, or give another --port \(0 picks a free one\)$/,
    ],
    ['EACCES', /^--port 8088: not allowed to listen there; give a --port above 1023$/],
  ])('turns %s into a usage error naming the fix', (code, message) => {
    const error = listenError(8088, Object.assign(new Error(`listen ${code}`), { code }));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });
});
