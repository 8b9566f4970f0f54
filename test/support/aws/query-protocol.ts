import { randomUUID } from 'node:crypto';
import {
  type AwsAnswer,
  type AwsErrorSpec,
  type AwsRequest,
  AwsStandInError,
  faultOf,
  type WireProtocol,
} from './server';

/**
 * The `awsQuery` protocol (SNS): a form-encoded POST body with `Action` and `Version`, answered
 * with `<{Action}Response><{Action}Result>...` XML, errors as `<ErrorResponse><Error>`.
 */
export interface QueryProtocol extends WireProtocol {
  /** The request's form parameters. */
  params(request: AwsRequest): URLSearchParams;
  /** A 200 answer whose `<{operation}Result>` holds `resultXml` (already escaped). */
  result(operation: string, resultXml: string): AwsAnswer;
}

/** The awsQuery protocol of one service, e.g. `http://sns.amazonaws.com/doc/2010-03-31/`. */
export function queryProtocol(options: {
  readonly xmlNamespace: string;
  readonly version: string;
}): QueryProtocol {
  const xml = (body: string): AwsAnswer => ({
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body,
  });
  const params = (request: AwsRequest) => new URLSearchParams(request.body);
  return {
    name: 'awsQuery',
    params,
    operation(request) {
      const form = params(request);
      if (form.get('Version') !== options.version) return undefined;
      return form.get('Action') ?? undefined;
    },
    result(operation, resultXml) {
      return xml(
        `<${operation}Response xmlns="${options.xmlNamespace}"><${operation}Result>${resultXml}</${operation}Result>` +
          `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${operation}Response>`,
      );
    },
    error(spec: AwsErrorSpec) {
      return {
        ...xml(
          `<ErrorResponse xmlns="${options.xmlNamespace}"><Error><Type>${faultOf(spec)}</Type>` +
            `<Code>${escapeXml(spec.code)}</Code><Message>${escapeXml(spec.message)}</Message></Error>` +
            `<RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
        ),
        status: spec.status,
      };
    },
  };
}

/** Escapes text for an XML element. */
export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/** One awsQuery map entry value: `{prefix}.entry.N.Value.DataType` and its string or binary value. */
export interface QueryAttributeValue {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: Buffer;
}

/**
 * Decodes an awsQuery map of message attributes at `prefix` (`MessageAttributes`, or
 * `PublishBatchRequestEntries.member.1.MessageAttributes`): `{prefix}.entry.N.Name` and
 * `{prefix}.entry.N.Value.{DataType,StringValue,BinaryValue}`, N from 1.
 */
export function queryAttributes(form: URLSearchParams, prefix: string): Record<string, QueryAttributeValue> {
  const attributes: Record<string, QueryAttributeValue> = {};
  for (let index = 1; form.has(`${prefix}.entry.${index}.Name`); index++) {
    const at = `${prefix}.entry.${index}`;
    const name = form.get(`${at}.Name`) as string;
    const dataType = form.get(`${at}.Value.DataType`);
    if (dataType === null) {
      throw new AwsStandInError({
        status: 400,
        code: 'InvalidParameterValue',
        message: `The message attribute '${name}' must contain non-empty message attribute type.`,
      });
    }
    const stringValue = form.get(`${at}.Value.StringValue`);
    const binaryValue = form.get(`${at}.Value.BinaryValue`);
    attributes[name] = {
      DataType: dataType,
      ...(stringValue === null ? {} : { StringValue: stringValue }),
      ...(binaryValue === null ? {} : { BinaryValue: Buffer.from(binaryValue, 'base64') }),
    };
  }
  return attributes;
}

/** The optional string parameter `name`, absent rather than empty. */
export function optionalParam(form: URLSearchParams, name: string): string | undefined {
  return form.get(name) ?? undefined;
}
