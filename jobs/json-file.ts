// Reading JSON files with errors a person can act on: the file name, and for syntax
// errors the line and column (V8 only reports a character offset).
import { readFileSync } from 'node:fs';
import { UserError } from './errors.ts';

/** Read a UTF-8 file; `shown` is how errors name it (default: the path). */
export function readTextFile(path: string, what: string, shown = path): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(code ?? e);
    throw new UserError(`${what} ${shown}: cannot read (${why})`);
  }
}

export function parseJsonText(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const at = /at position (\d+)/.exec(msg);
    const where = at ? lineCol(text, Number(at[1])) : /^Unexpected end of JSON input/.test(msg) ? lineCol(text, text.length) : null;
    const clean = msg.replace(/\s*(in JSON )?at position \d+.*$/, '').replace(/^SyntaxError: /, '');
    throw new UserError(`${path}${where ? `:${where.line}:${where.col}` : ''}: invalid JSON: ${clean}`);
  }
}

export function readJsonFile(path: string, what: string): unknown {
  return parseJsonText(readTextFile(path, what), path);
}

export function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1, col = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      col = 1;
    } else col++;
  }
  return { line, col };
}
