/**
 * The node's config file (`<dataDir>/config.json`): validated with defaults, so a missing file
 * is the defaults and a wrong value is one clear error naming the field. Written atomically.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { NoesisError } from './errors.ts';
import { writeFileAtomic } from './storage/atomic-file.ts';

export const ConfigErrorCode = {
  /** config.json is not valid JSON or a value is out of range; `data.field` names it. */
  INVALID: 'CONFIG_INVALID',
} as const;

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_WEB_PORT = 7420;
/** The p2p TCP port a node listens on unless told otherwise (a free one when it is taken). */
export const DEFAULT_P2P_PORT = 30333;

export const ConfigSchema = z
  .object({
    web: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(DEFAULT_WEB_PORT),
      })
      .strict()
      .prefault({}),
    node: z
      .object({
        /** Start the node when the app starts, unless the user stopped it last time. */
        autoStart: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    ui: z
      .object({
        /** Closing the window keeps a running node going in the tray. */
        closeToTray: z.boolean().default(true),
        theme: z.enum(['system', 'light', 'dark']).default('system'),
        locale: z.enum(['en', 'fr']).default('en'),
      })
      .strict()
      .prefault({}),
    wallet: z
      .object({
        /** Minutes of inactivity after which an unlocked wallet locks itself; 0 never. */
        autoLockMinutes: z
          .number()
          .int()
          .min(0)
          .max(24 * 60)
          .default(15),
      })
      .strict()
      .prefault({}),
    p2p: z
      .object({
        /** Take part in the network at all (off: the chain runs alone, nothing listens). */
        enabled: z.boolean().default(true),
        /** Listen multiaddrs; the default port falls back to a free one when taken. */
        listen: z
          .array(z.string().min(1).max(256))
          .max(16)
          .default([`/ip4/0.0.0.0/tcp/${DEFAULT_P2P_PORT}`]),
        /** Peers dialled at start and re-dialled when none is left, each …/p2p/<peerId>. */
        bootstrap: z.array(z.string().min(1).max(512)).max(64).default([]),
        /** Find peers on the local network (multicast DNS). */
        mdns: z.boolean().default(true),
        /** Ask the home router to forward the p2p port (UPnP). */
        upnp: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    inference: z
      .object({
        /**
         * CPU threads llama.cpp uses; 0 lets it choose. A devnet runs several nodes on one
         * machine and gives each 1 (tiny models also run far faster on one thread).
         */
        threads: z.number().int().min(0).max(256).default(0),
      })
      .strict()
      .prefault({}),
    logs: z
      .object({
        level: z.enum(LOG_LEVELS).default('info'),
        maxFileBytes: z
          .number()
          .int()
          .min(64 * 1024)
          .default(10 * 1024 * 1024),
        maxFiles: z.number().int().min(1).max(100).default(5),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;

export function configPath(dataDir: string): string {
  return path.join(dataDir, 'config.json');
}

export function parseConfig(raw: unknown, file = 'config.json'): Config {
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join('.') || '(root)';
    throw new NoesisError(
      ConfigErrorCode.INVALID,
      `${file}: invalid value for "${field}": ${issue?.message ?? 'invalid'}`,
      { file, field },
    );
  }
  return parsed.data;
}

export async function loadConfig(dataDir: string): Promise<Config> {
  const file = configPath(dataDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return parseConfig({}, file);
    throw error;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new NoesisError(ConfigErrorCode.INVALID, `${file}: not valid JSON`, {
      file,
      field: '(root)',
    });
  }
  return parseConfig(raw, file);
}

export async function saveConfig(dataDir: string, config: Config): Promise<void> {
  const checked = parseConfig(config);
  await writeFileAtomic(configPath(dataDir), JSON.stringify(checked, null, 2) + '\n');
}
