// `optrain job fetch-model <jobId> --out DIR`: after finalization, download the final model
// from the solver's blob server, check it against the chain (stepsRoot over the manifest's
// state hashes, H[T] recomputed from the downloaded tensors, modelRoot == finalModelHash),
// and write it: a classifier as TensorFlow.js Layers artifacts, a GPT as model.safetensors +
// config.json (nanoGPT names; see optrain generate).
import { createClient } from '../../chain/client.ts';
import { getJob } from '../../chain/actions/get-job.ts';
import { getJobPosting } from '../../chain/actions/get-job-posting.ts';
import type { DevnetInfo } from '../../chain/devnet.ts';
import { merkleRoot, sha256, tensorRootOf, dataRoot } from '../../reproducible-ops/merkle.ts';
import { modelParams } from '../../reproducible-ops/layers.ts';
import { numel } from '../../reproducible-ops/tensor.ts';
import { fetchBlob } from '../../jobs/blobstore.ts';
import { hex0x } from '../../jobs/checkpoint.ts';
import { UsageError, UserError } from '../../jobs/errors.ts';
import { announcedData } from '../../chain/actions/announce.ts';
import { writeTfjsModel } from '../../jobs/tfjs-model.ts';
import { gptParams } from '../../reproducible-ops/gpt.ts';
import { isResolvedGpt, type ResolvedGptSpec } from '../../jobs/job-gpt.ts';
import { writeGptModel } from '../../jobs/gpt-model.ts';
import { charTokenizer, charVocab, decodeUtf8, gpt2Tokenizer, type Tokenizer } from '../../jobs/text-dataset.ts';
import { fetchSpec } from '../../commitments/job-source.ts';
import { RUN_MANIFEST_FORMAT, type RunManifest } from '../../commitments/run-store.ts';
import { stepsRootOf } from '../../commitments/train-run.ts';
import { lastLeaf } from '../../reproducible-ops/hash-schedule.ts';
import { expectPositionals, type Command } from '../command.ts';
import { table } from '../format.ts';
import { READ_NETWORK_HELP, READ_NETWORK_OPTIONS, resolvedNetworkFromFlags, toJson } from './job-network.ts';

export interface FetchedModel {
  jobId: bigint;
  finalModelHash: string;
  outDir: string;
  params: { name: string; shape: number[] }[];
}

export function parseJobId(s: string, cmd: string): bigint {
  if (!/^[1-9][0-9]*$/.test(s)) throw new UsageError(`optrain ${cmd}: <jobId>: expected a positive integer job id, got '${s}'`);
  return BigInt(s);
}

export async function fetchModel(net: Pick<DevnetInfo, 'rpcUrl' | 'chainId' | 'contracts' | 'gameKind'> & { startBlock?: number }, jobId: bigint, outDir: string): Promise<FetchedModel> {
  const client = createClient({ rpcUrl: net.rpcUrl, contracts: net.contracts, gameArtifact: net.gameKind });
  try {
    const job = await getJob(client, jobId);
    if (job.status !== 'Finalized') throw new UserError(`job ${jobId} is ${job.status}; its model can be fetched once it is Finalized`);
    // Where the solver serves it, as the job's solver announced on chain; every byte is checked below.
    const a = await announcedData(client, jobId, job.solver, net.startBlock ?? 0);
    const [manifestHash, server] = [a?.manifestHash, a?.uri];
    if (!manifestHash || !server) throw new UserError(`job ${jobId}: its solver ${job.solver} has announced no result manifest on chain (DataAnnouncer ${net.contracts.dataAnnouncer ?? 'not deployed'})`);
    const m = JSON.parse((await fetchBlob(server, manifestHash)).toString('utf8')) as RunManifest;
    if (m.format !== RUN_MANIFEST_FORMAT) throw new UserError(`job ${jobId}: result manifest ${manifestHash} has format ${JSON.stringify(m.format)}, expected ${RUN_MANIFEST_FORMAT}`);
    const T = Number(job.params.numSteps);
    const leaves = lastLeaf(T, job.params.hashInterval) + 1; // H[0], H[K], ..., H[T]
    const root = stepsRootOf(m.stateHashes);
    if (m.stateHashes.length !== leaves || root !== job.commitment.stepsRoot)
      throw new UserError(`job ${jobId}: the manifest's ${m.stateHashes.length} state hashes (expected ${leaves} for hashInterval ${job.params.hashInterval}) have root ${root}, the chain's stepsRoot is ${job.commitment.stepsRoot}`);
    const ref = m.checkpoints.find((c) => c.step === T);
    if (!ref) throw new UserError(`job ${jobId}: the manifest has no checkpoint of the final step ${T}`);
    const { resolved } = await fetchSpec((await getJobPosting(client, jobId)).specURI, job.params.specHash);
    const tensors = splitSlots(await fetchBlob(server, ref.blob), m.slots, ref.blob);
    const P = isResolvedGpt(resolved) ? gptParams(resolved.model.gpt).length : modelParams(resolved.model).params.length;
    const roots = tensors.map((t, i) => tensorRootOf(m.slots[i].shape, dataRoot(t)));
    const modelRoot = merkleRoot(roots.slice(0, P)), optRoot = merkleRoot(roots.slice(P));
    checkFinalState(job, T, modelRoot, optRoot);
    if (isResolvedGpt(resolved)) {
      const info = { name: resolved.name, jobHash: job.params.specHash, opsetVersion: resolved.opsetVersion, steps: T, modelHash: hex0x(modelRoot) };
      writeGptModel(outDir, resolved.model.gpt, tensors.slice(0, P), await tokenizerOf(resolved, server), info);
    } else writeTfjsModel(outDir, resolved.model, tensors.slice(0, P), resolved.name);
    return { jobId, finalModelHash: hex0x(modelRoot), outDir, params: m.slots.slice(0, P) };
  } finally {
    client.provider.destroy();
  }
}

/** The job's tokenizer; a char vocabulary comes from the text file (by its sha256, from the solver's blob server). */
async function tokenizerOf(resolved: ResolvedGptSpec, server: string): Promise<Tokenizer> {
  const t = resolved.dataset.text;
  if (t.tokenizer === 'gpt2') return gpt2Tokenizer();
  const text = decodeUtf8(await fetchBlob(server, t.sha256), 'job.dataset.text', `blob ${t.sha256}`);
  return charTokenizer(charVocab(text));
}

/** H[T] recomputed from the downloaded tensors must be the committed final state, and its model root the committed model hash. */
function checkFinalState(job: Awaited<ReturnType<typeof getJob>>, T: number, modelRoot: Buffer, optRoot: Buffer): void {
  const step = Buffer.alloc(8);
  step.writeBigUInt64BE(BigInt(T));
  const h = hex0x(sha256(Buffer.from(job.params.specHash.slice(2), 'hex'), step, modelRoot, optRoot));
  if (h !== job.commitment.finalStateHash)
    throw new UserError(`job ${job.jobId}: the downloaded final state hashes to ${h}, the chain's finalStateHash is ${job.commitment.finalStateHash}`);
  if (hex0x(modelRoot) !== job.commitment.finalModelHash)
    throw new UserError(`job ${job.jobId}: the downloaded model hashes to ${hex0x(modelRoot)}, the chain's finalModelHash is ${job.commitment.finalModelHash}`);
}

function splitSlots(bytes: Buffer, slots: { shape: number[] }[], blob: string): Float32Array[] {
  const total = slots.reduce((a, s) => a + numel(s.shape), 0);
  if (bytes.length !== total * 4) throw new UserError(`state blob ${blob}: expected ${total * 4} bytes, got ${bytes.length}`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  let off = 0;
  return slots.map((s) => all.slice(off, (off += numel(s.shape))));
}

const usage = `Usage: optrain job fetch-model <jobId> --out DIR [options]

Download a finalized job's model, verify it against the on-chain commitment (stepsRoot,
finalStateHash, finalModelHash) and write DIR/model.json + DIR/weights.bin
(load with tf.loadLayersModel); a GPT job's model as DIR/model.safetensors + config.json.

Options:
  --out DIR           output directory (required)
${READ_NETWORK_HELP}
  -h, --help          show this help
`;

export const jobFetchModelCommand: Command = {
  name: 'job fetch-model',
  summary: "download a finalized job's model and check its hash against the chain",
  usage,
  options: { ...READ_NETWORK_OPTIONS, out: { type: 'string' } },
  async run(args, io) {
    const cmd = 'job fetch-model';
    const [id] = expectPositionals(args, ['<jobId>'], cmd);
    const jobId = parseJobId(id, cmd);
    const out = args.values.out as string | undefined;
    if (!out) throw new UsageError(`optrain ${cmd}: --out DIR is required`);
    const info = await resolvedNetworkFromFlags(args);
    const r = await fetchModel(info, jobId, out).catch((e) => {
      throw e instanceof UserError ? e : new UserError((e as Error).message);
    });
    io.stdout.write(args.values.json ? toJson(r) + '\n' : table([['job id', String(r.jobId)], ['model hash', `${r.finalModelHash} (matches the chain)`], ['written to', r.outDir]]));
    return 0;
  },
};
