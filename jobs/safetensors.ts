// The safetensors format (huggingface/safetensors), float32 only, written and read by hand:
//   u64 LE n | n bytes of JSON header | tensor bytes
// header = {"<name>": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...,
//           "__metadata__": {"<key>": "<string>"}}; offsets are relative to the byte after the
// header, tensors are contiguous row-major little-endian; the header is padded with spaces to
// a multiple of 8 bytes (as the reference writer does) so the data is 8-byte aligned.
import { UserError } from './errors.ts';

export interface NamedF32 {
  name: string;
  shape: readonly number[];
  data: Float32Array;
}

export function encodeSafetensors(tensors: readonly NamedF32[], metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new Error(`safetensors: ${t.name} has ${t.data.length} values, its shape [${t.shape}] needs ${n}`);
    if (t.name in header) throw new Error(`safetensors: duplicate tensor name ${t.name}`);
    header[t.name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - (json.length % 8)) % 8;
  json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const out = Buffer.alloc(8 + json.length + offset);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  let o = 8 + json.length;
  for (const t of tensors) {
    const view = new DataView(out.buffer, out.byteOffset + o, 4 * t.data.length);
    for (let i = 0; i < t.data.length; i++) view.setFloat32(4 * i, t.data[i], true);
    o += 4 * t.data.length;
  }
  return out;
}

/** Parse a float32 safetensors file; errors name `where` (the file). */
export function decodeSafetensors(buf: Buffer, where: string): { tensors: NamedF32[]; metadata: Record<string, string> } {
  const bad = (why: string): never => {
    throw new UserError(`${where}: not a valid safetensors file (${why})`);
  };
  if (buf.length < 8) bad(`${buf.length} bytes, shorter than the 8-byte header length`);
  const n = Number(buf.readBigUInt64LE(0));
  if (n > buf.length - 8) bad(`header length ${n} exceeds the file`);
  let header: Record<string, { dtype?: unknown; shape?: unknown; data_offsets?: unknown }>;
  try {
    header = JSON.parse(buf.toString('utf8', 8, 8 + n));
  } catch (e) {
    return bad(`header is not JSON: ${(e as Error).message}`);
  }
  const base = 8 + n;
  const tensors: NamedF32[] = [];
  for (const [name, h] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (h.dtype !== 'F32') bad(`${name}: dtype ${JSON.stringify(h.dtype)}, only F32 is supported`);
    const shape = h.shape as number[], off = h.data_offsets as number[];
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) bad(`${name}: bad shape`);
    if (!Array.isArray(off) || off.length !== 2 || !(off[0] >= 0 && off[1] >= off[0] && base + off[1] <= buf.length)) bad(`${name}: data_offsets outside the file`);
    const count = shape.reduce((a, b) => a * b, 1);
    if (off[1] - off[0] !== 4 * count) bad(`${name}: ${off[1] - off[0]} bytes for shape [${shape}]`);
    const view = new DataView(buf.buffer, buf.byteOffset + base + off[0], 4 * count);
    tensors.push({ name, shape, data: Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 * i, true)) });
  }
  return { tensors, metadata: (header.__metadata__ as Record<string, string> | undefined) ?? {} };
}
