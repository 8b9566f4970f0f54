import { type Delivered, DeliveryError, type DeliveryOptions, deliver } from './deliver';
import type { DestinationConfig, DestinationKind, DestinationSecrets } from './destinations';
import { matchesFilter } from './filter';
import type { JobEventMessage } from './job-event-message';
import { deliveryRequest } from './payload';

/** What became of one event at one destination. */
export type DestinationOutcome =
  | {
      readonly destination: string;
      readonly kind: DestinationKind;
      readonly outcome: 'delivered';
      readonly status: number;
      readonly attempts: number;
    }
  | { readonly destination: string; readonly kind: DestinationKind; readonly outcome: 'filtered' }
  | {
      readonly destination: string;
      readonly kind: DestinationKind;
      readonly outcome: 'failed';
      /** Never holds a URL or a secret: safe to log. */
      readonly error: Error;
      readonly attempts: number;
    };

/** How the relay reaches destinations; everything but the per-destination limits is shared. */
export interface RelayOptions {
  /** The URL and keys of a destination; throwing fails that destination only. */
  readonly secretsFor: (destination: DestinationConfig) => DestinationSecrets;
  /** Shared delivery settings (clock, sleep, fetch, deadline); timeout and attempts come per destination. */
  readonly delivery?: Omit<DeliveryOptions, 'timeoutMs' | 'maxAttempts'>;
  /** The delivery function; injectable for tests. */
  readonly deliver?: (request: Parameters<typeof deliver>[0], options: DeliveryOptions) => Promise<Delivered>;
}

/**
 * Delivers one event to every destination whose filter takes it, all at once and independently:
 * one failing destination neither delays nor repeats the others. Resolves with one outcome per
 * destination, in the configured order; never rejects.
 */
export async function relayEvent(
  message: JobEventMessage,
  destinations: readonly DestinationConfig[],
  options: RelayOptions,
): Promise<DestinationOutcome[]> {
  const send = options.deliver ?? deliver;
  return Promise.all(
    destinations.map(async (destination): Promise<DestinationOutcome> => {
      const { name, kind } = destination;
      if (!matchesFilter(destination.filter, message.event))
        return { destination: name, kind, outcome: 'filtered' };
      try {
        const request = deliveryRequest(destination, options.secretsFor(destination), message);
        const delivered = await send(request, {
          ...options.delivery,
          timeoutMs: destination.timeoutMs,
          maxAttempts: destination.maxAttempts,
        });
        return {
          destination: name,
          kind,
          outcome: 'delivered',
          status: delivered.status,
          attempts: delivered.attempts,
        };
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        const attempts = error instanceof DeliveryError ? error.attempts : 0;
        return { destination: name, kind, outcome: 'failed', error: failure, attempts };
      }
    }),
  );
}
