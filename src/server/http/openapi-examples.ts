// Examples for the OpenAPI document, built from each answer's own schema so they cannot drift
// from it: a field named in SAMPLES gets a value from one consistent demo story (the robot
// CNB7K2B0A3T511000000000123455 of enterprise B7K2), any other field a value its schema allows.
// test/server/openapi.test.ts validates every example against its schema.

export type JsonSchema = {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  pattern?: string;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  minLength?: number;
  minItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  allOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  nullable?: boolean;
  $ref?: string;
  [keyword: string]: unknown;
};

const ROBOT_ID = 'CNB7K2B0A3T511000000000123455';
const AT = '2026-11-26T08:00:00.000Z';

/** Values by field name, so the examples tell one story and satisfy the fields' patterns. */
const SAMPLES: Record<string, unknown> = {
  robotId: ROBOT_ID,
  previousRobotIds: [],
  display: 'CN B7K2 B0A3T5 11000000000123455',
  scheme: 'RID-1',
  country: 'CN',
  countryName: 'China',
  enterprise: 'B7K2',
  enterpriseCode: 'B7K2',
  category: 'B',
  categoryName: 'biped',
  model: '0A',
  modelCode: '0A',
  levelLabel: 'L3',
  hardwareRevision: '1',
  site: '1',
  siteCode: '1',
  unitSequence: '12345',
  unitSequencePadded: '00000000012345',
  serial: '11000000000123455',
  check: '5',
  productionDate: '2026-05-14',
  name: 'Shenzhen Humanoid Works',
  region: 'Guangdong',
  apiKey: 'rlk_3q2-7wEjK9bV0sLrT5yXh1mN4pQ8cZ6dF2gA0uI7oE',
  devicePublicKey: 'm8L4xJ0vQ2ZsWb6T1yN9kR3cF5hU7eA2pD4gX8oI0uY',
  entry: 'eyJyZWNvcmQiOiJleGFtcGxlIn0=',
  leafHash: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=',
  proof: ['fRjmVaVxBhAvNmwfSaz0t0FYvZ+Rjb5i5aQHkCwrR0k='],
  verifierKey: 'witness.example+4b3a8f1d+AV1p0Z3QyL7fYcKx2m9sT4hJ8bW6nE5rU1oG0dC3aZ9k',
  witness: 'witness.example',
  message: 'scheduled maintenance done',
  note: 'replaced the left knee actuator',
  code: '1',
  label: 'battery state of health below the model limit',
  grade: 'good',
  nextCursor: null,
  kind: 'operator',
  status: 'in_service',
  intelligenceLevel: 3,
  intelligenceLevelFiled: 3,
  levelAsFiled: 3,
  level: 3,
  productionYear: 2026,
  productionMonth: 5,
  jointCount: 28,
  minBatterySohPct: 80,
  maxJointWear: 0.6,
  maxPositionErrorMm: 5,
  socPct: 87.5,
  sohPct: 96.2,
  cycles: 152,
  positionErrorMm: 1.8,
  taskSuccessRate: 0.991,
  operatingHours: 1532.4,
  wear: [0.012, 0.013],
  seq: 42,
  accepted: 1,
  treeSize: 1024,
  size: 1024,
  index: 41,
  faults: [],
  reasons: [],
  sha256: 'a3f1c09e5b7d2468ac0e1f3b5d7092c4e6f8a1b3c5d7e9f0213546879bacedf0',
};

/** Optional fields an example leaves out: they appear only in a rarer case than the one shown. */
const OMITTED_UNLESS_REQUIRED = new Set(['supersededBy', 'revokedAt', 'clearedAt', 'decidedAt', 'decidedBy']);

const BY_FORMAT: Record<string, unknown> = {
  uuid: '0f8fad5b-d9cb-469f-a165-70867728950e',
  'date-time': AT,
  date: '2026-05-14',
  byte: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
  binary: '(binary)',
  uri: 'https://roboledger.example/',
};

function resolve(schema: JsonSchema, definitions: Record<string, JsonSchema>): JsonSchema {
  const ref = schema.$ref;
  if (!ref) return schema;
  const name = ref.replace(/^#\/components\/schemas\//, '');
  return definitions[name] ?? {};
}

const jsonType = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;

/** Whether the schema's type admits the sample (a field name can mean different things). */
function admits(schema: JsonSchema, sample: unknown, definitions: Record<string, JsonSchema>): boolean {
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return alternatives.some((alt) => admits(resolve(alt, definitions), sample, definitions));
  if (schema.enum) return schema.enum.includes(sample);
  const type = jsonType(sample);
  if (type === 'null' && schema.nullable) return true;
  const types = [schema.type ?? []].flat();
  return types.includes(type) || (type === 'number' && types.includes('integer'));
}

/** An example value the schema accepts; `name` is the property it is for, if any. */
export function exampleOf(
  input: JsonSchema,
  definitions: Record<string, JsonSchema> = {},
  name?: string,
  depth = 0,
): unknown {
  const schema = resolve(input, definitions);
  if (depth > 12) return null;
  if (schema.example !== undefined) return schema.example;
  if (schema.const !== undefined) return schema.const;
  if (name !== undefined && name in SAMPLES && admits(schema, SAMPLES[name], definitions))
    return SAMPLES[name];
  if (schema.enum) return schema.enum[0];
  if (schema.allOf) {
    return Object.assign(
      {},
      ...schema.allOf.map((part) => exampleOf(part, definitions, name, depth + 1) as object),
    );
  }
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) {
    const first = alternatives.find((alt) => resolve(alt, definitions).type !== 'null') ?? alternatives[0]!;
    return exampleOf(first, definitions, name, depth + 1);
  }
  if (schema.default !== undefined) return schema.default;
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object':
    case undefined: {
      if (!schema.properties) return type === 'object' ? {} : null;
      const value: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(schema.properties)) {
        if (OMITTED_UNLESS_REQUIRED.has(key) && !schema.required?.includes(key)) continue;
        value[key] = exampleOf(child, definitions, key, depth + 1);
      }
      return value;
    }
    case 'array': {
      const item = schema.items ? exampleOf(schema.items, definitions, undefined, depth + 1) : 'item';
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => item);
    }
    case 'integer':
      return Math.max(
        schema.minimum ?? 0,
        (schema.exclusiveMinimum ?? -1) + 1,
        name === 'ledgerIndex' ? 42 : 1,
      );
    case 'number':
      return Math.min(schema.maximum ?? Number.POSITIVE_INFINITY, Math.max(schema.minimum ?? 0, 0.5));
    case 'boolean':
      return false;
    case 'null':
      return null;
    default: {
      if (schema.format && schema.format in BY_FORMAT) return BY_FORMAT[schema.format];
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    }
  }
}
