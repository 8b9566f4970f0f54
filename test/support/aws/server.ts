import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A signed request a stand-in took, with what its SigV4 credential scope says. */
export interface AwsRequest {
  readonly method: string;
  /** Path and query as sent. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** From `Credential=AKID/20260101/ap-southeast-1/sns/aws4_request`. */
  readonly accessKeyId: string;
  readonly region: string;
}

/** An HTTP answer. */
export interface AwsAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** An AWS error as every protocol carries it: HTTP status, code, message, and who is at fault. */
export interface AwsErrorSpec {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** `Sender` (the caller's fault) or `Receiver` (the service's); default from the status. */
  readonly fault?: 'Sender' | 'Receiver';
}

/** Thrown by an operation handler: the stand-in answers with this error in the service's protocol. */
export class AwsStandInError extends Error {
  override readonly name = 'AwsStandInError';
  readonly spec: AwsErrorSpec;

  constructor(spec: AwsErrorSpec) {
    super(`${spec.code}: ${spec.message}`);
    this.spec = spec;
  }
}

/** How the stand-in reads an operation name and renders an error: one per AWS wire protocol. */
export interface WireProtocol {
  /** The Smithy protocol name: `awsQuery`, `awsJson1_0`, `awsJson1_1`. */
  readonly name: string;
  /** The operation a request calls, or undefined when the request does not name one. */
  operation(request: AwsRequest): string | undefined;
  error(spec: AwsErrorSpec): AwsAnswer;
}

/** Failures a test can ask for: an HTTP 500 `InternalFailure`, or the service's own throttling error. */
export const InjectedFailure = {
  Server: 'server',
  Throttle: 'throttle',
} as const;
export type InjectedFailure = (typeof InjectedFailure)[keyof typeof InjectedFailure];

/** One request as the stand-in saw it, with how it answered. */
export interface StandInCall {
  /** Undefined when the request was refused before it named an operation (unsigned, or none named). */
  readonly operation: string | undefined;
  readonly status: number;
  /** The error code answered, if any. */
  readonly errorCode?: string;
  /** Set when the answer was a failure injected by {@link StandIn.failNext}. */
  readonly injected?: InjectedFailure;
  /** False for a request without a SigV4 `authorization` header; such requests are refused. */
  readonly signed: boolean;
  /** From the credential scope of a signed request. */
  readonly region?: string;
  readonly accessKeyId?: string;
}

/** What every stand-in offers besides its service's own records. */
export interface StandIn {
  /** `http://127.0.0.1:<port>`: the value of the service's `AWS_ENDPOINT_URL_<SERVICE>`. */
  readonly url: string;
  /** The environment that points SDK clients created with `new XClient({})` at this stand-in. */
  readonly endpointEnv: Readonly<Record<string, string>>;
  /** Every request, refused and injected ones included, in order (retries show up here). */
  readonly calls: readonly StandInCall[];
  /** The next `count` signed requests fail (`server`: HTTP 500; `throttle`: the service's throttling error). */
  failNext(count?: number, failure?: InjectedFailure): void;
  close(): Promise<void>;
}

/** What a service module gives the shared server. */
export interface StandInSpec {
  /** SigV4 signing name the credential scope must carry: `sns`, `secretsmanager`, `events`, `sqs`. */
  readonly signingName: string;
  /** The `AWS_ENDPOINT_URL_<SERVICE>` variable of the service (from its Smithy `serviceId`). */
  readonly endpointVariable: string;
  readonly protocol: WireProtocol;
  /** The service's throttling error (for `failNext(n, 'throttle')`). */
  readonly throttle: AwsErrorSpec;
  /** Answers one operation; throws {@link AwsStandInError} for an AWS error. */
  readonly handle: (operation: string, request: AwsRequest) => AwsAnswer | Promise<AwsAnswer>;
}

const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=[a-z0-9;-]+, ?Signature=[0-9a-f]{64}$/;

const INTERNAL_FAILURE: AwsErrorSpec = {
  status: 500,
  code: 'InternalFailure',
  message: 'The request processing has failed because of an unknown error, exception or failure.',
  fault: 'Receiver',
};

/**
 * Starts a stand-in on 127.0.0.1 and a free port. Every request must carry a SigV4 `authorization`
 * header scoped to the service (the signature itself is not verified: the credentials are dummies)
 * and an `x-amz-date`; then it gets an injected failure if one is queued, else the service's answer.
 */
export async function startStandIn(spec: StandInSpec): Promise<StandIn> {
  const calls: StandInCall[] = [];
  const failures: InjectedFailure[] = [];
  const server = createServer((incoming, response) => {
    void answer(incoming).then(
      ({ answer: reply, call }) => {
        calls.push(call);
        response.writeHead(reply.status, { 'x-amzn-requestid': randomUUID(), ...reply.headers });
        response.end(reply.body);
      },
      (error: unknown) => {
        calls.push({ operation: undefined, status: 500, signed: false });
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(`stand-in failed: ${String(error)}`);
      },
    );
  });

  async function answer(incoming: IncomingMessage): Promise<{ answer: AwsAnswer; call: StandInCall }> {
    const body = await readBody(incoming);
    const scope = SIGV4.exec(String(incoming.headers.authorization ?? ''));
    if (scope === null || incoming.headers['x-amz-date'] === undefined) {
      return refuse({
        status: 403,
        code: 'MissingAuthenticationToken',
        message: 'Missing Authentication Token',
      });
    }
    const [, accessKeyId = '', , region = '', service] = scope;
    if (service !== spec.signingName) {
      const error = {
        status: 403,
        code: 'SignatureDoesNotMatch',
        message: `Credential should be scoped to correct service: '${spec.signingName}'.`,
      };
      return {
        answer: spec.protocol.error(error),
        call: { operation: undefined, status: 403, errorCode: error.code, signed: true, region, accessKeyId },
      };
    }
    const request: AwsRequest = {
      method: incoming.method ?? '',
      path: incoming.url ?? '',
      headers: incoming.headers,
      body,
      accessKeyId,
      region,
    };
    const operation = spec.protocol.operation(request);
    const signed = { signed: true, region, accessKeyId } as const;
    const injected = failures.shift();
    if (injected !== undefined) {
      const error = injected === InjectedFailure.Server ? INTERNAL_FAILURE : spec.throttle;
      return {
        answer: spec.protocol.error(error),
        call: { operation, status: error.status, errorCode: error.code, injected, ...signed },
      };
    }
    if (operation === undefined) {
      const error = { status: 400, code: 'UnknownOperationException', message: 'No operation named' };
      return {
        answer: spec.protocol.error(error),
        call: { operation, status: 400, errorCode: error.code, ...signed },
      };
    }
    try {
      const reply = await spec.handle(operation, request);
      return { answer: reply, call: { operation, status: reply.status, ...signed } };
    } catch (error) {
      if (!(error instanceof AwsStandInError)) throw error;
      return {
        answer: spec.protocol.error(error.spec),
        call: { operation, status: error.spec.status, errorCode: error.spec.code, ...signed },
      };
    }
  }

  function refuse(error: AwsErrorSpec): { answer: AwsAnswer; call: StandInCall } {
    return {
      answer: spec.protocol.error(error),
      call: { operation: undefined, status: error.status, errorCode: error.code, signed: false },
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    endpointEnv: { [spec.endpointVariable]: url },
    calls,
    failNext(count = 1, failure = InjectedFailure.Server) {
      for (let index = 0; index < count; index++) failures.push(failure);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** `Sender` for 4xx, `Receiver` for 5xx, unless the error says. */
export function faultOf(spec: AwsErrorSpec): 'Sender' | 'Receiver' {
  return spec.fault ?? (spec.status >= 500 ? 'Receiver' : 'Sender');
}

/** A 12-digit account id the stand-ins put into the ARNs and URLs they make up. */
export const STAND_IN_ACCOUNT_ID = '123456789012';
