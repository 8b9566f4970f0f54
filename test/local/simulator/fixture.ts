import { createSimulator, type Simulator, type SimulatorOptions } from '../../../local/simulator/server';

/** 2024-01-10T12:00:00Z: the injected clock's start in every simulator test. */
export const T0 = Date.UTC(2024, 0, 10, 12, 0, 0);
export const PROJECT = '0549b4a43100d4f32f51c01c2fe4acdb';
export const TOKEN = 'local-token';

/** A listening simulator on 127.0.0.1 with a hand-driven clock. */
export interface Fixture {
  readonly sim: Simulator;
  readonly url: string;
  /** Moves the injected clock forward. */
  advance(ms: number): void;
  now(): number;
  /** GET the jobs path with a raw query string (no leading `?`) and the valid token. */
  get(query?: string, init?: { headers?: Record<string, string>; project?: string }): Promise<Response>;
  close(): Promise<void>;
}

/** A static world (no history, nothing running, no arrivals) unless options say otherwise. */
export const EMPTY_WORLD: SimulatorOptions = { historyJobs: 0, runningAtStart: 0, jobsPerMinute: 0 };

/** Starts a simulator with an injected clock at {@link T0}. */
export async function startFixture(options: SimulatorOptions = {}): Promise<Fixture> {
  let clockMs = T0;
  const sim = createSimulator({ now: () => clockMs, ...options });
  const url = await sim.listen(0);
  return {
    sim,
    url,
    advance: (ms) => {
      clockMs += ms;
    },
    now: () => clockMs,
    get: (query = '', init = {}) =>
      fetch(`${url}/v3/${init.project ?? PROJECT}/jobs${query ? `?${query}` : ''}`, {
        headers: init.headers ?? { 'X-Auth-Token': TOKEN },
      }),
    close: () => sim.close(),
  };
}
