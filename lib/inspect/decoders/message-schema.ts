/**
 * Kafka's generated-message schemas as data, and one decoder for all of them. A schema lists the
 * fields of a message with the versions each exists in, the versions it may be null in and, for a
 * tagged field, its tag — the facts of Kafka's message JSON specs (`validVersions`,
 * `flexibleVersions`, `nullableVersions`, `taggedVersions`, `tag`), written compactly:
 *
 *   field('isr []int32 0+ null0+ tag0')          name, type, versions, then optional null/tag
 *   struct('endPoints [] 0+', [ …fields ])       an array of structs ('{}' for a single struct)
 *
 * Names are already camelCase, as Kafka's JSON converters print them. Decoding follows Kafka's
 * rules: in flexible versions strings, byte arrays and arrays are compact and every struct ends
 * with a tagged-field section, whose unknown tags are skipped; a field outside the version is
 * absent from the result, as is a tagged field the writer left out. Bytes come out as standard
 * base64 (Jackson's BinaryNode), UUIDs as URL-safe base64 (Kafka's Uuid.toString).
 */
import { assert } from '../../assert.js';
import type { WireReader } from './wire-reader.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

type ScalarType = 'bool' | 'int8' | 'int16' | 'uint16' | 'int32' | 'int64' | 'float64' | 'uuid' | 'string' | 'bytes';
const SCALAR_TYPES: ReadonlySet<string> = new Set([
  'bool', 'int8', 'int16', 'uint16', 'int32', 'int64', 'float64', 'uuid', 'string', 'bytes',
]);
/** The least bytes one element of an array can take, to refuse absurd lengths before allocating. */
const ELEMENT_BYTES_MIN: Readonly<Record<ScalarType, number>> = {
  bool: 1, int8: 1, int16: 2, uint16: 2, int32: 4, int64: 8, float64: 8, uuid: 16, string: 1, bytes: 1,
};
/** Versions are int16 in Kafka; "0+" means every version from 0 on. */
const VERSION_MAX = 0x7fff;
const NEVER = VERSION_MAX + 1;

export interface FieldSchema {
  name: string;
  type: ScalarType | StructSchema;
  isArray: boolean;
  versionMin: number;
  versionMax: number;
  /** First version in which the field may be null; NEVER when it never may. */
  nullableMin: number;
  /** The tag of a tagged field, -1 for a regular one. */
  tag: number;
}

interface StructSchema {
  fields: readonly FieldSchema[];
}

export interface MessageSchema {
  name: string;
  versionMin: number;
  versionMax: number;
  /** First flexible version; NEVER for a message that has none. */
  flexibleMin: number;
  struct: StructSchema;
}

function parseVersions(text: string): [number, number] {
  if (text === 'none') return [NEVER, NEVER];
  if (text.endsWith('+')) return [Number(text.slice(0, -1)), VERSION_MAX];
  const dash = text.indexOf('-');
  if (dash === -1) return [Number(text), Number(text)];
  return [Number(text.slice(0, dash)), Number(text.slice(dash + 1))];
}

function parseSpec(spec: string, type: ScalarType | StructSchema | null): FieldSchema {
  const [name, typeText, versions, ...options] = spec.split(' ');
  assert(name !== undefined && typeText !== undefined && versions !== undefined, `bad field spec ${spec}`);
  const isArray = typeText.startsWith('[]');
  const scalar = isArray ? typeText.slice(2) : typeText;
  assert(type !== null || SCALAR_TYPES.has(scalar), `unknown type in ${spec}`);
  const [versionMin, versionMax] = parseVersions(versions);
  let nullableMin = NEVER;
  let tag = -1;
  for (const option of options) {
    if (option.startsWith('null')) nullableMin = parseVersions(option.slice(4))[0];
    else if (option.startsWith('tag')) tag = Number(option.slice(3));
    else assert(false, `unknown option in ${spec}`);
  }
  return { name, type: type ?? (scalar as ScalarType), isArray, versionMin, versionMax, nullableMin, tag };
}

/** A scalar field or an array of scalars: 'name type versions [nullV] [tagN]'. */
export function field(spec: string): FieldSchema {
  return parseSpec(spec, null);
}

/** A struct field: 'name []|{} versions [nullV] [tagN]'. */
export function struct(spec: string, fields: readonly FieldSchema[]): FieldSchema {
  return parseSpec(spec, { fields });
}

export function message(name: string, versions: string, flexibleVersions: string, fields: readonly FieldSchema[]): MessageSchema {
  const [versionMin, versionMax] = parseVersions(versions);
  return { name, versionMin, versionMax, flexibleMin: parseVersions(flexibleVersions)[0], struct: { fields } };
}

export function hasVersion(schema: MessageSchema, version: number): boolean {
  return version >= schema.versionMin && version <= schema.versionMax;
}

/**
 * The message at the reader's position, read at `version` (which the caller checked with
 * hasVersion). Throws CorruptRecordError (from the reader) for bytes that do not fit the schema.
 */
export function decodeMessage(reader: WireReader, schema: MessageSchema, version: number): JsonObject {
  assert(hasVersion(schema, version), `${schema.name} has no version ${version}`);
  return decodeStruct(reader, schema.struct, version, version >= schema.flexibleMin);
}

function decodeStruct(reader: WireReader, schema: StructSchema, version: number, flexible: boolean): JsonObject {
  const fields = schema.fields;
  const values: Array<JsonValue | undefined> = new Array<JsonValue | undefined>(fields.length);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (version < f.versionMin || version > f.versionMax || (flexible && f.tag >= 0)) continue;
    values[i] = decodeField(reader, f, version, flexible);
  }
  if (flexible) {
    const count = reader.length(true, false, 2, 'tagged fields') + 1;
    for (let t = 0; t < count; t++) {
      const tag = reader.unsignedVarint();
      const sizeBytes = reader.unsignedVarint();
      const index = fields.findIndex((f) => f.tag === tag && version >= f.versionMin && version <= f.versionMax);
      if (index === -1) {
        reader.skip(sizeBytes);
        continue;
      }
      const outerEnd = reader.narrow(sizeBytes);
      values[index] = decodeField(reader, fields[index]!, version, true);
      reader.widen(outerEnd);
    }
  }
  const result: JsonObject = {};
  for (let i = 0; i < fields.length; i++) {
    const value = values[i];
    if (value !== undefined) result[fields[i]!.name] = value;
  }
  return result;
}

function decodeField(reader: WireReader, f: FieldSchema, version: number, flexible: boolean): JsonValue {
  const nullable = version >= f.nullableMin;
  if (!f.isArray) return decodeValue(reader, f, version, flexible, nullable);
  const elementBytesMin = typeof f.type === 'string' ? ELEMENT_BYTES_MIN[f.type] : flexible ? 1 : 0;
  const length = reader.length(flexible, true, elementBytesMin, f.name);
  if (length === -1) {
    if (!nullable) reader.fail(`${f.name} is null but not nullable in version ${version}`);
    return null;
  }
  const items: JsonValue[] = [];
  for (let i = 0; i < length; i++) items.push(decodeValue(reader, f, version, flexible, false));
  return items;
}

function decodeValue(reader: WireReader, f: FieldSchema, version: number, flexible: boolean, nullable: boolean): JsonValue {
  const type = f.type;
  if (typeof type !== 'string') {
    // A nullable single struct is preceded by a presence byte: -1 null, 1 present (Kafka's generated code).
    if (!f.isArray && nullable && reader.int8() === -1) return null;
    return decodeStruct(reader, type, version, flexible);
  }
  switch (type) {
    case 'bool': return reader.bool();
    case 'int8': return reader.int8();
    case 'int16': return reader.int16();
    case 'uint16': return reader.uint16();
    case 'int32': return reader.int32();
    case 'int64': return reader.int64();
    case 'float64': return reader.float64();
    case 'uuid': return reader.uuid();
    case 'string':
    case 'bytes': {
      const length = reader.length(flexible, type === 'bytes', 1, f.name);
      if (length === -1) {
        if (!nullable) reader.fail(`${f.name} is null but not nullable in version ${version}`);
        return null;
      }
      if (type === 'string') return reader.utf8(length);
      const bytes = reader.slice(length);
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
    }
  }
}
