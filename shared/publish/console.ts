import type { JobEvent } from '../job-event';
import { consoleLine, eventKind } from './format';
import { type Publisher, publishEach } from './publisher';

/** Options of {@link createConsolePublisher}. */
export interface ConsolePublisherOptions {
  /** Where a line goes (without its newline); defaults to standard output. */
  readonly write?: (line: string) => void;
  /** Colour the line by event kind with ANSI codes; defaults to on for a terminal stdout unless `NO_COLOR` is set. */
  readonly color?: boolean;
  /** Name each event's target at the start of its line: on when several targets are watched. */
  readonly showTarget?: boolean;
  /**
   * Wrap each event into rows of at most this many columns, between words; defaults to the
   * terminal's width for a terminal stdout, and one line otherwise (a file or pipe, for grep).
   */
  readonly maxColumns?: number;
}

/** The terminal width events are wrapped to when the terminal does not say. */
export const DEFAULT_TERMINAL_COLUMNS = 80;

/** ANSI colour per event kind: failures red, completions green, stalls yellow. */
const ANSI_COLOR_BY_KIND: Readonly<Record<string, string>> = {
  started: '\u001b[36m',
  progressed: '\u001b[34m',
  completed: '\u001b[32m',
  failed: '\u001b[31m',
  status_changed: '\u001b[35m',
  stalled: '\u001b[33m',
};
const ANSI_RESET = '\u001b[0m';

/** A publisher that prints one readable line per event: for the local CLI and demos. */
export function createConsolePublisher(options: ConsolePublisherOptions = {}): Publisher {
  const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const color =
    options.color ??
    (options.write === undefined && process.stdout.isTTY === true && process.env.NO_COLOR === undefined);
  const toTerminal = options.write === undefined && process.stdout.isTTY === true;
  const maxColumns =
    options.maxColumns ?? (toTerminal ? process.stdout.columns || DEFAULT_TERMINAL_COLUMNS : undefined);
  const lineOptions = {
    ...(options.showTarget ? { showTarget: true } : {}),
    ...(maxColumns !== undefined ? { maxColumns } : {}),
  };
  return {
    name: 'console',
    publish: (events, options) =>
      publishEach(events, options, async (event: JobEvent) => {
        const line = consoleLine(event, lineOptions);
        const ansi = color ? ANSI_COLOR_BY_KIND[eventKind(event)] : undefined;
        write(ansi === undefined ? line : `${ansi}${line}${ANSI_RESET}`);
      }),
  };
}
