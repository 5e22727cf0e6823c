/**
 * Builds the renderer when dist/renderer is missing or older than any file under renderer/ (the
 * build takes about a second; skipping it keeps repeated runs quick and leaves a build another
 * process is serving alone when nothing changed).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const builtIndex = path.join(repoRoot, 'dist', 'renderer', 'index.html');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const time = entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs;
    if (time > newest) newest = time;
  }
  return newest;
}

export function rendererIsStale(): boolean {
  if (!existsSync(builtIndex)) return true;
  return newestMtime(path.join(repoRoot, 'renderer')) > statSync(builtIndex).mtimeMs;
}

export default function globalSetup(): void {
  if (!rendererIsStale()) return;
  const started = Date.now();
  const result = spawnSync(
    path.join(repoRoot, 'node_modules', '.bin', 'vite'),
    ['build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'],
    { cwd: repoRoot, stdio: 'inherit' },
  );
  if (result.status !== 0) {
    throw new Error(`vite build failed (exit ${result.status ?? result.signal})`);
  }
  console.log(`renderer built in ${Date.now() - started} ms`);
}
