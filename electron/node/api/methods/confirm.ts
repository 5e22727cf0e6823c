/** Contract entries for the signing firewall (see wallet/confirm.ts). */
import { z } from 'zod';
import { defineMethod } from '../define.ts';
import type { SigningRequest } from '../../wallet/confirm.ts';

export const confirmMethods = {
  'confirm.pending': defineMethod<Record<string, never>, SigningRequest[]>(z.object({}).strict(), {
    summary: 'Signing requests waiting for the user, for a UI that connects late.',
  }),
  'confirm.respond': defineMethod<{ id: string; approve: boolean }, { ok: true }>(
    z.object({ id: z.string().uuid(), approve: z.boolean() }).strict(),
    { summary: 'Approve or reject a pending signing request shown to the user.' },
  ),
};
