// `optrain generate <run-dir> --prompt TEXT`: sample text from a trained GPT, streamed to
// stdout as it is sampled. The sampling itself is jobs/generate.ts.
import { UsageError } from '../../jobs/errors.ts';
import { prepareGeneration, type SampleOptions } from '../../jobs/generate.ts';
import { BACKEND_HELP, BACKEND_OPTIONS, backendChoice, resolveBackend } from '../backend-flags.ts';
import { expectPositionals, positiveIntFlag, type Command } from '../command.ts';

const usage = `Usage: optrain generate <run-dir> [options]

Sample text from a GPT trained with optrain train: reads <run-dir>/model/model.safetensors
and config.json (or a directory holding them, e.g. from optrain job fetch-model), encodes the
prompt with the job's tokenizer and writes the prompt and the sampled continuation to stdout
as it goes. Like nanoGPT's sample.py: the context is cropped to the last blockSize tokens,
the last position's logits are divided by the temperature, only the top k are kept, and one
token is drawn from the softmax. The same model, prompt and seed give the same text on every
machine and backend.

Options:
  --prompt TEXT       text to continue (default: a newline)
  --tokens N          how many tokens to sample (default 200)
  --temperature T     > 0; lower is more conservative (default 0.8)
  --top-k K           sample only among the K most likely tokens (default 200; 0 = all)
  --seed S            u32 seed of the draws (default 1)
  --json              print one JSON object (prompt, text, promptTokenIds, tokenIds, the
                      settings) instead of streaming
${BACKEND_HELP}
  -h, --help          show this help

Example:
  optrain train examples/shakespeare-char.json --out runs/shakespeare
  optrain generate runs/shakespeare --prompt "ROMEO:" --tokens 200
`;

function numberFlag(v: string | boolean | undefined, name: string, dflt: number, ok: (x: number) => boolean, want: string): number {
  if (v === undefined) return dflt;
  const s = String(v);
  const x = Number(s);
  if (s.trim() === '' || !Number.isFinite(x) || !ok(x)) throw new UsageError(`optrain generate: ${name}: expected ${want}, got '${s}'`);
  return x;
}

export const generateCommand: Command = {
  name: 'generate',
  summary: 'sample text from a trained GPT (streams it)',
  usage,
  options: { prompt: { type: 'string' }, tokens: { type: 'string' }, temperature: { type: 'string' }, 'top-k': { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' }, ...BACKEND_OPTIONS },
  async run(args, io) {
    const [dir] = expectPositionals(args, ['<run-dir>'], 'generate');
    const v = args.values;
    const prompt = (v.prompt as string | undefined) ?? '\n';
    const topK = numberFlag(v['top-k'], '--top-k', 200, (x) => Number.isInteger(x) && x >= 0, 'an integer >= 0 (0 = no limit)');
    const o: SampleOptions = {
      tokens: positiveIntFlag(v.tokens, '--tokens', 'generate') ?? 200,
      temperature: numberFlag(v.temperature, '--temperature', 0.8, (x) => x > 0 && Math.fround(x) > 0 && Math.fround(x) < Infinity, 'a number > 0'),
      topK: topK === 0 ? undefined : topK,
      seed: numberFlag(v.seed, '--seed', 1, (x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff, 'an integer in [0, 4294967295]'),
    };
    const choice = backendChoice(args, 'generate');
    const gen = prepareGeneration(dir, prompt, o);
    // Resolved last, so that a bad run directory or prompt is reported before any backend notice.
    const backend = await resolveBackend(choice, io);
    if (v.json) {
      const text = [...gen.pieces(backend)].join('');
      io.stdout.write(JSON.stringify({ prompt, text, promptTokenIds: gen.promptIds, tokenIds: gen.ids, ...o, topK: o.topK ?? null, tokenizer: gen.model.tokenizer.name, backend: backend.name }) + '\n');
      return 0;
    }
    io.stdout.write(prompt);
    for (const piece of gen.pieces(backend)) io.stdout.write(piece);
    io.stdout.write('\n');
    return 0;
  },
};
