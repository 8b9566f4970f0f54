import type { Job } from '../job';
import { type JobsCallSite, JobsScanIncompleteError } from './errors';
import type { JobsPage, JobsQuery, JobsScan, ScanWindow, SkippedRecord } from './jobs-client';

/** Fetches one page and says how many HTTP requests it took (retries included). */
export type FetchJobsPage = (
  query: JobsQuery,
) => Promise<{ readonly page: JobsPage; readonly requests: number }>;

/** Page size of a scan when the window does not say. */
export const DEFAULT_SCAN_PAGE_SIZE = 50;

/** Most pages any scan reads, whatever `total_count` says: 20,000 jobs at 50 a page. */
export const MAX_SCAN_PAGES = 400;

/**
 * Most pages one pass may read, fixed by the first page's `total_count`: room for the list to move
 * while we page, and never more than {@link MAX_SCAN_PAGES}, so a total that grows or lies cannot
 * make a scan endless.
 */
export function maxPagesPerPass(firstTotalCount: number, pageSize: number): number {
  return Math.min(Math.ceil(firstTotalCount / pageSize) * 2 + 5, MAX_SCAN_PAGES);
}

/**
 * Reads every job of a window through offset/limit pages, each job once (the latest copy wins).
 *
 * The list is newest first and moves while we page. A job landing at the head pushes the rest
 * to higher offsets: we only re-read some, and dedupe drops them. A job vanishing pulls the rest to
 * lower offsets, so the page that first shows a smaller `total_count` was read too far down:
 * the scan steps back by the shrink and reads again from there. If the pass still ends with fewer
 * unique jobs than the API counts (a job landed at the head behind us), a second pass runs; if
 * that is short too, the scan fails rather than report a partial window as complete. A record left
 * out because it does not fit the document still counts as read: it is reported in `skipped`.
 */
export async function scanAllPages(
  fetchPage: FetchJobsPage,
  window: ScanWindow,
  site: JobsCallSite,
): Promise<JobsScan> {
  const pageSize = window.pageSize ?? DEFAULT_SCAN_PAGE_SIZE;
  const seen = new Map<string, Job>();
  const skippedById = new Map<string, SkippedRecord>();
  let anonymous: SkippedRecord[] = [];
  let pages = 0;
  let requests = 0;

  const skippedIds = () => [...skippedById.keys()].filter((jobId) => !seen.has(jobId));
  const found = () => seen.size + skippedIds().length + anonymous.length;
  const incomplete = (expected: number, reason: string) =>
    new JobsScanIncompleteError({ ...site, found: found(), expected, pages, reason });

  let firstPage = window.firstPage;
  async function pass(): Promise<number> {
    let offset = 0;
    let previousTotal: number | undefined;
    let latestTotal = 0;
    let pagesThisPass = 0;
    let limit = MAX_SCAN_PAGES;
    // Records without a usable id cannot be told apart across pages: count the last pass's.
    anonymous = [];
    for (;;) {
      const query: JobsQuery = {
        start_time: window.start,
        end_time: window.end,
        ...(window.status === undefined ? {} : { status: window.status }),
        ...(window.name === undefined ? {} : { name: window.name }),
        offset,
        limit: pageSize,
      };
      // The caller's first page stands for offset 0 of the first pass only.
      const { page, requests: sent } = firstPage ? { page: firstPage, requests: 0 } : await fetchPage(query);
      firstPage = undefined;
      pages += 1;
      pagesThisPass += 1;
      requests += sent;
      for (const job of page.jobs) seen.set(job.id, job);
      for (const record of page.skipped) {
        if (record.jobId === null) anonymous.push(record);
        else skippedById.set(record.jobId, record);
      }

      latestTotal = page.total_count;
      if (pagesThisPass === 1) limit = maxPagesPerPass(latestTotal, pageSize);
      const delta = previousTotal === undefined ? 0 : latestTotal - previousTotal;
      previousTotal = latestTotal;
      if (delta < 0) {
        // Even an empty page: the jobs behind a vanished one moved up into what was already read.
        offset = Math.max(0, offset + delta);
      } else {
        const read = page.jobs.length + page.skipped.length;
        if (read === 0) break;
        offset += read;
      }
      if (offset >= latestTotal) break;
      if (pagesThisPass >= limit) throw incomplete(latestTotal, `stopped a pass at ${limit} pages`);
    }
    return latestTotal;
  }

  let expected = await pass();
  if (found() < expected) {
    expected = await pass();
    if (found() < expected) throw incomplete(expected, 'still short after a second pass');
  }
  const skipped = [...skippedIds().map((jobId) => skippedById.get(jobId) as SkippedRecord), ...anonymous];
  return { jobs: [...seen.values()], pages, requests, skipped };
}
