// IDX file reading (MNIST's format): magic, dims (u32 BE), then u8 data. Gzip is detected.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { UserError } from './errors.ts';

export interface IdxFile {
  dims: number[];
  data: Uint8Array;
  sha256: string; // of the file bytes as stored (compressed if gzip)
}

/** A dataset file that is missing or malformed: a user error, printed without a stack. */
export class DatasetError extends UserError {}

export function readIdx(path: string): IdxFile {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new DatasetError(`dataset file not found or unreadable: ${path} (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  const sha256 = createHash('sha256').update(raw).digest('hex');
  const buf = raw[0] === 0x1f && raw[1] === 0x8b ? gunzip(raw, path) : raw;
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0 || buf[2] !== 0x08)
    throw new DatasetError(`${path}: not an IDX file of unsigned bytes (expected magic 0x0000 08 nn, got ${buf.subarray(0, 4).toString('hex')})`);
  const rank = buf[3];
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(buf.readUInt32BE(4 + 4 * i));
  const off = 4 + 4 * rank;
  const n = dims.reduce((a, b) => a * b, 1);
  if (buf.length !== off + n) throw new DatasetError(`${path}: IDX header says ${n} bytes of data for dims [${dims}], file has ${buf.length - off}`);
  return { dims, data: buf.subarray(off), sha256 };
}

function gunzip(raw: Buffer, path: string): Buffer {
  try {
    return gunzipSync(raw);
  } catch (e) {
    throw new DatasetError(`${path}: truncated or corrupt gzip data (${(e as Error).message}); download the file again`);
  }
}
