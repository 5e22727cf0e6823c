/**
 * Reading a password for the CLI: `NOESIS_PASSWORD`, else `--password-file FILE` (first line),
 * else a hidden prompt on the terminal. Without a terminal and without either source, the
 * command fails with one clear line rather than waiting on input nobody will type.
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { NoesisError } from '../errors.ts';

export const PromptErrorCode = {
  /** No password source: no NOESIS_PASSWORD, no --password-file, and no terminal to ask on. */
  NO_PASSWORD: 'CLI_NO_PASSWORD',
  /** The two passwords typed for a new wallet differ. */
  PASSWORD_MISMATCH: 'CLI_PASSWORD_MISMATCH',
  /** A file named on the command line cannot be read. */
  FILE_UNREADABLE: 'CLI_FILE_UNREADABLE',
} as const;

export async function readTextFile(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new NoesisError(
      PromptErrorCode.FILE_UNREADABLE,
      `cannot read the ${what} file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      { file },
    );
  }
}

function hiddenPrompt(question: string): Promise<string> {
  const muted = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  process.stderr.write(question);
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  return new Promise((resolve) => {
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}

export async function readPassword(options: {
  passwordFile?: string | undefined;
  confirm?: boolean;
  label?: string;
}): Promise<string> {
  const fromEnv = process.env.NOESIS_PASSWORD;
  if (fromEnv) return fromEnv;
  if (options.passwordFile) {
    const text = await readTextFile(options.passwordFile, 'password');
    return text.split(/\r?\n/)[0] ?? '';
  }
  if (!process.stdin.isTTY) {
    throw new NoesisError(
      PromptErrorCode.NO_PASSWORD,
      'no password given: set NOESIS_PASSWORD or pass --password-file FILE',
    );
  }
  const label = options.label ?? 'Password';
  const password = await hiddenPrompt(`${label}: `);
  if (options.confirm) {
    const again = await hiddenPrompt(`${label} again: `);
    if (again !== password) {
      throw new NoesisError(PromptErrorCode.PASSWORD_MISMATCH, 'the two passwords differ');
    }
  }
  return password;
}
