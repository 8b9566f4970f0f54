/**
 * Huawei Cloud console host of a region: the Chinese mainland site for `cn-*` regions, the
 * European site for `eu-west-101`, the international site otherwise.
 */
export function consoleHost(region: string): string {
  if (region === 'eu-west-101') return 'console.eu.huaweicloud.com';
  if (region.startsWith('cn-')) return 'console.huaweicloud.com';
  return 'console-intl.huaweicloud.com';
}

/**
 * A link to a GeminiDB instance in the Huawei Cloud console, so a message for people leads
 * straight to the instance (the instance list of the region when the id is unknown).
 *
 * Best effort: the host and the `?region=` query follow the console's public URLs, but the
 * `#/...` route inside the GeminiDB (NoSQL) console is not documented and may change; a stale
 * route still lands on the GeminiDB console of the right region.
 */
export function instanceConsoleUrl(region: string, instanceId: string): string {
  const query = new URLSearchParams({ region });
  if (!region.startsWith('cn-')) query.set('locale', 'en-us');
  const route =
    instanceId === ''
      ? '/nosql/management/list'
      : `/nosql/management/instance/${encodeURIComponent(instanceId)}/basicinfo`;
  return `https://${consoleHost(region)}/nosql/?${query.toString()}#${route}`;
}
