import { Ajv, type ErrorObject } from 'ajv';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * schema/audit-report.schema.json, the one definition of what a report holds: our own reports are
 * checked against it in the tests, and a report read back (--baseline, --merge-reports) is refused
 * unless it matches. Ajv is already installed as a dependency of `table`.
 */
const SCHEMA_FILE = fileURLToPath(new URL('../../schema/audit-report.schema.json', import.meta.url));
/** RFC 3339 as Date.prototype.toISOString writes it. */
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

type Validate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
let validators: { report: Validate; calibrationRecord: Validate } | undefined;

function compiled(): NonNullable<typeof validators> {
  if (!validators) {
    const ajv = new Ajv({ allErrors: true, strict: true });
    ajv.addFormat('date-time', DATE_TIME);
    const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as { $id: string };
    ajv.addSchema(schema);
    validators = {
      report: ajv.getSchema(schema.$id) as Validate,
      calibrationRecord: ajv.compile({ $ref: `${schema.$id}#/definitions/calibrationRecord` }),
    };
  }
  return validators;
}

function errorsOf(validate: Validate, data: unknown): string[] {
  if (validate(data)) return [];
  const depth = (e: ErrorObject) => e.instancePath.split('/').length;
  return [...(validate.errors ?? [])].sort((a, b) => depth(b) - depth(a)).map(describe);
}

function describe(error: ErrorObject): string {
  const where = error.instancePath || '(the top level)';
  const allowed = 'allowedValues' in error.params ? ` (${JSON.stringify(error.params['allowedValues'])})` : '';
  return `${where} ${error.message ?? 'is invalid'}${allowed}`;
}

/**
 * What makes `data` not a report of this schema, one line per problem, deepest first (of a `oneOf`,
 * Ajv also lists each branch that failed at the parent: `/noiseFloor must be null` says less than
 * `/noiseFloor/heapBytesPerStep must be number`); empty when it is one.
 */
export function reportSchemaErrors(data: unknown): string[] {
  return errorsOf(compiled().report, data);
}

/** The same, for a calibration record read from the cache (the schema's `calibrationRecord`). */
export function calibrationRecordErrors(data: unknown): string[] {
  return errorsOf(compiled().calibrationRecord, data);
}
