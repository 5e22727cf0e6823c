/** Contract entries for the user's settings (`<dataDir>/config.json`). */
import { z } from 'zod';
import { defineMethod } from '../define.ts';
import { ConfigSchema, type Config } from '../../config.ts';

/** A deep-partial patch, checked again as a whole config before anything is written. */
const patch = z
  .object({
    web: ConfigSchema.shape.web.unwrap().partial().strict().optional(),
    node: ConfigSchema.shape.node.unwrap().partial().strict().optional(),
    ui: ConfigSchema.shape.ui.unwrap().partial().strict().optional(),
    wallet: ConfigSchema.shape.wallet.unwrap().partial().strict().optional(),
    logs: ConfigSchema.shape.logs.unwrap().partial().strict().optional(),
    p2p: ConfigSchema.shape.p2p.unwrap().partial().strict().optional(),
    inference: ConfigSchema.shape.inference.unwrap().partial().strict().optional(),
  })
  .strict();

export type ConfigPatch = z.infer<typeof patch>;

export const configMethods = {
  'config.get': defineMethod<Record<string, never>, Config>(z.object({}).strict(), {
    summary: 'The current settings, with defaults filled in.',
  }),
  'config.update': defineMethod<ConfigPatch, Config>(patch, {
    summary:
      'Change some settings; they are validated, saved atomically and applied at once where they can be (wallet auto-lock, close to tray); web, log and p2p settings apply at the next start.',
  }),
};
