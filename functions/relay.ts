import { createRelayHandler } from './relay-handler';
import { relayDepsFromEnv } from './relay-wiring';

/** The relay Lambda, subscribed to the topic: events to Slack, Teams and signed webhooks (see relay-handler.ts). */
export const handler = createRelayHandler(relayDepsFromEnv(process.env));
