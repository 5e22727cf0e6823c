/**
 * Which model file a miner (or validator) runs: the installed file whose sha256 the subnet names.
 * A subnet model that is not on disk is MODEL_MISSING (the UI offers the download); a copy of the
 * same catalogue model that is not the named file is MODEL_NOT_ACCEPTED. Real ModelsService on a
 * temporary folder with generated GGUF files.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { ModelsService } from '../../../electron/node/inference/models-service.ts';
import { findModelFile } from '../../../electron/node/roles/miner.ts';
import type { RolesContext } from '../../../electron/node/roles/context.ts';
import { DEFAULT_MODEL_RULES } from '../../../electron/node/chain/subnet-model.ts';
import { writeTinyLlama } from '../../fixtures/gguf/index.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

const sha = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

test('the subnet model is found by sha256, else missing or not accepted', async (t) => {
  const dir = await tempDir();
  const a = path.join(dir, 'a.gguf');
  const b = path.join(dir, 'b.gguf');
  await writeTinyLlama(a, { seed: 1 });
  await writeTinyLlama(b, { seed: 2 });
  const models = new ModelsService({ dataDir: path.join(dir, 'data') });
  t.after(() => models.stop());
  const installed = await models.addFile({ path: a });
  const ctx = { models } as unknown as RolesContext;
  const model = (sha256: string, catalogId = 'custom') => ({
    ...DEFAULT_MODEL_RULES,
    catalogId,
    sha256,
    sizeBytes: 1,
  });

  assert.equal(await findModelFile(ctx, model(await sha(a))), installed.path);
  await assert.rejects(findModelFile(ctx, model(await sha(b))), { code: 'ROLE_MODEL_MISSING' });

  // The installed file claims to be the catalogue's model, but the subnet names another file.
  const index = path.join(dir, 'data', 'models', 'models.json');
  const raw = JSON.parse(await readFile(index, 'utf8')) as {
    models: Array<{ catalogId: string | null }>;
  };
  raw.models[0]!.catalogId = 'smollm2-135m-instruct-q8_0';
  await writeFile(index, JSON.stringify(raw));
  const fresh = new ModelsService({ dataDir: path.join(dir, 'data') });
  t.after(() => fresh.stop());
  await assert.rejects(
    findModelFile(
      { models: fresh } as unknown as RolesContext,
      model(await sha(b), 'smollm2-135m-instruct-q8_0'),
    ),
    { code: 'ROLE_MODEL_NOT_ACCEPTED' },
  );
});
