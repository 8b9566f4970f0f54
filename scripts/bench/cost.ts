import { ASSUMPTIONS, PRICES } from './prices';
import type { Design, Invocation, SimulationResult } from './simulate';
import { round } from './stats';

/** One target's month under one design, as billed. */
export interface MonthlyCost {
  readonly invocations: number;
  readonly gbSeconds: number;
  readonly sqsRequests: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  /** Not billed by Huawei; counted for throttling (`APIG.0308`). */
  readonly apiRequests: number;
  readonly usd: {
    readonly lambda: number;
    readonly sqs: number;
    readonly dynamodb: number;
    readonly total: number;
  };
}

/**
 * Billed ms of one invocation at `memoryMb`: its I/O wait as measured, its CPU time stretched to the
 * vCPU share Lambda gives that memory (a full one at 1,769 MB), one API round trip per request the
 * simulator answered at once, rounded up to the millisecond as Lambda bills.
 */
export function billedMs(invocation: Invocation, memoryMb: number): number {
  const cpuScale = Math.max(1, ASSUMPTIONS.fullVcpuMemoryMb / memoryMb);
  const ioMs = Math.max(0, invocation.wallMs - invocation.cpuMs);
  return Math.max(
    1,
    Math.ceil(ioMs + invocation.cpuMs * cpuScale + invocation.apiRequestsToAdd * ASSUMPTIONS.apiRoundTripMs),
  );
}

/**
 * The invocations that started within `[0, windowMs)` of the first job slot (the baseline tick and
 * the quiet tail left out), scaled to a month and priced (prices.ts), for one target.
 */
export function monthlyCost(result: SimulationResult, memoryMb: number, windowMs: number): MonthlyCost {
  const calls = result.invocations.filter((call) => call.atMs >= 0 && call.atMs < windowMs);
  const scale = (ASSUMPTIONS.monthSeconds * 1000) / windowMs;
  const total = (pick: (call: Invocation) => number) => calls.reduce((sum, call) => sum + pick(call), 0);
  const invocations = calls.length * scale;
  const gbSeconds = (total((call) => billedMs(call, memoryMb)) / 1000) * (memoryMb / 1024) * scale;
  const sqsRequests = total((call) => call.sqsRequests) * scale;
  const readUnits = total((call) => call.readUnits) * scale;
  const writeUnits = total((call) => call.writeUnits) * scale;
  const apiRequests = total((call) => call.apiRequests) * scale;
  const lambda = invocations * PRICES.lambdaUsdPerRequest + gbSeconds * PRICES.lambdaArmUsdPerGbSecond;
  const sqs = sqsRequests * PRICES.sqsUsdPerRequest;
  const dynamodb = readUnits * PRICES.ddbUsdPerReadUnit + writeUnits * PRICES.ddbUsdPerWriteUnit;
  return {
    invocations: Math.round(invocations),
    gbSeconds: round(gbSeconds),
    sqsRequests: Math.round(sqsRequests),
    readUnits: Math.round(readUnits),
    writeUnits: Math.round(writeUnits),
    apiRequests: Math.round(apiRequests),
    usd: { lambda, sqs, dynamodb, total: lambda + sqs + dynamodb },
  };
}

/** One row of the bench's `cost` document. */
export interface CostRow {
  readonly design: Design;
  /** Share of the time the target has a job running (0.1, 0.5, 1). */
  readonly running_share: number;
  /** Lambda, SQS and DynamoDB only, for one target (the figure of earlier benches). */
  readonly usd_per_target_month: number;
  /** Everything the account pays for one target but the fixed cost (all-in.ts). */
  readonly all_in_usd_per_target_month: number;
  /** What the deployment pays every month whatever it polls (all-in.ts `fixedCost`). */
  readonly fixed_usd_per_month: number;
  readonly latency_median_s: number;
  readonly latency_p90_s: number;
  /** The month's figures behind the price. */
  readonly lambda_invocations: number;
  readonly lambda_gb_seconds: number;
  readonly sqs_requests: number;
  readonly ddb_read_units: number;
  readonly ddb_write_units: number;
  readonly api_requests: number;
  readonly usd_lambda: number;
  readonly usd_sqs: number;
  readonly usd_dynamodb: number;
  readonly memory_mb: number;
  readonly transitions: number;
}
