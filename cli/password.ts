// Passwords for keystores: $OPTRAIN_PASSWORD (scripts, services) or a silent prompt on the
// terminal. The answer is never echoed or logged.
import { read } from 'read';
import { UserError } from '../jobs/errors.ts';

/** The password from $OPTRAIN_PASSWORD, else asked on stderr without echo (twice with `confirm`). */
export async function getPassword(prompt: string, confirm = false): Promise<string> {
  const env = process.env.OPTRAIN_PASSWORD;
  if (env) return env;
  const ask = (p: string) => read({ prompt: p, silent: true, replace: '', output: process.stderr }).then(String);
  const pw = await ask(prompt).catch(() => {
    throw new UserError('password: no terminal to ask on and OPTRAIN_PASSWORD is not set');
  });
  if (pw.length === 0) throw new UserError('password: expected a non-empty password');
  if (confirm && (await ask('Repeat password: ')) !== pw) throw new UserError('password: the two entries differ');
  return pw;
}

/** A secret line (e.g. a private key to import) asked like a password, never echoed. */
export async function getSecret(prompt: string): Promise<string> {
  return (await read({ prompt, silent: true, replace: '', output: process.stderr }).then(String).catch(() => {
    throw new UserError(`${prompt.replace(/:\s*$/, '')}: nothing to read (no terminal and no input)`);
  })).trim();
}
