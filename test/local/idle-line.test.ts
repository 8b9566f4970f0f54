import { describe, expect, it } from 'vitest';
import { idleLine } from '../../local/idle-line';
import type { CycleReport } from '../../shared/cycle/cycle';

const PROJECT = '0549b4a43100d4f32f51c01c2fe4acdb';

describe('idleLine', () => {
  it.each([
    [PROJECT, 1, '12:00:01 ap-southeast-1/0549b4a4…: idle, 37 jobs in window, 1 API request, 40 ms'],
    ['proj-1', 2, '12:00:01 ap-southeast-1/proj-1: idle, 37 jobs in window, 2 API requests, 40 ms'],
  ])('says the time, the target, the window and the cost for project %s', (projectId, apiRequests, line) => {
    const cycle = {
      target: { region: 'ap-southeast-1', projectId },
      outcome: 'idle',
      fetchedJobs: 37,
      apiRequests,
      durationMs: 40,
    } as CycleReport;
    expect(idleLine(cycle, new Date('2026-12-02T12:00:01.500Z'))).toBe(line);
  });
});
