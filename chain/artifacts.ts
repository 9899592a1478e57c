// Contract ABIs and bytecode come from forge's build output (out/<File>.sol/<Name>.json), the
// single source of truth for the Solidity interface; nothing here is hand-copied.
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Interface, type InterfaceAbi } from 'ethers';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const OUT_DIR = join(REPO_ROOT, 'out');

export interface Artifact {
  name: string;
  abi: InterfaceAbi;
  bytecode: string;
}

const cache = new Map<string, Artifact>();

export function artifactPath(name: string, file = `${name}.sol`): string {
  return join(OUT_DIR, file, `${name}.json`);
}

export function hasArtifact(name: string, file?: string): boolean {
  return existsSync(artifactPath(name, file));
}

/** Load a compiled contract; the error says how to produce the artifact when it is missing. */
export function loadArtifact(name: string, file?: string): Artifact {
  const path = artifactPath(name, file);
  const hit = cache.get(path);
  if (hit) return hit;
  if (!existsSync(path)) throw new Error(`contract artifact not found: ${path} (run \`npm run build:contracts\` first)`);
  const json = JSON.parse(readFileSync(path, 'utf8')) as { abi?: InterfaceAbi; bytecode?: { object?: string } };
  if (!json.abi || !json.bytecode?.object) throw new Error(`${path}: not a forge artifact (expected fields abi and bytecode.object)`);
  const art = { name, abi: json.abi, bytecode: json.bytecode.object };
  cache.set(path, art);
  return art;
}

export function loadInterface(name: string, file?: string): Interface {
  return new Interface(loadArtifact(name, file).abi);
}

/** Run `forge build` when the artifacts we need are missing (slow the first time: solc-js). */
export function ensureBuilt(names: string[]): void {
  if (names.every((n) => hasArtifact(n))) return;
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/forge.mjs'), 'build'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`forge build failed (exit ${r.status}):\n${(r.stderr || r.stdout).slice(-2000)}`);
  const missing = names.filter((n) => !hasArtifact(n));
  if (missing.length) throw new Error(`forge build did not produce artifacts for: ${missing.join(', ')}`);
}
