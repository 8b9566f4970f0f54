import { createPollHandler } from './poll-handler';
import { pollDepsFromEnv } from './poll-wiring';

/** The scheduled poll Lambda: one cycle over every configured target (see poll-handler.ts). */
export const handler = createPollHandler(pollDepsFromEnv(process.env));
