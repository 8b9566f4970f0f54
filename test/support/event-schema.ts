import { readFileSync } from 'node:fs';
import type { ErrorObject } from 'ajv/dist/2020';
import { Ajv2020 } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/** The published event schema, `shared/schema/job-event.schema.json`, as parsed JSON. */
export const jobEventSchema: Record<string, unknown> = JSON.parse(
  readFileSync(new URL('../../shared/schema/job-event.schema.json', import.meta.url), 'utf8'),
);

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
const validate = ajv.compile(jobEventSchema);

/** Validates a value against the event schema; `errors` is empty when it is valid. */
export function validateEvent(value: unknown): { valid: boolean; errors: ErrorObject[] } {
  const valid = validate(value);
  return { valid, errors: valid ? [] : [...(validate.errors ?? [])] };
}

/** Throws with every schema violation listed when `value` is not a valid job event. */
export function assertValidEvent(value: unknown): void {
  const { valid, errors } = validateEvent(value);
  if (!valid) {
    throw new Error(
      `event does not match job-event.schema.json: ${ajv.errorsText(errors, { dataVar: 'event' })}`,
    );
  }
}
