import { editDistance } from './did-you-mean';

/**
 * The public Huawei Cloud regions that have a GeminiDB (GaussDB NoSQL) endpoint, each with the domain
 * of its public endpoint `https://gaussdb-nosql.<region>.<domain>`.
 *
 * Source: the GaussDBforNoSQL region tables of Huawei Cloud's own SDKs, which list the service's
 * region IDs with their endpoints: `huaweicloudsdkgaussdbfornosql/v3/region/gaussdbfornosql_region.py`
 * in huaweicloud/huaweicloud-sdk-python-v3 (27 regions) and
 * `services/gaussdbfornosql/v3/GaussDBforNoSQLRegion.ts` in huaweicloud/huaweicloud-sdk-nodejs-v3
 * (the same less `ru-moscow-1`). `na-mexico-1`, only in an older release of the Go SDK, is left out:
 * the current tables have `la-north-2` (LA-Mexico City2) instead.
 *
 * A region missing here (a new one, or a dedicated cloud) still works: give the target its
 * `endpoint`.
 */
export const HUAWEI_CLOUD_REGIONS = {
  'af-south-1': 'myhuaweicloud.com',
  'ap-southeast-1': 'myhuaweicloud.com',
  'ap-southeast-2': 'myhuaweicloud.com',
  'ap-southeast-3': 'myhuaweicloud.com',
  'ap-southeast-4': 'myhuaweicloud.com',
  'ap-southeast-5': 'myhuaweicloud.com',
  'cn-east-2': 'myhuaweicloud.com',
  'cn-east-3': 'myhuaweicloud.com',
  'cn-east-4': 'myhuaweicloud.com',
  'cn-north-1': 'myhuaweicloud.com',
  'cn-north-2': 'myhuaweicloud.com',
  'cn-north-4': 'myhuaweicloud.com',
  'cn-north-9': 'myhuaweicloud.com',
  'cn-north-11': 'myhuaweicloud.com',
  'cn-south-1': 'myhuaweicloud.com',
  'cn-south-2': 'myhuaweicloud.com',
  'cn-south-4': 'myhuaweicloud.com',
  'cn-southwest-2': 'myhuaweicloud.com',
  'cn-southwest-3': 'myhuaweicloud.com',
  'eu-west-101': 'myhuaweicloud.eu',
  'la-north-2': 'myhuaweicloud.com',
  'la-south-2': 'myhuaweicloud.com',
  'me-east-1': 'myhuaweicloud.com',
  'ru-moscow-1': 'myhuaweicloud.com',
  'ru-northwest-2': 'myhuaweicloud.com',
  'sa-brazil-1': 'myhuaweicloud.com',
  'tr-west-1': 'myhuaweicloud.com',
} as const;
export type HuaweiCloudRegion = keyof typeof HUAWEI_CLOUD_REGIONS;

/** Whether `region` is one of {@link HUAWEI_CLOUD_REGIONS}. */
export function isHuaweiCloudRegion(region: string): region is HuaweiCloudRegion {
  return Object.hasOwn(HUAWEI_CLOUD_REGIONS, region);
}

/**
 * The known regions closest to a mistyped one (fewest single-character edits, then alphabetical),
 * for the hint of an error: `ap-southest` -> `ap-southeast-1, ap-southeast-2, ap-southeast-3`.
 */
export function nearestRegions(region: string, count = 3): HuaweiCloudRegion[] {
  return (Object.keys(HUAWEI_CLOUD_REGIONS) as HuaweiCloudRegion[])
    .map((known) => ({ known, distance: editDistance(region, known) }))
    .sort((a, b) => a.distance - b.distance || a.known.localeCompare(b.known))
    .slice(0, count)
    .map(({ known }) => known);
}
