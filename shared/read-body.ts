/** What {@link readBodyCapped} read: the text, and whether the body ended within the cap. */
export interface CappedBody {
  /** The body as UTF-8 text, at most `maxBytes` of it. */
  readonly text: string;
  /** False when the body was longer than the cap: `text` is its start only and the rest was not read. */
  readonly complete: boolean;
}

/** Bytes of a whole jobs API page: a 50-job page is tens of KB, so this is room for any real one. */
export const MAX_JOBS_PAGE_BYTES = 4 * 1024 * 1024;
/** Bytes of an IAM answer: a token answer with its service catalogue is a few hundred KB at most. */
export const MAX_IAM_BODY_BYTES = 1024 * 1024;
/** Bytes of a relay destination's answer kept (Slack says `ok` or why not; nobody needs more). */
export const MAX_RELAY_ANSWER_BYTES = 4 * 1024;

/**
 * Reads a response body through a byte cap and stops (cancelling the rest) once the cap is passed,
 * so a broken or hostile server sending gigabytes cannot take the function's memory. A
 * `Content-Length` above the cap is refused before reading anything.
 */
export async function readBodyCapped(response: Response, maxBytes: number): Promise<CappedBody> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await discardBody(response);
    return { text: '', complete: false };
  }
  if (response.body === null) return { text: '', complete: true };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = maxBytes - bytes;
    if (value.byteLength > room) {
      chunks.push(value.subarray(0, room));
      await reader.cancel().catch(() => {});
      return { text: decode(chunks), complete: false };
    }
    chunks.push(value);
    bytes += value.byteLength;
  }
  return { text: decode(chunks), complete: true };
}

/** Drops a body unread (closing the connection's stream), for answers whose content does not matter. */
export async function discardBody(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => {});
}

function decode(chunks: readonly Uint8Array[]): string {
  return Buffer.concat(chunks).toString('utf8');
}
