import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import {
  DETAIL_COMPONENT,
  detailTypes,
  eventBridgeSchemaDocument,
  readJobEventSchema,
  SchemaConversionError,
  toOpenApiSchema,
} from '../../infra/openapi-schema';
import type { JobEvent } from '../../shared/job-event';
import { putEventsEntry } from '../../shared/publish/eventbridge';
import { sampleEvent } from '../shared/publish/fixtures';

const contract = readJobEventSchema();
const TYPES = detailTypes(contract);
/** One validator for the file: building one compiles the OpenAPI meta-schemas (about a second). */
const openApiValidator = new Validator();

/**
 * The event a rule target receives for an entry, in the structure the EventBridge user guide gives
 * ("Amazon EventBridge events": version, id, detail-type, source, account, time, region, resources,
 * detail).
 */
function eventBridgeEvent(event: JobEvent) {
  const entry = putEventsEntry('default', event);
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: '123456789012',
    time: event.time.replace(/\.\d{3}Z$/, 'Z'),
    region: 'eu-west-1',
    resources: [],
    detail: JSON.parse(entry.Detail ?? '{}'),
  };
}

/** Validates a value against the document's `AWSEvent`, as a registry consumer's tooling would. */
function awsEventValidator(document: ReturnType<typeof eventBridgeSchemaDocument>) {
  // OpenAPI 3.0 schema objects are a draft-04/05 dialect with `nullable`, which Ajv supports; the
  // registry's `x-amazon-*` extensions are annotations (strict off lets them through).
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(document, 'doc');
  const validate = ajv.getSchema('doc#/components/schemas/AWSEvent');
  if (!validate) throw new Error('no AWSEvent in the document');
  return validate;
}

describe('eventBridgeSchemaDocument', () => {
  it('lists the six detail types of the contract', () => {
    expect(TYPES.map((type) => type.split('.').pop())).toEqual([
      'started',
      'progressed',
      'completed',
      'failed',
      'status_changed',
      'stalled',
    ]);
  });

  it('is a valid OpenAPI 3.0 document for every detail type', async () => {
    for (const detailType of TYPES) {
      const result = await openApiValidator.validate(eventBridgeSchemaDocument(contract, detailType));
      expect(result.errors ?? [], detailType).toEqual([]);
      expect(openApiValidator.version).toBe('3.0');
    }
  });

  it('would fail the OpenAPI check with a draft 2020-12 keyword left in', async () => {
    const document = eventBridgeSchemaDocument(contract, TYPES[0] ?? '');
    const schemas = (document.components as { schemas: Record<string, Record<string, unknown>> }).schemas;
    schemas.JobEventJob = { type: ['string', 'null'] };
    expect((await openApiValidator.validate(document)).valid).toBe(false);
  });

  it('has the AWSEvent envelope of a discovered schema, with the CloudEvent as detail', () => {
    const document = eventBridgeSchemaDocument(contract, 'com.huaweicloud.geminidb.job.failed');
    const schemas = (document.components as { schemas: Record<string, Record<string, unknown>> }).schemas;
    expect(Object.keys(schemas)).toEqual(['AWSEvent', DETAIL_COMPONENT, 'JobEventData', 'JobEventJob']);
    expect(schemas.AWSEvent).toMatchObject({
      'x-amazon-events-source': 'geminidb-job-watcher',
      'x-amazon-events-detail-type': 'com.huaweicloud.geminidb.job.failed',
      properties: { detail: { $ref: '#/components/schemas/JobEvent' } },
    });
    expect(document.info).toEqual({ version: '1.0.0', title: 'com.huaweicloud.geminidb.job.failed' });
  });

  it('says the draft 2020-12 contract in OpenAPI 3.0 words: no const, $defs, type lists or conditions', () => {
    const text = JSON.stringify(eventBridgeSchemaDocument(contract, TYPES[0] ?? ''));
    for (const keyword of ['"const"', '"$defs"', '"if"', '"then"', '"examples"', '"$schema"', '"type":["']) {
      expect(text).not.toContain(keyword);
    }
    const schemas = (
      eventBridgeSchemaDocument(contract, TYPES[0] ?? '').components as {
        schemas: Record<string, { properties: Record<string, unknown> }>;
      }
    ).schemas;
    expect(schemas.JobEvent?.properties.specversion).toEqual({ enum: ['1.0'], type: 'string' });
    expect(schemas.JobEventJob?.properties.end_time).toEqual({
      type: 'string',
      nullable: true,
      format: 'date-time',
    });
    expect(schemas.JobEventData?.properties.job).toEqual({ $ref: '#/components/schemas/JobEventJob' });
  });

  it.each<[string, JobEvent]>([
    ['a failed backup', sampleEvent('failed')],
    ['a first sighting (previous_status null)', sampleEvent('completed', {}, null)],
    ['a running job (end_time, fail_reason, duration null)', sampleEvent('progressed')],
  ])('accepts %s as EventBridge delivers it', (_label, event) => {
    const validate = awsEventValidator(eventBridgeSchemaDocument(contract, event.type));
    expect(validate(eventBridgeEvent(event)), JSON.stringify(validate.errors)).toBe(true);
  });

  it('accepts the example of the contract', () => {
    const example = (contract.examples as unknown[])[0] as JobEvent;
    const validate = awsEventValidator(eventBridgeSchemaDocument(contract, example.type));
    expect(validate(eventBridgeEvent(example)), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each<[string, readonly string[], unknown]>([
    ['a job without id', ['detail', 'data', 'job', 'id'], undefined],
    ['a null job name', ['detail', 'data', 'job', 'name'], null],
    ['another specversion', ['detail', 'specversion'], '0.3'],
    ['an unknown type', ['detail', 'type'], 'com.example.other'],
    ['progress over 100', ['detail', 'data', 'job', 'progress'], 101],
    ['no detail', ['detail'], undefined],
  ])('refuses %s', (_label, path, value) => {
    const event = eventBridgeEvent(sampleEvent('progressed'));
    setAt(event, path, value);
    const validate = awsEventValidator(
      eventBridgeSchemaDocument(contract, 'com.huaweicloud.geminidb.job.progressed'),
    );
    expect(validate(event)).toBe(false);
  });
});

/** Sets (or, for undefined, deletes) the value at a path of plain objects. */
function setAt(target: object, path: readonly string[], value: unknown): void {
  const parents = path.slice(0, -1);
  const last = path.at(-1) as string;
  const parent = parents.reduce<Record<string, unknown>>(
    (node, key) => node[key] as Record<string, unknown>,
    target as Record<string, unknown>,
  );
  if (value === undefined) delete parent[last];
  else parent[last] = value;
}

describe('toOpenApiSchema', () => {
  it.each<[string, unknown, RegExp]>([
    [
      'a keyword OpenAPI 3.0 lacks',
      { type: 'object', unevaluatedProperties: false },
      /#\/unevaluatedProperties: OpenAPI 3.0 has no "unevaluatedProperties"/,
    ],
    ['a union of two types', { type: ['string', 'integer'] }, /#\/type: OpenAPI 3.0 takes one type/],
    [
      'a reference outside $defs',
      { $ref: 'other.json#/x' },
      /#\/\$ref: only #\/\$defs\/<name> references convert/,
    ],
    ['a nested unknown keyword', { properties: { a: { prefixItems: [] } } }, /#\/properties\/a\/prefixItems/],
  ])('throws naming the path for %s', (_label, schema, message) => {
    expect(() => toOpenApiSchema(schema as never)).toThrow(SchemaConversionError);
    expect(() => toOpenApiSchema(schema as never)).toThrow(message);
  });

  it('keeps an allOf member that is not a condition', () => {
    const schema = JSON.parse('{"allOf": [{"if": {}, "then": {}}, {"required": ["a"]}]}');
    expect(toOpenApiSchema(schema)).toEqual({
      allOf: [{ required: ['a'] }],
    });
  });
});
