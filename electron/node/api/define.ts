/**
 * The shape of one contract entry. A method is its input schema (checked at every boundary:
 * IPC, HTTP, the CLI) plus its result type, carried as a phantom type so the renderer's client and
 * the node's handlers are checked against the same declaration.
 */
import type { z } from 'zod';

export interface MethodSpec<Input, Result> {
  readonly input: z.ZodType<Input>;
  readonly summary: string;
  /** Phantom field: never set at run time, only carries the result type. */
  readonly __result?: Result;
}

export function defineMethod<Input, Result>(
  input: z.ZodType<Input>,
  meta: { summary: string },
): MethodSpec<Input, Result> {
  return { input, summary: meta.summary };
}
