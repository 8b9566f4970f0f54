/**
 * Minimal types for dynalite 4 (the package ships none): only what `local/dynalite.ts` uses.
 * Not named `dynalite.d.ts`: TypeScript would take that for the output of `dynalite.ts` and skip it.
 */
declare module 'dynalite' {
  import type { Server } from 'node:http';

  /** Options of the dynalite server factory. */
  export interface DynaliteOptions {
    /** LevelDB directory; in memory when absent. */
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
    verbose?: boolean;
    debug?: boolean;
  }

  /** Creates a DynamoDB-compatible HTTP server (not yet listening). */
  export default function dynalite(options?: DynaliteOptions): Server;
}
