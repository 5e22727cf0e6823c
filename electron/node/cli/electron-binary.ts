/**
 * Finds the Electron binary without starting it, and says in plain words why the desktop app
 * cannot open when it cannot: Electron not installed, its binary not downloaded, or no display.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export type ElectronAvailability =
  { available: true; binary: string } | { available: false; reason: string };

export function findElectron(env: NodeJS.ProcessEnv = process.env): ElectronAvailability {
  let packageDir: string;
  try {
    const require = createRequire(import.meta.url);
    packageDir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    return { available: false, reason: 'Electron is not installed' };
  }
  const pathFile = path.join(packageDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const binary = relative ? path.join(packageDir, 'dist', relative) : null;
  if (!binary || !existsSync(binary)) {
    return {
      available: false,
      reason: 'the Electron binary is missing (it could not be downloaded)',
    };
  }
  if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) {
    return {
      available: false,
      reason: 'there is no display (DISPLAY and WAYLAND_DISPLAY are unset)',
    };
  }
  return { available: true, binary };
}
