/** Shared helpers for the wallet tests (not a test file itself). */
import assert from 'node:assert/strict';
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { isNoesisError } from '../../../electron/node/errors.ts';
import type { KeystoreFs } from '../../../electron/node/wallet/keystore.ts';
import { WalletService } from '../../../electron/node/wallet/service.ts';
import type { ScryptParams, WalletServiceOptions } from '../../../electron/node/wallet/types.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

/** Low scrypt cost so tests stay fast; the default parameters are tested once on their own. */
export const FAST_KDF: ScryptParams = { N: 2 ** 10, r: 8, p: 1, dkLen: 32 };

export const PASSWORD = 'correct horse battery';
export const OTHER_PASSWORD = 'another long password';

export interface Setup {
  dir: string;
  service: WalletService;
  logs: Record<string, unknown>[];
  walletFile: (name: string) => string;
}

export async function setup(options: Partial<WalletServiceOptions> = {}): Promise<Setup> {
  const dir = options.dataDir ?? (await tempDir('noesis-wallet-'));
  const logs: Record<string, unknown>[] = [];
  const logger = {
    info: (obj: Record<string, unknown>, msg: string) => logs.push({ ...obj, msg, level: 'info' }),
    warn: (obj: Record<string, unknown>, msg: string) => logs.push({ ...obj, msg, level: 'warn' }),
  };
  const service = new WalletService({
    dataDir: dir,
    autoLockMs: 0,
    kdf: FAST_KDF,
    logger,
    ...options,
  });
  return { dir, service, logs, walletFile: (name) => path.join(dir, 'wallets', `${name}.json`) };
}

export interface Snapshot {
  bytes: Buffer;
  mtimeMs: number;
  ino: number;
}

export async function snapshot(file: string): Promise<Snapshot> {
  const [bytes, st] = await Promise.all([fsp.readFile(file), fsp.stat(file)]);
  return { bytes, mtimeMs: st.mtimeMs, ino: st.ino };
}

/** The file has the same bytes, the same mtime and is the same inode (not rewritten). */
export async function assertUnchanged(file: string, before: Snapshot): Promise<void> {
  const after = await snapshot(file);
  assert.ok(after.bytes.equals(before.bytes), `${file} changed`);
  assert.equal(after.mtimeMs, before.mtimeMs, `${file} mtime changed`);
  assert.equal(after.ino, before.ino, `${file} was replaced`);
}

/** Asserts a promise rejects with a NoesisError of `code`; returns the error's data. */
export async function rejectsWith(
  promise: Promise<unknown>,
  code: string,
): Promise<{ message: string; data: Record<string, unknown> }> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    assert.ok(
      isNoesisError(error, code),
      `expected ${code}, got ${String((error as Error).message ?? error)}`,
    );
    return true;
  });
  const e = caught as { message: string; data: Record<string, unknown> };
  return { message: e.message, data: e.data };
}

export function throwsWith(fn: () => unknown, code: string): Record<string, unknown> {
  let data: Record<string, unknown> = {};
  assert.throws(fn, (error: unknown) => {
    assert.ok(isNoesisError(error, code), `expected ${code}, got ${String(error)}`);
    data = error.data as Record<string, unknown>;
    return true;
  });
  return data;
}

function injected(): Error {
  return Object.assign(new Error('EIO: injected failure'), { code: 'EIO' });
}

/**
 * A file system layer that fails at one step of the atomic write: 'write' writes a few bytes of
 * the temporary file then fails, 'rename' fails the replace, 'link' fails the create.
 */
export function failingFs(step: 'write' | 'rename' | 'link'): KeystoreFs {
  const open = (async (file: string, flags?: string, mode?: number) => {
    const handle = await fsp.open(file, flags, mode);
    if (step !== 'write' || flags !== 'wx') return handle;
    return new Proxy(handle, {
      get(target, key) {
        if (key === 'writeFile') {
          return async (data: Uint8Array) => {
            await target.writeFile(data.subarray(0, 10));
            throw injected();
          };
        }
        const value: unknown = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }) as KeystoreFs['open'];
  return {
    readFile: fsp.readFile,
    readdir: fsp.readdir,
    mkdir: fsp.mkdir,
    unlink: fsp.unlink,
    open,
    rename:
      step === 'rename'
        ? async () => {
            throw injected();
          }
        : fsp.rename,
    link:
      step === 'link'
        ? async () => {
            throw injected();
          }
        : fsp.link,
  };
}

/** Files in the wallets folder (to show no temporary file was left behind). */
export async function walletDirEntries(dir: string): Promise<string[]> {
  try {
    return (await fsp.readdir(path.join(dir, 'wallets'))).sort();
  } catch {
    return [];
  }
}
