/**
 * The models a new subnet can name, and a subnet's model by name. A subnet names its model by
 * the file's sha256 (and size), so only files whose hash is known qualify: the models installed
 * here with a hash (their exact size), then the catalogue entries with a published hash not
 * installed yet (the catalogue's size). The catalogue id travels with it so people see a name.
 */
import type { MethodResult } from '../api/index.ts';
import { t } from '../i18n/index.svelte.ts';
import type { SubnetModel } from './subnet-model.ts';

export type CatalogModel = MethodResult<'models.catalog'>['models'][number];
export type InstalledModel = MethodResult<'models.list'>['installed'][number];

export interface ModelChoice {
  /** The sha256: one choice per file. */
  key: string;
  catalogId: string;
  sha256: string;
  sizeBytes: number;
  name: string;
  installed: boolean;
}

/** The chain's rule for a model id (chain/subnet-model.ts MODEL_CATALOG_ID_RE). */
const CATALOG_ID_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

function chainCatalogId(id: string | null | undefined): string {
  return id && CATALOG_ID_RE.test(id) ? id : 'custom';
}

export function modelChoices(
  catalog: readonly CatalogModel[],
  installed: readonly InstalledModel[],
): ModelChoice[] {
  const bySha = new Map(catalog.filter((m) => m.sha256).map((m) => [m.sha256!, m]));
  const choices: ModelChoice[] = [];
  const seen = new Set<string>();
  for (const file of installed) {
    if (!file.sha256 || seen.has(file.sha256)) continue;
    seen.add(file.sha256);
    const entry = bySha.get(file.sha256);
    choices.push({
      key: file.sha256,
      catalogId: chainCatalogId(file.catalogId ?? entry?.id),
      sha256: file.sha256,
      sizeBytes: file.sizeBytes,
      name: entry?.name ?? file.fileName,
      installed: true,
    });
  }
  for (const entry of catalog) {
    if (!entry.sha256 || seen.has(entry.sha256)) continue;
    seen.add(entry.sha256);
    choices.push({
      key: entry.sha256,
      catalogId: chainCatalogId(entry.id),
      sha256: entry.sha256,
      sizeBytes: entry.sizeBytes,
      name: entry.name,
      installed: false,
    });
  }
  return choices;
}

/** "SmolLM2 135M Instruct" for a catalogue id the catalogue knows, else the id or "a custom file". */
export function subnetModelName(model: SubnetModel, catalog: readonly CatalogModel[]): string {
  const entry =
    catalog.find((m) => m.id === model.catalogId) ?? catalog.find((m) => m.sha256 === model.sha256);
  if (entry) return entry.name;
  return model.catalogId === 'custom' ? t('subnetModel.custom') : model.catalogId;
}
