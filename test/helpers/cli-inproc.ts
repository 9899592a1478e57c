// The CLI's own entry point in this process (its exit code, stdout and stderr), every command
// on one devnet file: a fresh node process per command would spend most of a test loading modules.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { main } from '../../cli/main.ts';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function inProcessCli(devnetFile: string): { cli: (...args: string[]) => Promise<CliResult>; ok: (...args: string[]) => Promise<Record<string, any>> } {
  async function cli(...args: string[]): Promise<CliResult> {
    let stdout = '', stderr = '';
    const sink = (add: (s: string) => void) => new Writable({ write(chunk, _enc, cb) { add(String(chunk)); cb(); } });
    const status = await main([...args, '--devnet', devnetFile], { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)) });
    return { status, stdout, stderr };
  }
  /** `optrain ARGS --json`, which must succeed: its parsed output. */
  async function ok(...args: string[]): Promise<Record<string, any>> {
    const r = await cli(...args, '--json');
    // never the arguments themselves: a --private-key would be in them
    assert.equal(r.status, 0, `optrain ${args.filter((a) => !/^0x[0-9a-fA-F]{64}$/.test(a)).join(' ')} failed:\n${r.stderr}`);
    return JSON.parse(r.stdout);
  }
  return { cli, ok };
}
