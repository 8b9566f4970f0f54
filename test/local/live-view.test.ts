import { describe, expect, it } from 'vitest';
import { LiveBlock } from '../../local/live-view';

/**
 * A screen that understands what LiveBlock writes: text, `\n`, `\r`, cursor up (`ESC[nA`, which
 * keeps the column, as terminals do) and clear to the end of the screen (`ESC[0J`).
 */
const TOKEN = new RegExp(`${String.fromCharCode(27)}\\[\\d*[AJ]|[\\s\\S]`, 'g');

function screen() {
  const rows: string[] = [''];
  let row = 0;
  let column = 0;
  const put = (char: string) => {
    const line = (rows[row] ?? '').padEnd(column);
    rows[row] = `${line.slice(0, column)}${char}${line.slice(column + 1)}`;
    column += 1;
  };
  return {
    write(text: string) {
      for (const token of text.match(TOKEN) ?? []) {
        if (token === '\n') {
          row += 1;
          column = 0;
          rows[row] ??= '';
        } else if (token === '\r') column = 0;
        else if (token.endsWith('A')) row = Math.max(0, row - Number(token.slice(2, -1) || 1));
        else if (token.endsWith('J')) {
          rows[row] = (rows[row] ?? '').slice(0, column);
          rows.length = row + 1;
        } else put(token);
      }
    },
    text: () => rows.map((line) => line.trimEnd()).filter(Boolean),
  };
}

describe('LiveBlock', () => {
  it('prints lines above the block and redraws it under them', () => {
    const tty = screen();
    const live = new LiveBlock(tty.write);
    live.update(['running now:', '  job a']);
    live.print('event 1');
    live.update(['running now: nothing']);
    expect(tty.text()).toEqual(['event 1', 'running now: nothing']);
  });

  it('leaves nothing of the block when cleared after the terminal echoed ^C below it', () => {
    const tty = screen();
    const live = new LiveBlock(tty.write);
    live.print('event 1');
    live.update(['running now: nothing']);
    tty.write('^C');
    live.clear();
    expect(tty.text()).toEqual(['event 1']);
  });
});
