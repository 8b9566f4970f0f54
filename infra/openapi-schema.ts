import { readFileSync } from 'node:fs';
import { EVENT_SCHEMA_VERSION } from '../shared/job-event';
import { EVENTBRIDGE_SOURCE } from '../shared/publish/event-bus';

/**
 * The event schema as the EventBridge schema registry takes it. The registry accepts `OpenApi3`
 * and `JSONSchemaDraft4` documents; our contract (`shared/schema/job-event.schema.json`) is JSON
 * Schema draft 2020-12, so it is converted here into an OpenAPI 3.0 document shaped like the
 * registry's discovered schemas: an `AWSEvent` envelope whose `detail` is the CloudEvent. That is
 * what an EventBridge rule target receives, and what the registry's code bindings model.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The contract, read from the repository (infra runs from a checkout, never from a bundle). */
export const JOB_EVENT_SCHEMA_FILE = new URL('../shared/schema/job-event.schema.json', import.meta.url);

/** Name of the CloudEvent component; `$defs` entries become `JobEvent<Name>` (`JobEventData`, ...). */
export const DETAIL_COMPONENT = 'JobEvent';

/** The draft 2020-12 contract cannot be said in OpenAPI 3.0 at this path. */
export class SchemaConversionError extends Error {
  override readonly name = 'SchemaConversionError';
}

/** Keywords an OpenAPI 3.0 Schema Object has with the same meaning as in JSON Schema. */
const SAME_KEYWORDS: ReadonlySet<string> = new Set([
  'title',
  'description',
  'format',
  'pattern',
  'enum',
  'required',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'default',
]);

/** Keywords that describe the document, not the value: left out. */
const DOCUMENT_KEYWORDS: ReadonlySet<string> = new Set(['$schema', '$id', '$defs', '$comment']);

/** Keywords holding one subschema, a map of them or a list of them. */
const ONE_SCHEMA: ReadonlySet<string> = new Set(['items', 'not', 'additionalProperties']);
const SCHEMA_MAP: ReadonlySet<string> = new Set(['properties']);
const SCHEMA_LIST: ReadonlySet<string> = new Set(['allOf', 'anyOf', 'oneOf']);

/** `data` -> `JobEventData`. */
function componentName(defName: string): string {
  return `${DETAIL_COMPONENT}${defName.charAt(0).toUpperCase()}${defName.slice(1)}`;
}

/**
 * Converts one draft 2020-12 schema to an OpenAPI 3.0 Schema Object: `const` becomes a one-value
 * `enum`, a `["T", "null"]` type becomes `type: T, nullable: true`, `$ref: #/$defs/x` points into
 * `components/schemas`, `examples` becomes `example`, and `if`/`then` conditions (which OpenAPI 3.0
 * lacks; they only narrow `status` per type) are left out. Any other keyword throws, so a change of
 * the contract that OpenAPI cannot say fails the tests and the synth instead of the deploy.
 */
export function toOpenApiSchema(schema: Json, path = '#'): JsonObject {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new SchemaConversionError(`${path}: is not a schema object`);
  }
  const out: JsonObject = {};
  for (const [keyword, value] of Object.entries(schema)) {
    const at = `${path}/${keyword}`;
    if (DOCUMENT_KEYWORDS.has(keyword)) continue;
    if (SAME_KEYWORDS.has(keyword)) out[keyword] = value;
    else if (keyword === 'type') Object.assign(out, convertType(value, at));
    else if (keyword === 'const') {
      out.enum = [value];
      if (schema.type === undefined) out.type = jsonType(value, at);
    } else if (keyword === '$ref') out.$ref = convertRef(value, at);
    else if (keyword === 'examples') {
      if (Array.isArray(value) && value.length > 0) out.example = value[0] as Json;
    } else if (ONE_SCHEMA.has(keyword)) {
      out[keyword] = typeof value === 'boolean' ? value : toOpenApiSchema(value, at);
    } else if (SCHEMA_MAP.has(keyword)) {
      out[keyword] = Object.fromEntries(
        Object.entries(asObject(value, at)).map(([name, sub]) => [
          name,
          toOpenApiSchema(sub, `${at}/${name}`),
        ]),
      );
    } else if (SCHEMA_LIST.has(keyword)) {
      const kept = asArray(value, at)
        .filter((sub) => !isCondition(sub))
        .map((sub, index) => toOpenApiSchema(sub, `${at}/${index}`));
      if (kept.length > 0) out[keyword] = kept;
    } else {
      throw new SchemaConversionError(`${at}: OpenAPI 3.0 has no "${keyword}"; convert it by hand here`);
    }
  }
  return out;
}

/**
 * The registry document of one detail type: `AWSEvent` (the EventBridge envelope, as in the
 * registry's discovered schemas) with `detail` the CloudEvent, plus the contract's `$defs`.
 */
export function eventBridgeSchemaDocument(jobEventSchema: JsonObject, detailType: string): JsonObject {
  const defs = asObject(jobEventSchema.$defs ?? {}, '#/$defs');
  const string = { type: 'string' };
  return {
    openapi: '3.0.0',
    info: { version: EVENT_SCHEMA_VERSION, title: detailType },
    paths: {},
    components: {
      schemas: {
        AWSEvent: {
          type: 'object',
          required: [
            'detail-type',
            'resources',
            'detail',
            'id',
            'source',
            'time',
            'region',
            'version',
            'account',
          ],
          'x-amazon-events-detail-type': detailType,
          'x-amazon-events-source': EVENTBRIDGE_SOURCE,
          properties: {
            detail: { $ref: `#/components/schemas/${DETAIL_COMPONENT}` },
            account: string,
            'detail-type': string,
            id: string,
            region: string,
            resources: { type: 'array', items: string },
            source: string,
            time: { type: 'string', format: 'date-time' },
            version: string,
          },
        },
        [DETAIL_COMPONENT]: toOpenApiSchema(jobEventSchema),
        ...Object.fromEntries(
          Object.entries(defs).map(([name, sub]) => [
            componentName(name),
            toOpenApiSchema(sub, `#/$defs/${name}`),
          ]),
        ),
      },
    },
  };
}

/** The contract as parsed JSON. */
export function readJobEventSchema(file: URL = JOB_EVENT_SCHEMA_FILE): JsonObject {
  return asObject(JSON.parse(readFileSync(file, 'utf8')) as Json, '#');
}

/** The detail types (CloudEvent types) the contract lists. */
export function detailTypes(jobEventSchema: JsonObject): string[] {
  const properties = asObject(jobEventSchema.properties ?? {}, '#/properties');
  const type = asObject(properties.type ?? {}, '#/properties/type');
  return asArray(type.enum ?? [], '#/properties/type/enum').map((value) => String(value));
}

function convertType(value: Json, at: string): JsonObject {
  if (typeof value === 'string') return { type: value };
  const types = asArray(value, at);
  const nonNull = types.filter((type) => type !== 'null');
  if (nonNull.length !== 1) {
    throw new SchemaConversionError(
      `${at}: OpenAPI 3.0 takes one type (plus nullable), got ${JSON.stringify(value)}`,
    );
  }
  return { type: nonNull[0] as Json, ...(nonNull.length < types.length ? { nullable: true } : {}) };
}

function convertRef(value: Json, at: string): string {
  const match = typeof value === 'string' ? /^#\/\$defs\/([A-Za-z0-9_]+)$/.exec(value) : null;
  if (!match?.[1]) throw new SchemaConversionError(`${at}: only #/$defs/<name> references convert`);
  return `#/components/schemas/${componentName(match[1])}`;
}

function jsonType(value: Json, at: string): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  throw new SchemaConversionError(`${at}: a const that is not a string, number or boolean`);
}

/** A subschema that is only an `if`/`then`/`else` condition. */
function isCondition(schema: Json): boolean {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return false;
  const keys = Object.keys(schema);
  return keys.length > 0 && keys.every((key) => key === 'if' || key === 'then' || key === 'else');
}

function asObject(value: Json, at: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SchemaConversionError(`${at}: is not an object`);
  }
  return value;
}

function asArray(value: Json, at: string): Json[] {
  if (!Array.isArray(value)) throw new SchemaConversionError(`${at}: is not an array`);
  return value;
}
