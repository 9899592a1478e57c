// `optrain account new|import|list`: encrypted JSON keystores for `--keystore FILE`. Thin: the
// format lives in chain/keystore.ts, the password prompt in cli/password.ts.
import { resolve } from 'node:path';
import { encryptKey, keystoreDir, listKeystores, saveKeystore } from '../../chain/keystore.ts';
import { expectPositionals, type Command, type Io, type ParsedArgs } from '../command.ts';
import { getPassword, getSecret } from '../password.ts';
import { checkPrivateKey, toJson } from './job-network.ts';

const DIR_HELP = `  --dir DIR           keystore directory (default $OPTRAIN_KEYSTORE_DIR or ~/.config/optrain/keystores)
  --json              machine-readable output on stdout
  -h, --help          show this help`;

const PASSWORD_HELP = `The password comes from $OPTRAIN_PASSWORD, else it is asked twice without echo.`;

const dirOf = (args: ParsedArgs) => (args.values.dir ? resolve(String(args.values.dir)) : keystoreDir());

function report(io: Io, args: ParsedArgs, address: string, file: string): number {
  io.stdout.write(args.values.json ? toJson({ address, keystore: file }) + '\n' : `address   ${address}\nkeystore  ${file}\n`);
  return 0;
}

export const accountNewCommand: Command = {
  name: 'account new',
  summary: 'create a new key in an encrypted JSON keystore',
  usage: `Usage: optrain account new [options]

Create a random key, encrypt it with a password (scrypt) and write it as a keystore file;
print its address and file. ${PASSWORD_HELP} The key is never printed.

Options:
${DIR_HELP}
`,
  options: { dir: { type: 'string' }, json: { type: 'boolean' } },
  async run(args, io) {
    expectPositionals(args, [], 'account new');
    const { address, json } = await encryptKey(await getPassword('New password: ', true));
    return report(io, args, address, saveKeystore(json, address, dirOf(args)));
  },
};

export const accountImportCommand: Command = {
  name: 'account import',
  summary: 'encrypt an existing private key into a keystore',
  usage: `Usage: optrain account import [options]

Encrypt an existing private key into a keystore file. The key is read from
$OPTRAIN_PRIVATE_KEY, else asked without echo (or read as one line from stdin), so it never
appears on a command line. ${PASSWORD_HELP}

Options:
${DIR_HELP}
`,
  options: { dir: { type: 'string' }, json: { type: 'boolean' } },
  async run(args, io) {
    const cmd = 'account import';
    expectPositionals(args, [], cmd);
    const fromEnv = process.env.OPTRAIN_PRIVATE_KEY || undefined;
    const key = checkPrivateKey(fromEnv ?? (await getSecret('Private key: ')), fromEnv ? 'OPTRAIN_PRIVATE_KEY' : 'private key', cmd);
    const { address, json } = await encryptKey(await getPassword('New password: ', true), key);
    return report(io, args, address, saveKeystore(json, address, dirOf(args)));
  },
};

export const accountListCommand: Command = {
  name: 'account list',
  summary: 'list the keystores and their addresses',
  usage: `Usage: optrain account list [options]

List the keystore files of the keystore directory with their addresses (no password needed).

Options:
${DIR_HELP}
`,
  options: { dir: { type: 'string' }, json: { type: 'boolean' } },
  async run(args, io) {
    expectPositionals(args, [], 'account list');
    const list = listKeystores(dirOf(args));
    if (args.values.json) io.stdout.write(toJson(list) + '\n');
    else io.stdout.write(list.length === 0 ? `no keystores in ${dirOf(args)}\n` : list.map((k) => `${k.address}  ${k.file}\n`).join(''));
    return 0;
  },
};
