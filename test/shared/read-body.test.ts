import { afterEach, describe, expect, it } from 'vitest';
import { discardBody, readBodyCapped } from '../../shared/read-body';
import { startHttpServer, streamEndlessBody, type TestHttpServer } from '../support/http-server';

let server: TestHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('finding 2: readBodyCapped', () => {
  it('reads a body within the cap whole', async () => {
    server = await startHttpServer((_req, res) => void res.end('{"ok": true}'));
    const body = await readBodyCapped(await fetch(server.url), 64);
    expect(body).toEqual({ text: '{"ok": true}', complete: true });
  });

  it('stops at the cap of an endless body and says it is not complete', async () => {
    let sent: Promise<number> | undefined;
    server = await startHttpServer((_req, res) => {
      sent = streamEndlessBody(res, 200, { prefix: '{"jobs": [', filler: 'x' });
    });
    const body = await readBodyCapped(await fetch(server.url), 64 * 1024);
    expect(body.complete).toBe(false);
    expect(body.text).toHaveLength(64 * 1024);
    expect(body.text.startsWith('{"jobs": [xxx')).toBe(true);
    // The connection was closed: the server stopped far short of anything like a gigabyte.
    expect(await sent).toBeLessThan(256 * 1024 * 1024);
  });

  it('refuses a declared Content-Length above the cap without reading', async () => {
    server = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) });
      res.write('x'.repeat(1024));
    });
    const body = await readBodyCapped(await fetch(server.url), 4096);
    expect(body).toEqual({ text: '', complete: false });
  });

  it('discards an endless body at once', async () => {
    let sent: Promise<number> | undefined;
    server = await startHttpServer((_req, res) => {
      sent = streamEndlessBody(res, 200);
    });
    await discardBody(await fetch(server.url));
    expect(await sent).toBeLessThan(256 * 1024 * 1024);
  });
});
