/**
 * Where a node keeps its files: the per-OS application data folder unless the user names one
 * (`--data-dir`, `NOESIS_DATA_DIR`). Checked for writability before anything else starts, so a
 * folder that cannot be written gives one clear line instead of a stack trace later.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import envPaths from 'env-paths';
import { NoesisError } from './errors.ts';

export const DataDirErrorCode = {
  /** The data folder cannot be created or written. */
  NOT_WRITABLE: 'DATA_DIR_NOT_WRITABLE',
} as const;

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NOESIS_DATA_DIR) return path.resolve(env.NOESIS_DATA_DIR);
  return envPaths('Noesis', { suffix: '' }).data;
}

export async function ensureWritableDataDir(dir: string): Promise<string> {
  const resolved = path.resolve(dir);
  const probe = path.join(resolved, `.write-test-${process.pid}`);
  try {
    await mkdir(resolved, { recursive: true, mode: 0o700 });
    await writeFile(probe, 'ok');
    await rm(probe, { force: true });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new NoesisError(
      DataDirErrorCode.NOT_WRITABLE,
      `data folder ${resolved} cannot be written (${reason})`,
      { dataDir: resolved, reason },
    );
  }
  return resolved;
}
