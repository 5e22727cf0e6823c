/** A real pino logger that writes nowhere, for unit tests of modules that log. */
import pino from 'pino';
import type { Logger } from '../../electron/node/logger.ts';

export function quietLogger(): Logger {
  return pino({ level: 'silent' });
}
