/** Contract entries for the application itself: version, mode, data folder. */
import { z } from 'zod';
import { defineMethod } from '../define.ts';

export type AppMode = 'electron' | 'web';

export interface AppInfo {
  name: 'Noesis';
  version: string;
  mode: AppMode;
  dataDir: string;
  platform: string;
  nodeVersion: string;
}

export const appMethods = {
  'app.info': defineMethod<Record<string, never>, AppInfo>(z.object({}).strict(), {
    summary: 'Version, run mode (electron or web) and data folder of this node.',
  }),
};
