/**
 * The curated model catalogue (`resources/models/catalog.json`): real instruction-tuned GGUF builds
 * from their public Hugging Face repositories, each pinned to a commit so that the SHA-256 stated
 * on that commit's file page stays true. `sha256` is null where no published value is known; the
 * downloader then takes the one the server reports, or checks size and GGUF header only.
 * `sizeBytes` is the publisher's rounded figure where `sizeExact` is false: it sizes the disk-space
 * check and the UI, while the exact size comes from the server.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { InferenceErrorCode, inferenceError } from './errors.ts';

export const CatalogEntrySchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,63}$/),
    name: z.string().min(1),
    family: z.string().min(1),
    parameters: z.string().min(1),
    quantization: z.string().regex(/^(F32|F16|BF16|Q\d_[A-Z0-9_]+|IQ\d_[A-Z0-9_]+)$/),
    fileName: z.string().regex(/^[^/\\]+\.gguf$/),
    url: z.url({ protocol: /^https?$/ }),
    source: z.url(),
    sizeBytes: z.number().int().positive(),
    sizeExact: z.boolean(),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .nullable(),
    contextLength: z.number().int().positive(),
    layers: z.number().int().positive(),
    license: z.string().min(1),
    /** RAM to run on the CPU at `estimateContextSize` tokens of context. */
    ramBytes: z.number().int().positive(),
    /** VRAM to run fully on a GPU at `estimateContextSize` tokens of context. */
    vramBytes: z.number().int().positive(),
  })
  .strict();

export const CatalogSchema = z
  .object({
    version: z.literal(1),
    estimateContextSize: z.number().int().positive(),
    models: z.array(CatalogEntrySchema).min(1),
  })
  .strict()
  .refine((c) => new Set(c.models.map((m) => m.id)).size === c.models.length, {
    message: 'duplicate model id',
  });

export type CatalogEntry = z.infer<typeof CatalogEntrySchema>;
export type Catalog = z.infer<typeof CatalogSchema>;

export const DEFAULT_CATALOG_PATH = fileURLToPath(
  new URL('../../../resources/models/catalog.json', import.meta.url),
);

export function parseCatalog(raw: unknown): Catalog {
  const parsed = CatalogSchema.safeParse(raw);
  if (!parsed.success) {
    throw inferenceError(InferenceErrorCode.CATALOG_INVALID, 'the model catalogue is invalid', {
      issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    });
  }
  return parsed.data;
}

export async function loadCatalog(file: string = DEFAULT_CATALOG_PATH): Promise<Catalog> {
  return parseCatalog(JSON.parse(await readFile(file, 'utf8')));
}
