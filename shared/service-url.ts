/**
 * The one check of a service base URL the watcher sends credentials to (a target's jobs
 * `endpoint`, `HUAWEICLOUD_IAM_ENDPOINT`): run by the settings schema (so at synth time, by
 * `infra/config.ts`, and at run time, by the Lambda and the CLI) and again by the clients.
 */

/** Host names that never leave the machine: plain `http://` is allowed to them, for local runs. */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host === '[::1]') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * What is wrong with `value` as the base URL of a service that receives credentials, or undefined
 * when nothing is: it must be `https://` (plain `http://` only to a loopback host, for local runs,
 * since a token, a replayable signature or an IAM password would otherwise cross the network in
 * clear), and carry no user info, query or fragment (the clients would refuse them on every call).
 * The text never repeats the URL's user info.
 */
export function serviceUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return 'must be an https:// URL (plain http:// only to a loopback host such as 127.0.0.1, for local runs)';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https:// URL';
  if (url.username !== '' || url.password !== '') return 'must not carry user info (user:password@)';
  if (url.search !== '' || value.includes('?')) return 'must not carry a query string';
  if (url.hash !== '' || value.includes('#')) return 'must not carry a fragment (#...)';
  return undefined;
}
