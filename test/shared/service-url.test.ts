import { describe, expect, it } from 'vitest';
import { serviceUrlProblem } from '../../shared/service-url';

describe('finding 4: serviceUrlProblem', () => {
  it.each([
    'https://gaussdb-nosql.ap-southeast-1.myhuaweicloud.com',
    'https://iam.eu-west-101.myhuaweicloud.eu/v3',
    'http://127.0.0.1:8080',
    'http://localhost:4010/',
    'http://[::1]:9',
  ])('accepts %s', (value) => {
    expect(serviceUrlProblem(value)).toBeUndefined();
  });

  it.each([
    ['http://gaussdb-nosql.ap-southeast-1.myhuaweicloud.com', /must be an https:\/\/ URL \(plain http/],
    ['http://10.0.0.5', /must be an https:\/\/ URL/],
    ['ftp://example.test', /must be an https:\/\/ URL/],
    ['https://user:pw@example.test', /must not carry user info/],
    ['https://example.test/?token=abc', /must not carry a query string/],
    ['https://example.test/?', /must not carry a query string/],
    ['https://example.test/#frag', /must not carry a fragment/],
    ['not a url', /is not a URL/],
  ])('refuses %s', (value, problem) => {
    expect(serviceUrlProblem(value)).toMatch(problem);
  });

  it('never repeats user info in its answer', () => {
    expect(serviceUrlProblem('https://user:hunter2-password@example.test')).not.toContain('hunter2');
  });
});
