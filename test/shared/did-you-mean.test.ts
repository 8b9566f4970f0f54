import { describe, expect, it } from 'vitest';
import { editDistance, nearestName } from '../../shared/did-you-mean';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['ap-southest', 'ap-southeast-1', 3],
    ['kitten', 'sitting', 3],
  ])('counts the single-character edits from "%s" to "%s"', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
  });
});

describe('nearestName', () => {
  const configKeys = ['targets', 'pollRateMinutes', 'emails', 'webhooks', 'queue', 'relay', 'alarmEmails'];

  it.each([
    ['project', ['region', 'project-id', 'target'], 'project-id'],
    ['regoin', ['region', 'project-id', 'target'], 'region'],
    ['slackWebhookUrl', configKeys, 'webhooks'],
    ['pollRateMinute', configKeys, 'pollRateMinutes'],
    ['Emails', configKeys, 'emails'],
    ['alarmEmail', configKeys, 'alarmEmails'],
  ])('takes "%s" for the nearest of its known names', (word, known, expected) => {
    expect(nearestName(word, known)).toBe(expected);
  });

  it('suggests nothing when no known name is close', () => {
    expect(nearestName('url', ['name', 'kind', 'filter', 'timeoutMs', 'maxAttempts'])).toBeUndefined();
    expect(nearestName('zzz', configKeys)).toBeUndefined();
  });
});
