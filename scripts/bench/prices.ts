/**
 * Every price and assumption the bench's cost model uses, in one place.
 *
 * Prices: AWS list prices for us-east-1, on-demand, without free tiers, as published on the
 * pricing pages of AWS Lambda (aws.amazon.com/lambda/pricing), Amazon SQS
 * (aws.amazon.com/sqs/pricing) and Amazon DynamoDB (aws.amazon.com/dynamodb/pricing/on-demand).
 */
export const PRICES = {
  /** Lambda on arm64 (Graviton), per GB-second of billed duration. */
  lambdaArmUsdPerGbSecond: 0.0000133334,
  /** Lambda, per request (invocation). */
  lambdaUsdPerRequest: 0.2 / 1_000_000,
  /** SQS standard queue, per request (each 64 KB chunk of a payload is one; ours are far smaller). */
  sqsUsdPerRequest: 0.4 / 1_000_000,
  /** DynamoDB on demand, per read request unit. */
  ddbUsdPerReadUnit: 0.125 / 1_000_000,
  /** DynamoDB on demand, per write request unit. */
  ddbUsdPerWriteUnit: 0.625 / 1_000_000,
} as const;

/** What the model assumes where the simulator cannot tell. */
export const ASSUMPTIONS = {
  /**
   * Round trip of one jobs API request from an AWS region to Huawei Cloud: the simulator answers at
   * once, so each API request adds this to an invocation's billed duration.
   */
  apiRoundTripMs: 200,
  /** Lambda gives a function one full vCPU at 1,769 MB, and a share in proportion below that. */
  fullVcpuMemoryMb: 1769,
  /**
   * SQS requests per follow-up delivered besides its `SendMessage`: the event source mapping's
   * `ReceiveMessage` that returns it and its `DeleteMessageBatch` (one target per batch).
   */
  sqsRequestsPerDelivery: 2,
  /** A month, as the model counts it. */
  monthSeconds: 30 * 86_400,
} as const;
