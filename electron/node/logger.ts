/**
 * Structured logs: JSON lines to a size-rotated file in `<dataDir>/logs/`, and the same lines to
 * an in-memory ring that feeds the Logs view and the `log` event. Secrets are redacted by key
 * name before anything is written, so a careless `log.info({ password })` still leaks nothing.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';
import type { LogLevel } from './config.ts';

export type { Logger };

export interface LogLine {
  /** Milliseconds since the epoch. */
  time: number;
  level: LogLevel;
  msg: string;
  module: string | null;
  data: Record<string, unknown>;
}

const LEVEL_NAMES: Record<number, LogLevel> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

const SECRET_KEYS = [
  'password',
  'newPassword',
  'oldPassword',
  'mnemonic',
  'secret',
  'secretKey',
  'privateKey',
  'seed',
  'token',
];
export const REDACT_PATHS = [...SECRET_KEYS, ...SECRET_KEYS.map((key) => `*.${key}`)];

/** Keeps the newest lines in memory and tells listeners about each one. */
export class LogRing extends EventEmitter<{ line: [LogLine] }> {
  readonly capacity: number;
  private readonly lines: LogLine[] = [];

  constructor(capacity = 2000) {
    super();
    this.capacity = capacity;
  }

  push(line: LogLine): void {
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.shift();
    this.emit('line', line);
  }

  recent(limit = 200): LogLine[] {
    return this.lines.slice(-limit);
  }
}

function toLogLine(json: string): LogLine | null {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return null;
  }
  const { time, level, msg, module, pid: _pid, hostname: _hostname, ...data } = record;
  return {
    time: typeof time === 'number' ? time : Date.now(),
    level: LEVEL_NAMES[Number(level)] ?? 'info',
    msg: typeof msg === 'string' ? msg : '',
    module: typeof module === 'string' ? module : null,
    data,
  };
}

export interface NodeLogger {
  logger: Logger;
  ring: LogRing;
  logFile: string;
  close(): Promise<void>;
}

export function createNodeLogger(options: {
  dataDir: string;
  level: LogLevel;
  maxFileBytes: number;
  maxFiles: number;
}): NodeLogger {
  const logDir = path.join(options.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const file: RotatingFileStream = createStream('noesis.log', {
    path: logDir,
    size: `${Math.max(1, Math.floor(options.maxFileBytes / 1024))}K`,
    maxFiles: options.maxFiles,
    mode: 0o600,
  });
  const ring = new LogRing();
  const ringStream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      for (const text of chunk.toString().split('\n')) {
        if (!text) continue;
        const line = toLogLine(text);
        if (line) ring.push(line);
      }
      callback();
    },
  });
  const logger = pino(
    {
      level: options.level,
      base: null,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    pino.multistream([
      { level: options.level, stream: file },
      { level: options.level, stream: ringStream },
    ]),
  );
  return {
    logger,
    ring,
    logFile: path.join(logDir, 'noesis.log'),
    close: () =>
      new Promise<void>((resolve) => {
        logger.flush();
        file.end(() => resolve());
      }),
  };
}
