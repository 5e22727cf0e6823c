/** Contract entries for the user's settings (`<dataDir>/config.json`). */
import { z } from 'zod';
import { defineMethod } from '../define.ts';
import { ConfigSchema, type Config } from '../../config.ts';

/**
 * One section of a patch: every field optional and without its default. (Zod 4's `.partial()`
 * keeps defaults, so `{ p2p: { upnp: false } }` would come back with every other p2p field reset
 * to its default, and saving one switch would wipe the bootstrap list.)
 */
function sectionPatch<T extends z.ZodRawShape>(section: z.ZodObject<T>) {
  const shape = Object.fromEntries(
    Object.entries(section.shape).map(([key, field]) => [
      key,
      ((field instanceof z.ZodDefault ? field.removeDefault() : field) as z.ZodType).optional(),
    ]),
  ) as unknown as { [K in keyof T]: z.ZodOptional<T[K]> };
  return z.object(shape).strict().optional();
}

/** A deep-partial patch, checked again as a whole config before anything is written. */
const patch = z
  .object({
    web: sectionPatch(ConfigSchema.shape.web.unwrap()),
    node: sectionPatch(ConfigSchema.shape.node.unwrap()),
    ui: sectionPatch(ConfigSchema.shape.ui.unwrap()),
    wallet: sectionPatch(ConfigSchema.shape.wallet.unwrap()),
    logs: sectionPatch(ConfigSchema.shape.logs.unwrap()),
    p2p: sectionPatch(ConfigSchema.shape.p2p.unwrap()),
    inference: sectionPatch(ConfigSchema.shape.inference.unwrap()),
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
