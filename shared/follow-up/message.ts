import * as z from 'zod/mini';
import { targetSchema } from '../config';
import type { Target } from '../target';

/**
 * The body of one follow-up message on the follow-up queue: the target to poll, the chain id the
 * cursor must still record for the message to act, and when it was due (epoch ms).
 */
export interface FollowUpMessage {
  readonly followUp: {
    readonly target: Target;
    readonly chain: string;
    readonly dueMs: number;
  };
}

/** The follow-up message as validated from a queue record. */
export const followUpMessageSchema = z.object({
  followUp: z.object({
    target: targetSchema,
    chain: z.string().check(z.minLength(1), z.maxLength(100)),
    dueMs: z.int().check(z.positive()),
  }),
});

/** Whether a parsed message body is meant as a follow-up (it may still not validate). */
export function looksLikeFollowUp(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'followUp' in body;
}

/** Port: sends a follow-up message, visible after `delaySeconds` (SQS `DelaySeconds`, 0 to 900). */
export interface FollowUpSender {
  send(message: FollowUpMessage, delaySeconds: number): Promise<void>;
}

/** A follow-up message could not be sent; the next schedule tick repairs the chain. */
export class FollowUpSendError extends Error {
  override readonly name = 'FollowUpSendError';
}
