import {
  type AwsAnswer,
  type AwsErrorSpec,
  type AwsRequest,
  AwsStandInError,
  faultOf,
  type WireProtocol,
} from './server';

/**
 * The `awsJson1_0` / `awsJson1_1` protocols (SQS, Secrets Manager, EventBridge): a JSON POST body,
 * the operation in `x-amz-target: {targetPrefix}.{Operation}`, errors as `{"__type", "message"}`.
 */
export interface JsonProtocol extends WireProtocol {
  /** The request's JSON body as an object; a body that is not one is a `SerializationException`. */
  input(request: AwsRequest): Record<string, unknown>;
  /** A 200 answer with `output` as its JSON body. */
  result(output: unknown): AwsAnswer;
}

/** Options of {@link jsonProtocol}. */
export interface JsonProtocolOptions {
  readonly version: '1.0' | '1.1';
  /** `secretsmanager`, `AWSEvents`, `AmazonSQS`. */
  readonly targetPrefix: string;
  /**
   * For a service with `awsQueryCompatible` (SQS): the awsQuery code of an error code, sent in the
   * `x-amzn-query-error` header as `{code};{Sender|Receiver}`; the SDK names the error after it.
   */
  readonly queryErrorCodes?: Readonly<Record<string, string>>;
}

/** The JSON protocol of one service. */
export function jsonProtocol(options: JsonProtocolOptions): JsonProtocol {
  const contentType = `application/x-amz-json-${options.version}`;
  return {
    name: `awsJson${options.version.replace('.', '_')}`,
    operation(request) {
      const target = String(request.headers['x-amz-target'] ?? '');
      const prefix = `${options.targetPrefix}.`;
      return target.startsWith(prefix) ? target.slice(prefix.length) : undefined;
    },
    input(request) {
      let value: unknown;
      try {
        value = JSON.parse(request.body === '' ? '{}' : request.body);
      } catch {
        value = undefined;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new AwsStandInError({
          status: 400,
          code: 'SerializationException',
          message: 'Malformed JSON body',
        });
      }
      return value as Record<string, unknown>;
    },
    result(output) {
      return { status: 200, headers: { 'content-type': contentType }, body: JSON.stringify(output) };
    },
    error(spec: AwsErrorSpec) {
      const queryCode = options.queryErrorCodes?.[spec.code];
      return {
        status: spec.status,
        headers: {
          'content-type': contentType,
          ...(queryCode ? { 'x-amzn-query-error': `${queryCode};${faultOf(spec)}` } : {}),
        },
        body: JSON.stringify({ __type: spec.code, message: spec.message }),
      };
    },
  };
}

/** A string field of a JSON input, or a `ValidationException` naming it. */
export function stringField(input: Record<string, unknown>, name: string, required: true): string;
export function stringField(
  input: Record<string, unknown>,
  name: string,
  required?: false,
): string | undefined;
export function stringField(
  input: Record<string, unknown>,
  name: string,
  required = false,
): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) {
    if (!required) return undefined;
    throw new AwsStandInError({
      status: 400,
      code: 'ValidationException',
      message: `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`,
    });
  }
  if (typeof value !== 'string') {
    throw new AwsStandInError({
      status: 400,
      code: 'SerializationException',
      message: `${name} must be a string`,
    });
  }
  return value;
}
