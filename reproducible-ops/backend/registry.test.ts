// getBackend: names, thread validation, and the fallback chain native -> wasm -> reference
// with a one-line notice when a build is missing (run in child processes whose env points
// the loaders at files that do not exist).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { getBackend } from './index.ts';
import { referenceBackend } from './reference.ts';
import { loadNativeAddon } from './native.ts';
import { loadWasmRuntime } from './wasm.ts';

const indexPath = fileURLToPath(new URL('./index.ts', import.meta.url));

/** Name of the backend getBackend(name) returns in a child process, and its notices. */
function resolveInChild(name: string, env: Record<string, string>): { backend: string; notices: string[] } {
  const code = `import { getBackend } from ${JSON.stringify(indexPath)};
const notices = [];
const b = await getBackend(${JSON.stringify(name)}, { threads: 1, notice: (m) => notices.push(m) });
console.log(JSON.stringify({ backend: b.name, notices }));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { env: { ...process.env, ...env }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

describe('backend registry', () => {
  it('reference by name; unknown names and bad thread counts are rejected by name', async () => {
    assert.equal(await getBackend('reference'), referenceBackend);
    await assert.rejects(getBackend('cuda' as never), /unknown backend 'cuda': expected one of reference, wasm, native, auto/);
    await assert.rejects(getBackend('native', { threads: 0 }), /threads: expected an integer in \[1, 16\], got 0/);
    await assert.rejects(getBackend('wasm', { threads: 2.5 }), /threads: expected an integer/);
  });

  it('auto picks native when it is built, with the requested threads', { skip: loadNativeAddon() ? false : 'native addon not built' }, async () => {
    const b = await getBackend('auto', { threads: 2 });
    assert.match(b.name, /^native\(.*2 threads\)$/);
  });

  it('a missing native addon falls back to wasm with one notice', { skip: loadWasmRuntime() ? false : 'wasm module not built' }, () => {
    const r = resolveInChild('native', { OPTRAIN_NATIVE_ADDON: '/nonexistent/optrain_native.node' });
    assert.match(r.backend, /^wasm\(/);
    assert.equal(r.notices.length, 1);
    assert.match(r.notices[0], /native backend unavailable \(\/nonexistent\/optrain_native\.node is missing .*\); using wasm/);
  });

  it('with neither build, auto falls back to reference naming both causes', () => {
    const r = resolveInChild('auto', { OPTRAIN_NATIVE_ADDON: '/nonexistent/a.node', OPTRAIN_WASM_MODULE: '/nonexistent/b.wasm' });
    assert.equal(r.backend, 'reference');
    assert.equal(r.notices.length, 2);
    assert.match(r.notices[0], /native backend unavailable .*using reference/);
    assert.match(r.notices[1], /wasm backend unavailable \(\/nonexistent\/b\.wasm is missing/);
  });
});
