/**
 * How a CLI finds a running node from its data folder: the node writes `<dataDir>/api.json`
 * (mode 0600: it holds the access token) once its API listens, and removes it on shutdown.
 * A file left by a crashed node is recognized by its dead pid and ignored.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../storage/atomic-file.ts';

const ApiFileSchema = z.object({
  url: z.string(),
  origin: z.string(),
  token: z.string(),
  pid: z.number().int(),
});
export type ApiFile = z.infer<typeof ApiFileSchema>;

export function apiFilePath(dataDir: string): string {
  return path.join(dataDir, 'api.json');
}

export async function writeApiFile(dataDir: string, file: ApiFile): Promise<void> {
  await writeFileAtomic(apiFilePath(dataDir), JSON.stringify(file) + '\n', { mode: 0o600 });
}

export async function removeApiFile(dataDir: string): Promise<void> {
  await rm(apiFilePath(dataDir), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running node's API for this data folder, or null when none runs. */
export async function findRunningApi(dataDir: string): Promise<ApiFile | null> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(apiFilePath(dataDir), 'utf8'));
  } catch {
    return null;
  }
  const parsed = ApiFileSchema.safeParse(raw);
  if (!parsed.success || !alive(parsed.data.pid)) return null;
  return parsed.data;
}
