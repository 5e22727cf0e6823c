/** Fit and recommendation from hardware figures: GPU, split, CPU, does not fit. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCatalog } from '../../../electron/node/inference/catalog.ts';
import {
  describeFit,
  estimateFit,
  recommendModel,
} from '../../../electron/node/inference/hardware.ts';
import type { HardwareInfo } from '../../../electron/node/inference/types.ts';

const GB = 1e9;

function machine(
  ramFree: number,
  gpu?: { kind: 'cuda' | 'metal'; vramFree: number },
): HardwareInfo {
  return {
    cpu: { model: 'test', threads: 8, mathCores: 8 },
    ram: { totalBytes: ramFree * 1.5, freeBytes: ramFree },
    gpu: {
      kind: gpu?.kind ?? 'none',
      devices: gpu ? ['Test GPU'] : [],
      vramTotalBytes: gpu?.vramFree ?? 0,
      vramFreeBytes: gpu?.vramFree ?? 0,
      unified: false,
      reason: gpu ? null : 'no-backend',
    },
    engine: { library: 'llama.cpp', version: 'test', supportsGpuOffloading: gpu !== undefined },
  };
}

const model = { ramBytes: 4 * GB, vramBytes: 4 * GB, layers: 31 };

describe('hardware fit', () => {
  it('runs fully on a GPU with room', () => {
    const fit = estimateFit(model, machine(16 * GB, { kind: 'cuda', vramFree: 8 * GB }));
    assert.deepEqual([fit.fits, fit.device, fit.gpuLayers], [true, 'gpu', 31]);
    assert.equal(describeFit(fit), 'runs on GPU: 31 of 31 layers');
  });

  it('splits layers when VRAM is short', () => {
    const fit = estimateFit(model, machine(16 * GB, { kind: 'cuda', vramFree: 2 * GB }));
    assert.equal(fit.device, 'gpu+cpu');
    assert.ok(fit.gpuLayers > 10 && fit.gpuLayers < 31);
    assert.match(describeFit(fit), /^runs on GPU: \d+ of 31 layers, the rest on the CPU$/);
  });

  it('runs on the CPU without a GPU, and says when it does not fit', () => {
    assert.equal(estimateFit(model, machine(16 * GB)).device, 'cpu');
    const fit = estimateFit(model, machine(2 * GB));
    assert.deepEqual([fit.fits, fit.reason], [false, 'ram']);
  });

  it('preselects the largest GPU fit, else a comfortable CPU size', async () => {
    const { models } = await loadCatalog();
    const big = recommendModel(models, machine(64 * GB, { kind: 'cuda', vramFree: 24 * GB }));
    assert.equal(big, 'qwen2.5-7b-instruct-q4_k_m');
    const cpu = recommendModel(models, machine(16 * GB));
    const chosen = models.find((m) => m.id === cpu)!;
    assert.ok(chosen.sizeBytes <= 2.5e9);
    const small = machine(16 * GB);
    small.cpu.threads = 2;
    assert.equal(recommendModel(models, small), 'qwen2.5-0.5b-instruct-q4_k_m');
    assert.equal(recommendModel(models, machine(0.1 * GB)), null);
  });
});
