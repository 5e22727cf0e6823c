/**
 * A fresh temporary folder, removed when the test process exits. (Registering the cleanup with
 * node:test's `after` would bind it to whichever hook or test is running, which inside a `before`
 * hook removes the folder as soon as the hook ends.)
 */
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const created: string[] = [];
process.once('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

export async function tempDir(prefix = 'noesis-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}
