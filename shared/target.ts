import { HUAWEI_CLOUD_REGIONS, isHuaweiCloudRegion } from './regions';

/**
 * One watched GeminiDB estate: a region and a project, optionally with an explicit endpoint.
 * Every stored item and every event is scoped to one target.
 */
export interface Target {
  readonly region: string;
  readonly projectId: string;
  /** Jobs API base URL; defaults to the public endpoint of the region (see {@link defaultEndpoint}). */
  readonly endpoint?: string;
}

/** Stable key of a target, used as the DynamoDB partition key and in event ids. */
export function targetKey(target: Pick<Target, 'region' | 'projectId'>): string {
  return `TARGET#${target.region}#${target.projectId}`;
}

/** CloudEvents `source` of every event about this target. */
export function eventSource(target: Pick<Target, 'region' | 'projectId'>): string {
  return `geminidb-job-watcher/${target.region}/${target.projectId}`;
}

/** The public GeminiDB endpoint of a region (`eu-west-101` lives on `.myhuaweicloud.eu`). */
export function defaultEndpoint(region: string): string {
  const domain = isHuaweiCloudRegion(region) ? HUAWEI_CLOUD_REGIONS[region] : 'myhuaweicloud.com';
  return `https://gaussdb-nosql.${region}.${domain}`;
}

/** The endpoint a target is polled on. */
export function targetEndpoint(target: Target): string {
  return target.endpoint ?? defaultEndpoint(target.region);
}
