import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveNetwork } from './network-file.ts';

test('--network NAME reads .optrain/NAME.json; bad names and both flags are refused by name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'optrain-network-'));
  const cwd = process.cwd();
  try {
    process.chdir(dir);
    mkdirSync('.optrain');
    const info = { rpcUrl: 'http://127.0.0.1:1', redisUrl: 'redis://127.0.0.1:2', chainId: 7, contracts: { jobMarket: '0x1', disputeGame: '0x2' }, accounts: [] };
    writeFileSync(join('.optrain', 'staging.json'), JSON.stringify(info));
    assert.equal(resolveNetwork({ network: 'staging' }).chainId, 7);
    assert.throws(() => resolveNetwork({ network: '../etc/passwd' }), /--network: expected a network name/);
    assert.throws(() => resolveNetwork({ network: 'prod' }), /devnet file not found: .*prod\.json/);
    assert.throws(() => resolveNetwork({ network: 'staging', devnet: 'x.json' }), /give one of them, not both/);
  } finally {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  }
});
