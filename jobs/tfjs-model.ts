// TensorFlow.js Layers interop: import a Sequential model.json topology as a ModelSpec,
// and export trained parameters as tfjs Layers artifacts (model.json + weights.bin) that
// `tf.loadLayersModel` reads. Parameter layouts already match tfjs (layers.ts), so weights
// are written as they are, bit for bit.
//
// Only the topology is imported. Initial weights in a model.json are ignored, and so are its
// initializers: the job's init program always draws kernels glorot-uniform from the
// counter-based RNG and sets biases to zero, so every solver starts from the same bits.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelParams, type Activation, type LayerSpec, type ModelSpec } from '../reproducible-ops/layers.ts';
import { UserError } from './errors.ts';

type Json = Record<string, unknown>;

const SUPPORTED = 'InputLayer, Dense, Conv2D, MaxPooling2D, Flatten, Dropout, ReLU, Activation(relu)';

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when `v` looks like a tfjs/Keras model: a model.json or a bare topology. */
export function isTfjsModel(v: unknown): boolean {
  return isObj(v) && ('modelTopology' in v || 'class_name' in v || 'model_config' in v);
}

/** The Sequential layer list of a model.json, a bare topology or a Keras `model_config` wrapper. */
function sequentialLayers(model: unknown, where: string): { name?: string; layers: Json[] } {
  let topo: unknown = model;
  if (isObj(topo) && 'modelTopology' in topo) topo = topo.modelTopology;
  if (isObj(topo) && 'model_config' in topo) topo = topo.model_config;
  if (!isObj(topo) || typeof topo.class_name !== 'string')
    throw new UserError(`${where}: not a tfjs Layers model (expected "modelTopology" or "class_name")`);
  if (topo.class_name !== 'Sequential')
    throw new UserError(`${where}: model class ${topo.class_name} is not supported (expected Sequential)`);
  const cfg = topo.config;
  const layers = Array.isArray(cfg) ? cfg : isObj(cfg) ? cfg.layers : undefined;
  if (!Array.isArray(layers) || layers.length === 0) throw new UserError(`${where}: Sequential model has no layers`);
  return { name: isObj(cfg) && typeof cfg.name === 'string' ? cfg.name : undefined, layers: layers as Json[] };
}

/** Parse a tfjs Sequential topology into the internal ModelSpec; `where` names the source. */
export function tfjsToModelSpec(model: unknown, where: string): ModelSpec {
  const { layers } = sequentialLayers(model, where);
  let inputShape: number[] | undefined;
  const out: LayerSpec[] = [];
  layers.forEach((raw, i) => {
    const cls = isObj(raw) && typeof raw.class_name === 'string' ? raw.class_name : '?';
    const cfg = isObj(raw) && isObj(raw.config) ? raw.config : {};
    const name = typeof cfg.name === 'string' ? cfg.name : `layer${i}`;
    const ctx = new LayerContext(`${where}: layer '${name}' (${cls})`, cfg);
    const shape = ctx.batchInputShape();
    if (shape && inputShape && shape.join() !== inputShape.join())
      ctx.fail(`batch_input_shape [null,${shape}] contradicts the model's input shape [null,${inputShape}]`);
    if (shape && !inputShape) {
      if (i > 0) ctx.fail('batch_input_shape must be set on the first layer');
      inputShape = shape;
    }
    if (cls === 'InputLayer') {
      if (i !== 0) ctx.fail('InputLayer must be the first layer');
      if (!shape) ctx.fail('InputLayer has no batch_input_shape');
      return;
    }
    out.push({ ...convertLayer(cls, ctx), name });
  });
  if (!inputShape) throw new UserError(`${where}: the model has no input shape; set batch_input_shape (e.g. [null, 784]) on the first layer`);
  const names = new Set<string>();
  for (const l of out) {
    if (names.has(l.name!)) throw new UserError(`${where}: two layers are named '${l.name}'; weight names must be unique`);
    names.add(l.name!);
  }
  out.forEach((l, i) => {
    if ('activation' in l && l.activation === 'softmax' && i !== out.length - 1)
      throw new UserError(`${where}: layer '${l.name}': softmax is supported only on the last layer`);
  });
  const spec: ModelSpec = { inputShape, layers: out };
  try {
    modelParams(spec);
  } catch (e) {
    throw new UserError(`${where}: ${(e as Error).message}`);
  }
  return spec;
}

/** Reads the config of one tfjs layer; every complaint names the layer and its class. */
class LayerContext {
  constructor(readonly where: string, readonly cfg: Json) {}

  fail(msg: string): never {
    throw new UserError(`${this.where}: ${msg}`);
  }

  get(key: string): unknown {
    return this.cfg[key];
  }

  positiveInt(key: string, dflt?: number): number {
    const v = this.cfg[key] ?? dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) this.fail(`${key}: expected a positive integer, got ${JSON.stringify(v)}`);
    return v;
  }

  /** A square window (`k` or `[k, k]`), as tfjs serialises kernel_size, strides, pool_size. */
  square(key: string, dflt: number): number {
    let v = this.cfg[key] ?? dflt;
    if (Array.isArray(v)) {
      if (v.length !== 2 || v[0] !== v[1]) this.fail(`${key}: only square windows are supported, got ${JSON.stringify(v)}`);
      v = v[0];
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) this.fail(`${key}: expected a positive integer, got ${JSON.stringify(v)}`);
    return v;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], dflt: T): T {
    const v = this.cfg[key] ?? dflt;
    if (!allowed.includes(v as T)) this.fail(`${key} ${JSON.stringify(v)} is not supported (expected ${allowed.map((a) => JSON.stringify(a)).join(' or ')})`);
    return v as T;
  }

  activation(): Activation {
    return this.oneOf('activation', ['linear', 'relu', 'softmax'] as const, 'linear');
  }

  /** Regularizers and constraints change the training rule, which the step program would silently drop. */
  noExtras(keys: string[]): void {
    for (const k of keys) if (this.cfg[k] != null) this.fail(`${k} is not supported (must be null)`);
  }

  batchInputShape(): number[] | undefined {
    const b = this.cfg.batch_input_shape ?? this.cfg.batchInputShape;
    const s = this.cfg.input_shape ?? this.cfg.inputShape;
    if (b == null && s == null) return undefined;
    const dims = b != null ? (Array.isArray(b) ? b.slice(1) : null) : Array.isArray(s) ? s : null;
    if (!dims || dims.length === 0 || !dims.every((d) => typeof d === 'number' && Number.isInteger(d) && d > 0))
      this.fail(`batch_input_shape: expected [null, d1, ...] with positive dimensions, got ${JSON.stringify(b ?? s)}`);
    if (this.cfg.dtype != null && this.cfg.dtype !== 'float32') this.fail(`dtype ${JSON.stringify(this.cfg.dtype)} is not supported (expected "float32")`);
    return dims as number[];
  }
}

const REGULARIZERS = ['kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint'];

function convertLayer(cls: string, c: LayerContext): LayerSpec {
  switch (cls) {
    case 'Dense':
      c.noExtras(REGULARIZERS);
      return { type: 'dense', units: c.positiveInt('units'), activation: c.activation(), useBias: c.get('use_bias') !== false };
    case 'Conv2D': {
      c.noExtras(REGULARIZERS);
      c.oneOf('data_format', ['channels_last'] as const, 'channels_last');
      if (c.square('dilation_rate', 1) !== 1) c.fail('dilation_rate other than 1 is not supported');
      const padding = c.oneOf('padding', ['valid', 'same'] as const, 'valid');
      return { type: 'conv2d', filters: c.positiveInt('filters'), kernelSize: c.square('kernel_size', 0), strides: c.square('strides', 1), padding, activation: c.activation(), useBias: c.get('use_bias') !== false };
    }
    case 'MaxPooling2D': {
      c.oneOf('data_format', ['channels_last'] as const, 'channels_last');
      c.oneOf('padding', ['valid'] as const, 'valid');
      const pool = c.square('pool_size', 2);
      if (c.get('strides') != null && c.square('strides', pool) !== pool) c.fail(`strides must equal pool_size (${pool})`);
      return { type: 'maxpool2d', poolSize: pool };
    }
    case 'Flatten':
      c.oneOf('data_format', ['channels_last'] as const, 'channels_last');
      return { type: 'flatten' };
    case 'Dropout': {
      const rate = c.get('rate');
      if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) c.fail(`rate: expected a number in [0, 1), got ${JSON.stringify(rate)}`);
      if (c.get('noise_shape') != null) c.fail('noise_shape is not supported');
      return { type: 'dropout', rate };
    }
    case 'ReLU':
      if (c.get('max_value') != null) c.fail('max_value is not supported');
      if ((c.get('negative_slope') ?? 0) !== 0 || (c.get('threshold') ?? 0) !== 0) c.fail('negative_slope and threshold must be 0');
      return { type: 'relu' };
    case 'Activation':
      if (c.get('activation') !== 'relu')
        c.fail(`activation ${JSON.stringify(c.get('activation'))} is not supported as a separate layer (only "relu"; put linear/softmax on the preceding Dense layer)`);
      return { type: 'relu' };
    default:
      return c.fail(`layer class ${cls} is not supported; supported: ${SUPPORTED}`);
  }
}

/** Default layer name, the same one modelParams uses for weight names. */
export function layerName(l: LayerSpec, i: number): string {
  return l.name ?? `${l.type}_${i + 1}`;
}

const GLOROT_UNIFORM = { class_name: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: null } };
const ZEROS = { class_name: 'Zeros', config: {} };
const NO_EXTRAS = Object.fromEntries(REGULARIZERS.map((k) => [k, null]));

function layerToTfjs(l: LayerSpec, i: number): Json {
  const base = { name: layerName(l, i), trainable: true };
  switch (l.type) {
    case 'dense':
      return { class_name: 'Dense', config: { units: l.units, activation: l.activation, use_bias: l.useBias, kernel_initializer: GLOROT_UNIFORM, bias_initializer: ZEROS, ...NO_EXTRAS, ...base } };
    case 'conv2d':
      return {
        class_name: 'Conv2D',
        config: { filters: l.filters, kernel_size: [l.kernelSize, l.kernelSize], strides: [l.strides, l.strides], padding: l.padding, data_format: 'channels_last', dilation_rate: [1, 1], activation: l.activation, use_bias: l.useBias, kernel_initializer: GLOROT_UNIFORM, bias_initializer: ZEROS, ...NO_EXTRAS, ...base },
      };
    case 'maxpool2d':
      return { class_name: 'MaxPooling2D', config: { pool_size: [l.poolSize, l.poolSize], padding: 'valid', strides: [l.poolSize, l.poolSize], data_format: 'channels_last', ...base } };
    case 'flatten':
      return { class_name: 'Flatten', config: { ...base } };
    case 'dropout':
      return { class_name: 'Dropout', config: { rate: l.rate, noise_shape: null, seed: null, ...base } };
    case 'relu':
      return { class_name: 'ReLU', config: { max_value: null, ...base } };
  }
}

/** A tfjs Sequential topology for a ModelSpec (the first layer carries batch_input_shape). */
export function modelSpecToTfjs(spec: ModelSpec, modelName = 'sequential'): Json {
  const layers = spec.layers.map(layerToTfjs);
  (layers[0].config as Json).batch_input_shape = [null, ...spec.inputShape];
  (layers[0].config as Json).dtype = 'float32';
  return { class_name: 'Sequential', config: { name: modelName, layers }, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' };
}

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

/** The in-memory tfjs ModelArtifacts of a model and its parameters (tf.io.fromMemory accepts it). */
export function tfjsArtifacts(spec: ModelSpec, params: Float32Array[], modelName?: string): { modelTopology: Json; weightSpecs: TfjsWeightSpec[]; weightData: ArrayBuffer } {
  const ps = modelParams(spec).params;
  if (ps.length !== params.length) throw new Error(`tfjsArtifacts: model has ${ps.length} parameters, got ${params.length} tensors`);
  const weightSpecs = ps.map((p) => ({ name: p.name, shape: [...p.shape], dtype: 'float32' as const }));
  const total = params.reduce((a, t) => a + t.length, 0);
  const all = new Float32Array(total);
  let off = 0;
  params.forEach((t, i) => {
    const want = ps[i].shape.reduce((a, b) => a * b, 1);
    if (t.length !== want) throw new Error(`tfjsArtifacts: ${ps[i].name} needs ${want} values, got ${t.length}`);
    all.set(t, off);
    off += t.length;
  });
  return { modelTopology: modelSpecToTfjs(spec, modelName), weightSpecs, weightData: all.buffer };
}

/** Write `dir/model.json` and `dir/weights.bin` (float32 little-endian, the tfjs layout). */
export function writeTfjsModel(dir: string, spec: ModelSpec, params: Float32Array[], modelName?: string): void {
  const a = tfjsArtifacts(spec, params, modelName);
  mkdirSync(dir, { recursive: true });
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'optrain',
    convertedBy: null,
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
  };
  writeAtomic(join(dir, 'weights.bin'), Buffer.from(littleEndian(a.weightData)));
  writeAtomic(join(dir, 'model.json'), JSON.stringify(modelJson, null, 1) + '\n');
}

/** Read artifacts written by writeTfjsModel (or any single-manifest-group tfjs export) from a directory. */
export function readTfjsModel(dir: string): { modelTopology: Json; weightSpecs: TfjsWeightSpec[]; weightData: ArrayBuffer } {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Json;
  const groups = json.weightsManifest as { paths: string[]; weights: TfjsWeightSpec[] }[];
  const bufs = groups.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))));
  const data = Buffer.concat(bufs);
  const weightData = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  return { modelTopology: json.modelTopology as Json, weightSpecs: groups.flatMap((g) => g.weights), weightData };
}

/** tfjs weight files are little-endian; Float32Array uses host order, so swap on big-endian hosts. */
function littleEndian(buf: ArrayBuffer): ArrayBuffer {
  if (new Uint8Array(new Uint32Array([1]).buffer)[0] === 1) return buf;
  const b = Buffer.from(buf.slice(0));
  b.swap32();
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
}

export function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
