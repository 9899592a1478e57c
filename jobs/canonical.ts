// Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, numbers as
// JavaScript prints them (shortest round-trip form). Two specs that differ only in key
// order or formatting get the same bytes and so the same jobHash.
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown, where = '$'): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`canonicalJson: ${where} is ${value}, which JSON cannot represent`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v, i) => canonicalJson(v, `${where}[${i}]`)).join(',')}]`;
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k], `${where}.${k}`)}`).join(',')}}`;
    }
    default:
      throw new Error(`canonicalJson: ${where} has type ${typeof value}, which JSON cannot represent`);
  }
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
