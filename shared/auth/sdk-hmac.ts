import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The algorithm name in the string to sign and in `Authorization`. */
export const SDK_SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';

/** How far `X-Sdk-Date` may be from the verifier's clock, as Huawei's API gateway allows. */
export const MAX_SDK_DATE_SKEW_MS = 15 * 60 * 1000;

/** A request to sign with Huawei's `SDK-HMAC-SHA256` (AK/SK) scheme. */
export interface SignInput {
  readonly method: string;
  /** Path and query are signed as the server will see them (decoded, then RFC 3986 encoded). */
  readonly url: URL;
  /**
   * Headers to sign, any case. `x-sdk-date` is always set from `date`; `host` defaults to
   * `url.host`. Send every one of them with exactly these values.
   */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly date: Date;
}

/** What to put on the request: `Authorization` and `X-Sdk-Date`. */
export interface SignedRequest {
  /** `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b>, Signature=<hex>`. */
  readonly authorization: string;
  /** `YYYYMMDDTHHMMSSZ`, the `X-Sdk-Date` value. */
  readonly sdkDate: string;
  /** Lowercase header names joined by `;`, as listed in `authorization`. */
  readonly signedHeaders: string;
}

/** `X-Sdk-Date` format: `20191115T033655Z` (UTC, no separators, whole seconds). */
export function formatSdkDate(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}

/** Reads an `X-Sdk-Date` value; undefined when it is not `YYYYMMDDTHHMMSSZ` or not a real time. */
export function parseSdkDate(text: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!match) return undefined;
  const iso = `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}Z`;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 19) !== iso.slice(0, 19)
    ? undefined
    : date;
}

/** RFC 3986 percent-encoding: everything but `A-Z a-z 0-9 - _ . ~`, as UTF-8 bytes. */
export function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Decodes each `%XX` run that is valid UTF-8; a stray `%` stays literal (and is re-encoded as `%25`). */
function decodePercent(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/** Canonical URI: each path segment decoded then RFC 3986 encoded, always ending in `/`. */
export function canonicalUri(url: URL): string {
  const path = url.pathname
    .split('/')
    .map((segment) => encodeRfc3986(decodePercent(segment)))
    .join('/');
  return path.endsWith('/') ? path : `${path}/`;
}

function compareCodeUnits(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

/**
 * Canonical query: `key=value` pairs, RFC 3986 encoded, joined by `&`, sorted by decoded key
 * then decoded value (UTF-16 code units), which is the order the official SDKs use.
 */
export function canonicalQueryString(url: URL): string {
  return [...url.searchParams]
    .sort(
      ([keyA, valueA], [keyB, valueB]) => compareCodeUnits(keyA, keyB) || compareCodeUnits(valueA, valueB),
    )
    .map(([key, value]) => `${encodeRfc3986(key)}=${encodeRfc3986(value)}`)
    .join('&');
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

interface SignatureParts {
  readonly method: string;
  readonly url: URL;
  /** Lowercase names, final values (untrimmed). */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
  readonly secretKey: string;
  readonly sdkDate: string;
}

function computeSignature(parts: SignatureParts): { signature: string; signedHeaders: string } {
  const names = [...parts.headers.keys()].sort(compareCodeUnits);
  const canonicalHeaders = names
    .map((name) => `${name}:${(parts.headers.get(name) ?? '').trim()}\n`)
    .join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    parts.method.toUpperCase(),
    canonicalUri(parts.url),
    canonicalQueryString(parts.url),
    canonicalHeaders,
    signedHeaders,
    sha256Hex(parts.body),
  ].join('\n');
  const stringToSign = `${SDK_SIGNING_ALGORITHM}\n${parts.sdkDate}\n${sha256Hex(canonicalRequest)}`;
  const signature = createHmac('sha256', parts.secretKey).update(stringToSign, 'utf8').digest('hex');
  return { signature, signedHeaders };
}

/**
 * Signs a request for Huawei Cloud's API gateway (AK/SK, `SDK-HMAC-SHA256`). Pure: the caller
 * supplies the clock and sends the returned `Authorization` and `X-Sdk-Date`.
 */
export function signRequest(input: SignInput): SignedRequest {
  const sdkDate = formatSdkDate(input.date);
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(input.headers)) headers.set(name.toLowerCase(), value);
  if (!headers.has('host')) headers.set('host', input.url.host);
  headers.set('x-sdk-date', sdkDate);
  const { signature, signedHeaders } = computeSignature({ ...input, headers, sdkDate });
  return {
    authorization: `${SDK_SIGNING_ALGORITHM} Access=${input.accessKey}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    sdkDate,
    signedHeaders,
  };
}

/** The parts of an `Authorization: SDK-HMAC-SHA256 ...` header. */
export interface ParsedAuthorization {
  readonly accessKey: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** Reads an `SDK-HMAC-SHA256` `Authorization` value; undefined when it is another scheme or malformed. */
export function parseAuthorization(header: string): ParsedAuthorization | undefined {
  const match =
    /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]+)\s*$/.exec(
      header,
    );
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  return { accessKey: match[1], signedHeaders: match[2].split(';'), signature: match[3].toLowerCase() };
}

/** A received request to check, headers as Node's `IncomingMessage` has them (lowercase names). */
export interface VerifyInput {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: string;
  readonly accessKey: string;
  readonly secretKey: string;
  /** The verifier's clock; `X-Sdk-Date` must be within `maxSkewMs` of it. */
  readonly now: Date;
  readonly maxSkewMs?: number;
}

/** Outcome of {@link verifySignature}; `reason` says what a client got wrong (never a secret). */
export type VerifyResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

function headerValue(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' || value === undefined ? value : value.join(', ');
}

/**
 * Checks a received request's AK/SK signature the way Huawei's gateway does, for the local
 * simulator: known access key, `host` and `x-sdk-date` signed, date within the allowed skew,
 * and the signature recomputed over the signed headers.
 */
export function verifySignature(input: VerifyInput): VerifyResult {
  const authorization = headerValue(input.headers.authorization);
  if (!authorization) return { ok: false, reason: 'no Authorization header' };
  const parsed = parseAuthorization(authorization);
  if (!parsed)
    return { ok: false, reason: 'Authorization is not SDK-HMAC-SHA256 Access=, SignedHeaders=, Signature=' };
  if (parsed.accessKey !== input.accessKey) return { ok: false, reason: 'unknown access key' };
  for (const required of ['host', 'x-sdk-date']) {
    if (!parsed.signedHeaders.includes(required)) return { ok: false, reason: `${required} is not signed` };
  }
  const sdkDate = headerValue(input.headers['x-sdk-date']) ?? '';
  const date = parseSdkDate(sdkDate);
  if (!date) return { ok: false, reason: 'X-Sdk-Date is not YYYYMMDDTHHMMSSZ' };
  if (Math.abs(date.getTime() - input.now.getTime()) > (input.maxSkewMs ?? MAX_SDK_DATE_SKEW_MS)) {
    return { ok: false, reason: 'X-Sdk-Date is too far from the server clock' };
  }
  const headers = new Map<string, string>();
  for (const name of parsed.signedHeaders) {
    const value = headerValue(input.headers[name]);
    if (value === undefined) return { ok: false, reason: `signed header ${name} is missing` };
    headers.set(name, value);
  }
  const { signature } = computeSignature({ ...input, headers, sdkDate });
  const expected = Buffer.from(signature, 'hex');
  const received = Buffer.from(parsed.signature, 'hex');
  if (expected.length !== received.length || !timingSafeEqual(expected, received)) {
    return { ok: false, reason: 'signature does not match' };
  }
  return { ok: true };
}
