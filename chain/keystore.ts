// Encrypted JSON keystores (the Web3 Secret Storage format geth and ethers write): how users
// keep a key on a real network. The key and the password never appear in an error message.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { decryptKeystoreJson, encryptKeystoreJson, getAddress, isKeystoreJson, Wallet } from 'ethers';
import { UserError } from '../jobs/errors.ts';

/** scrypt N of new keystores: ethers' (and geth's) default. Tests lower it with OPTRAIN_SCRYPT_N. */
export const DEFAULT_SCRYPT_N = 1 << 17;

export function keystoreDir(): string {
  return resolve(process.env.OPTRAIN_KEYSTORE_DIR || join(homedir(), '.config', 'optrain', 'keystores'));
}

function scryptN(): number {
  const raw = process.env.OPTRAIN_SCRYPT_N;
  if (!raw) return DEFAULT_SCRYPT_N;
  const n = Number(raw);
  // scrypt needs a power of two; below 2^10 a keystore is no protection at all
  if (!Number.isInteger(n) || n < 1024 || (n & (n - 1)) !== 0) throw new UserError(`OPTRAIN_SCRYPT_N: expected a power of two >= 1024, got '${raw}'`);
  return n;
}

/** Encrypt `privateKey` (or a fresh random key) with `password`; returns the address and JSON. */
export async function encryptKey(password: string, privateKey?: string): Promise<{ address: string; json: string }> {
  if (password.length === 0) throw new UserError('keystore password: expected a non-empty password');
  const w = privateKey ? new Wallet(privateKey) : Wallet.createRandom();
  const json = await encryptKeystoreJson({ address: w.address, privateKey: w.privateKey }, password, { scrypt: { N: scryptN() } });
  return { address: w.address, json };
}

/** Write a keystore into `dir` under geth's file name convention; refuses to overwrite. */
export function saveKeystore(json: string, address: string, dir = keystoreDir()): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stamp = new Date().toISOString().replace(/:/g, '-');
  const file = join(dir, `UTC--${stamp}--${address.slice(2).toLowerCase()}.json`);
  if (existsSync(file)) throw new UserError(`${file}: already exists`);
  writeFileSync(file, json + '\n', { mode: 0o600 });
  return file;
}

/** The address a keystore file holds (readable without the password). */
export function keystoreAddress(file: string): string {
  const json = readKeystoreFile(file);
  const addr = (JSON.parse(json) as { address?: string }).address;
  if (!addr) throw new UserError(`${file}: keystore has no 'address' field`);
  return getAddress(addr.startsWith('0x') ? addr : `0x${addr}`);
}

function readKeystoreFile(file: string): string {
  if (!existsSync(file)) throw new UserError(`keystore ${file}: file not found`);
  const json = readFileSync(file, 'utf8');
  if (!isKeystoreJson(json)) throw new UserError(`keystore ${file}: not a JSON keystore (expected Web3 Secret Storage v3 with 'crypto' or 'Crypto')`);
  return json;
}

/** Decrypt a keystore file; a wrong password is one line naming the file. */
export async function decryptKeystoreFile(file: string, password: string): Promise<{ address: string; privateKey: string }> {
  const json = readKeystoreFile(file);
  try {
    const acc = await decryptKeystoreJson(json, password);
    return { address: acc.address, privateKey: acc.privateKey };
  } catch (e) {
    if (/incorrect password/i.test((e as Error).message)) throw new UserError(`keystore ${file}: wrong password`);
    throw new UserError(`keystore ${file}: cannot decrypt (${(e as Error).message.split('\n')[0].split('(')[0].trim()})`);
  }
}

export interface KeystoreEntry {
  file: string;
  address: string;
}

/** Every keystore in `dir` (unreadable or foreign files are skipped), oldest first. */
export function listKeystores(dir = keystoreDir()): KeystoreEntry[] {
  if (!existsSync(dir)) return [];
  const out: KeystoreEntry[] = [];
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name);
    try {
      out.push({ file, address: keystoreAddress(file) });
    } catch {
      // not a keystore: `account list` shows only what `--keystore` could use
    }
  }
  return out;
}
