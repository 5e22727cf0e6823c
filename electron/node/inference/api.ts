/** The models part of the API: thin calls into ModelsService, input already validated. */
import type { ApiHandlers } from '../api/contract.ts';
import type { ModelsService } from './models-service.ts';

type ModelsMethod = Extract<keyof ApiHandlers, `models.${string}`>;

export function createModelsHandlers(models: ModelsService): Pick<ApiHandlers, ModelsMethod> {
  return {
    'models.catalog': () => models.catalog(),
    'models.hardware': () => models.hardware(),
    'models.list': () => models.list(),
    'models.download': ({ id }) => models.download(id),
    'models.pause': ({ id }) => models.pause(id),
    'models.resume': ({ id }) => models.resume(id),
    'models.cancel': ({ id }) => models.cancel(id),
    'models.delete': ({ id }) => models.delete(id),
    'models.addUrl': (input) =>
      models.addUrl({
        url: input.url,
        ...(input.sha256 !== undefined ? { sha256: input.sha256 } : {}),
        ...(input.fileName !== undefined ? { fileName: input.fileName } : {}),
      }),
    'models.addFile': (input) => models.addFile(input),
    'models.load': ({ id, path, gpuLayers, contextSize, sequences, threads }) =>
      models.load({
        ...(id !== undefined ? { id } : {}),
        ...(path !== undefined ? { path } : {}),
        ...(gpuLayers !== undefined ? { gpuLayers } : {}),
        ...(contextSize !== undefined ? { contextSize } : {}),
        ...(sequences !== undefined ? { sequences } : {}),
        ...(threads !== undefined ? { threads } : {}),
      }),
    'models.unload': () => models.unload(),
    'models.complete': ({ prompt, maxTokens, temperature, seed, chat, requestId }) =>
      models.complete({
        prompt,
        ...(maxTokens !== undefined ? { maxTokens } : {}),
        ...(temperature !== undefined ? { temperature } : {}),
        ...(seed !== undefined ? { seed } : {}),
        ...(chat !== undefined ? { chat } : {}),
        ...(requestId !== undefined ? { requestId } : {}),
      }),
    'models.stopCompletion': async ({ requestId }) => models.stopCompletion(requestId),
    'models.embed': ({ text }) => models.embed(text),
    'models.restartEngine': () => models.restartEngine(),
  };
}
