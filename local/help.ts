/** `--help` text: the CLI contract that scripts and tests rely on. */
export const HELP = `geminidb-job-watcher: watch Huawei Cloud GeminiDB tasks and publish every status transition.

Usage:
  npm run cli -- poll [--once] [--interval SECONDS] [--endpoint URL] --region REGION --project-id ID
                      [--store dynalite[:DIR]|dynamodb:TABLE] [--sink console|jsonl:PATH|sns:TOPIC_ARN|eventbridge:BUS]...
  npm run cli -- simulate [--port N] [--seed N] [--speed X] [--token TOKEN] [--faults SPEC] ...
  npm run cli -- send-test --region REGION --project-id ID [--type TYPE]
                      [--sink console|jsonl:PATH|sns:TOPIC_ARN|eventbridge:BUS]...
  npm run cli -- jobs --region REGION --project-id ID [--target REGION/PROJECT_ID]...
                      [--store dynalite[:DIR]|dynamodb:TABLE] [--json]
  npm run cli -- replay --since TIME [--until TIME] [--job ID] --region REGION --project-id ID
                      [--store dynalite[:DIR]|dynamodb:TABLE] [--sink console|jsonl:PATH|sns:TOPIC_ARN|eventbridge:BUS]...
                      [--dry-run]
  npm run cli -- doctor [--stack NAME] [--region REGION] [--send-test]
  npm run cli -- --help

poll
  Runs poll cycles: fetch the task window, diff it against the store, record, publish, mark.
  --once                 one cycle, then exit
  --interval SECONDS     seconds between cycles (default 60)
  --endpoint URL         jobs API base URL (default https://gaussdb-nosql.<region>.myhuaweicloud.com;
                         eu-west-101 uses .myhuaweicloud.eu)
  --region REGION        region of the project (or HUAWEICLOUD_SDK_REGION)
  --project-id ID        project id (or HUAWEICLOUD_SDK_PROJECT_ID)
  --target REGION/PROJECT_ID[@URL]
                         another target to watch (repeatable); each keeps its own state and baseline
  --store SPEC           dynalite           embedded DynamoDB in memory (state lost at exit)
                         dynalite:DIR       embedded DynamoDB on disk (state kept between runs; one
                                            process at a time: a second one is told the holder's pid)
                         dynamodb:TABLE     a real DynamoDB table (region from AWS_REGION or the AWS
                                            profile, credentials from the usual chain)
                         default: ${'dynalite:.data/dynalite'}
  --sink SPEC            console            readable lines on stdout (default)
                         jsonl:PATH         one CloudEvent JSON per line, appended to PATH (a file;
                                            missing directories are created)
                         sns:TOPIC_ARN      publish to an SNS topic, in the ARN's region whatever
                                            AWS_REGION says (credentials from the usual chain)
                         eventbridge:BUS    put to an EventBridge bus: a name (default: the account's bus,
                                            in AWS_REGION) or an ARN (sent to the ARN's region)
                         repeatable: every event goes to every sink; each is checked at start
  --announce-baseline    announce the jobs found on a target's first cycle instead of recording them silently
  --progress-step N      emit "progressed" each time progress crosses a multiple of N percent (default 0: off)
  --stalled-after NAME=SECONDS
                         emit "stalled" once when a job named NAME runs longer (NAME * for any job; repeatable)
  --lease-seconds N      longest a poll holds its target's claim; a crashed poll's work is
                         finished by the first cycle after it (default 120)
  --page-size N          jobs per API page: 10, 20 or 50 (default 50)
  --concurrency N        targets polled at once (default 4)
  --quiet                no per-cycle status lines (without it every cycle prints one on stderr; an idle
                         one a short line with the time, so a watcher can tell the loop is alive)
  Credentials (environment), the first mode configured wins:
    1 AK/SK signing      HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK [, HUAWEICLOUD_SDK_SECURITY_TOKEN]
    2 IAM password token HUAWEICLOUD_USERNAME, HUAWEICLOUD_PASSWORD, HUAWEICLOUD_DOMAIN_NAME
                         [, HUAWEICLOUD_IAM_ENDPOINT (default https://iam.<region>.myhuaweicloud.com)]
    3 static token       HUAWEICLOUD_AUTH_TOKEN (sent as X-Auth-Token)
  The mode is printed at start, never the secret.
  Exit codes: 0 every cycle succeeded; 1 a cycle failed (one line per failure on stderr);
              2 a usage or configuration error, also one found at start (a sink path that is a
              directory, a store in use by another process, no AWS region or credentials).
  DEBUG=1 adds the stack trace to an error line.

simulate
  Runs the simulated GeminiDB jobs API alone, until Ctrl-C.
  --port N               port on 127.0.0.1 (default 8088; 0 picks a free one)
  --seed N               random seed (default 1)
  --speed X              lifecycle speed multiplier (default 1)
  --token TOKEN          the X-Auth-Token it accepts (default local-token); --no-token accepts none
  --access-key AK --secret-key SK
                         also accept requests signed with this AK/SK (SDK-HMAC-SHA256)
  --iam-user NAME:PASSWORD@DOMAIN
                         serve POST /v3/auth/tokens for this user (repeatable); point
                         HUAWEICLOUD_IAM_ENDPOINT at the simulator's base URL (simulate prints the
                         exact variables to export for each way in)
  --faults SPEC          seeded fault rates, e.g. throttle=0.1,serverError=0.05,htmlPage=0.02,
                         truncatedJson=0.02,wrongTypes=0.02,connectionReset=0.02,slow=0.05,slowMs=3000
  --latency-ms N         delay every answer by N ms
  --project ID           a project that exists (repeatable; default 0549b4a43100d4f32f51c01c2fe4acdb)
  --jobs-per-minute N    arrival rate of new jobs per project (default 6)

send-test
  Publishes one clearly marked test event through the sinks, to check subscriptions end to end:
  job WatcherTestEvent on instance watcher-test, subject "[GeminiDB] TEST ...", the CloudEvents
  extension attribute "test": true, and a fresh event id each time. With --sink sns:TOPIC_ARN it goes
  to the deployed topic and on to every subscription (the relay delivers it whatever the filters).
  --region REGION        region in the event's source (or HUAWEICLOUD_SDK_REGION)
  --project-id ID        project id in the event's source (or HUAWEICLOUD_SDK_PROJECT_ID)
  --type TYPE            started, progressed, completed (default), failed, status_changed or stalled
  --sink SPEC            as for poll (default console); repeatable
  Exit codes: 0 every sink took the event; 1 a sink refused it; 2 a usage error.

jobs
  Lists what the store knows of a target's jobs, most recent change first: job id, name, instance,
  status, progress, last change (the job's end, or its start while running) and events not yet published.
  --region REGION        region of the project (or HUAWEICLOUD_SDK_REGION)
  --project-id ID        project id (or HUAWEICLOUD_SDK_PROJECT_ID)
  --target REGION/PROJECT_ID
                         another target to list (repeatable)
  --store SPEC           as for poll (default dynalite:.data/dynalite, where poll keeps its state;
                         stop a poll using the same directory first)
  --json                 one JSON object per job instead of the table
  Exit codes: 0 listed (also when nothing is recorded); 1 the store failed; 2 a usage error.

replay
  Publishes a target's recorded events again, under their original ids, for a subscriber that lost
  some (consumers that drop duplicates by id drop the ones they had). The store keeps, per job, the
  last event of each type; data.job's name, start time and instance are the job's as last recorded.
  --since TIME           events detected at or after TIME: ISO 8601 with a zone
                         (2026-11-30T01:00:00Z) or a duration ago (90s, 30m, 2h, 1d); required
  --until TIME           events detected before TIME (same forms; default: now)
  --job ID               only this job's events
  --region REGION        region of the project (or HUAWEICLOUD_SDK_REGION)
  --project-id ID        project id (or HUAWEICLOUD_SDK_PROJECT_ID)
  --store SPEC           as for jobs (default dynalite:.data/dynalite)
  --sink SPEC            as for poll (default console); repeatable: every event goes to every sink
  --dry-run              list the events (time, type, job, status, id) instead of publishing them
  Exit codes: 0 every sink took every event (also when none matched); 1 a sink refused one or the
              store failed; 2 a usage error.

doctor
  Checks a deployed stack from its outputs, one line each, ✓ or ✗ with the fix: the credentials
  secret holds a complete auth mode; each target answers one jobs API request with it; every email
  and HTTPS subscription is confirmed; each target's last recorded cycle is recent; the failure and
  dead-letter queues are empty; the relay secret names every destination (docs/doctor.md).
  --stack NAME           the stack (default GeminiDbJobWatcher)
  --region REGION        its AWS region (default AWS_REGION or the AWS profile's)
  --send-test            then publish one test event through the topic (as send-test does)
  AWS credentials from the usual chain; secrets are read, never printed.
  Exit codes: 0 every check holds; 1 one does not; 2 a usage error.

Events are CloudEvents 1.0 (see shared/schema/job-event.schema.json).
`;
