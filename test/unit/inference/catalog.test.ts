/** The shipped catalogue matches its schema, and the schema refuses what it must. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CatalogSchema,
  loadCatalog,
  parseCatalog,
} from '../../../electron/node/inference/catalog.ts';
import { InferenceErrorCode } from '../../../electron/node/inference/errors.ts';

describe('model catalogue', () => {
  it('resources/models/catalog.json is valid', async () => {
    const catalog = await loadCatalog();
    assert.ok(catalog.models.length >= 6);
    for (const model of catalog.models) {
      assert.match(model.url, /^https:\/\/huggingface\.co\/[^/]+\/[^/]+\/resolve\/[0-9a-f]{40}\//);
      assert.ok(model.url.endsWith(`/${model.fileName}`));
      assert.ok(model.ramBytes > model.sizeBytes, `${model.id}: RAM covers the weights`);
    }
  });

  it('refuses a bad hash, a duplicate id and unknown fields', async () => {
    const good = await loadCatalog();
    const first = good.models[0]!;
    assert.equal(
      CatalogSchema.safeParse({ ...good, models: [{ ...first, sha256: 'abc' }] }).success,
      false,
    );
    assert.equal(CatalogSchema.safeParse({ ...good, models: [first, first] }).success, false);
    assert.equal(
      CatalogSchema.safeParse({ ...good, models: [{ ...first, extra: 1 }] }).success,
      false,
    );
    assert.equal(
      CatalogSchema.safeParse({ ...good, models: [{ ...first, sha256: null }] }).success,
      true,
    );
    assert.throws(() => parseCatalog({ version: 2 }), { code: InferenceErrorCode.CATALOG_INVALID });
  });
});
