import { describe, expect, it } from 'vitest';
import { consoleHost, instanceConsoleUrl } from '../../../shared/relay/console-link';

describe('consoleHost', () => {
  it.each([
    ['ap-southeast-1', 'console-intl.huaweicloud.com'],
    ['af-south-1', 'console-intl.huaweicloud.com'],
    ['eu-west-101', 'console.eu.huaweicloud.com'],
    ['cn-north-4', 'console.huaweicloud.com'],
  ])('serves %s from %s', (region, host) => {
    expect(consoleHost(region)).toBe(host);
  });
});

describe('instanceConsoleUrl', () => {
  it('links to the instance in the GeminiDB console of its region', () => {
    expect(instanceConsoleUrl('ap-southeast-1', '27a045b6bf9e46f691f81366d398cb04in06')).toBe(
      'https://console-intl.huaweicloud.com/nosql/?region=ap-southeast-1&locale=en-us#/nosql/management/instance/27a045b6bf9e46f691f81366d398cb04in06/basicinfo',
    );
  });

  it('leaves the locale to the Chinese mainland site', () => {
    expect(instanceConsoleUrl('cn-north-4', 'i1')).toBe(
      'https://console.huaweicloud.com/nosql/?region=cn-north-4#/nosql/management/instance/i1/basicinfo',
    );
  });

  it('falls back to the instance list when the id is unknown', () => {
    expect(instanceConsoleUrl('eu-west-101', '')).toBe(
      'https://console.eu.huaweicloud.com/nosql/?region=eu-west-101&locale=en-us#/nosql/management/list',
    );
  });

  it('encodes an id or region that would break the link', () => {
    const url = new URL(instanceConsoleUrl('ap south&1', 'a/b#c'));
    expect(url.searchParams.get('region')).toBe('ap south&1');
    expect(url.hash).toBe('#/nosql/management/instance/a%2Fb%23c/basicinfo');
  });
});
