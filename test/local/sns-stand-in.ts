import { startHttpServer, type TestHttpServer } from '../support/http-server';

/** One `Publish` call the stand-in received. */
export interface StandInPublish {
  /** The SigV4 `Authorization` header: its credential scope names the region the client signed for. */
  readonly authorization: string;
  readonly topicArn: string;
}

/** A local SNS stand-in, reached through `AWS_ENDPOINT_URL_SNS`. */
export interface SnsStandIn {
  readonly url: string;
  readonly publishes: StandInPublish[];
  close(): Promise<void>;
}

/**
 * Starts an SNS stand-in that answers `Publish` (AWS query protocol) with a message id, or with
 * `AuthorizationError` (HTTP 403, not retried by the SDK) when `refuse` is true.
 */
export async function startSnsStandIn(options: { readonly refuse?: boolean } = {}): Promise<SnsStandIn> {
  const publishes: StandInPublish[] = [];
  const server: TestHttpServer = await startHttpServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += String(chunk);
    const params = new URLSearchParams(body);
    publishes.push({
      authorization: String(request.headers.authorization ?? ''),
      topicArn: params.get('TopicArn') ?? '',
    });
    const xmlns = 'http://sns.amazonaws.com/doc/2010-03-31/';
    response.writeHead(options.refuse ? 403 : 200, { 'content-type': 'text/xml' });
    response.end(
      options.refuse
        ? `<ErrorResponse xmlns="${xmlns}"><Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>not allowed</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`
        : `<PublishResponse xmlns="${xmlns}"><PublishResult><MessageId>m-${publishes.length}</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>`,
    );
  });
  return { url: server.url, publishes, close: () => server.close() };
}

/** The environment that points the AWS SDK's SNS client at a stand-in, with dummy credentials. */
export function standInEnv(standIn: SnsStandIn): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_SNS: standIn.url,
    AWS_ACCESS_KEY_ID: 'AKIDSTANDIN',
    AWS_SECRET_ACCESS_KEY: 'stand-in-secret',
  };
}
