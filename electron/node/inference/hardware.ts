/**
 * Fit of catalogue models to this machine, from the hardware the engine reports (CPU, RAM, the GPU
 * backend llama.cpp loaded and its free VRAM). Pure functions over plain data: the numbers come from
 * the engine worker (`InferenceEngine.hardware()`), so node-llama-cpp stays inside that process.
 *
 * For a file not yet downloaded the estimate uses the catalogue's RAM/VRAM figures; once installed,
 * `InferenceEngine.inspect()` replaces it with llama.cpp's own estimate from the GGUF header.
 */
import type { CatalogEntry } from './catalog.ts';
import type { HardwareInfo, ModelFit } from './types.ts';

/** VRAM left unused for the desktop, other apps and llama.cpp's scratch buffers. */
export const VRAM_HEADROOM_FRACTION = 0.1;
/** RAM we never plan to use, so the OS and the node itself keep room. */
export const RAM_HEADROOM_BYTES = 512 * 1024 * 1024;
/**
 * On a CPU-only machine, bigger files than this answer too slowly to be the default choice: about
 * 300 MB of weights per CPU thread (decode speed is memory-bound and scales with cores), capped.
 */
export function cpuComfortBytes(threads: number): number {
  return Math.min(2.5e9, Math.max(0.4e9, threads * 0.3e9));
}

type FitInput = Pick<CatalogEntry, 'ramBytes' | 'vramBytes' | 'layers'>;

export function estimateFit(entry: FitInput, hw: HardwareInfo): ModelFit {
  const totalLayers = entry.layers;
  const ramAvailable = Math.max(0, hw.ram.freeBytes - RAM_HEADROOM_BYTES);
  const base = { totalLayers, source: 'catalog' as const };
  if (hw.gpu.kind !== 'none' && hw.engine.supportsGpuOffloading) {
    const vramAvailable = hw.gpu.vramFreeBytes * (1 - VRAM_HEADROOM_FRACTION);
    if (entry.vramBytes <= vramAvailable) {
      return { ...base, fits: true, device: 'gpu', gpuLayers: totalLayers, reason: null };
    }
    // One slice per repeating layer plus one for the embeddings/output, which stay on the CPU.
    const perLayer = entry.vramBytes / (totalLayers + 1);
    const gpuLayers = Math.max(0, Math.min(totalLayers - 1, Math.floor(vramAvailable / perLayer)));
    const ramNeeded = entry.ramBytes * (1 - gpuLayers / (totalLayers + 1));
    if (gpuLayers > 0 && ramNeeded <= ramAvailable) {
      return { ...base, fits: true, device: 'gpu+cpu', gpuLayers, reason: null };
    }
  }
  if (entry.ramBytes <= ramAvailable) {
    return { ...base, fits: true, device: 'cpu', gpuLayers: 0, reason: null };
  }
  return { ...base, fits: false, device: null, gpuLayers: 0, reason: 'ram' };
}

/**
 * The entry to preselect: the largest that runs fully on the GPU; without one, the largest that
 * fits and stays under a comfortable size for the CPU; failing that, the smallest that fits.
 */
export function recommendModel<E extends FitInput & { id: string; sizeBytes: number }>(
  entries: readonly E[],
  hw: HardwareInfo,
): string | null {
  const withFit = entries.map((entry) => ({ entry, fit: estimateFit(entry, hw) }));
  const bySizeDesc = [...withFit].sort((a, b) => b.entry.sizeBytes - a.entry.sizeBytes);
  const onGpu = bySizeDesc.find((x) => x.fit.device === 'gpu');
  if (onGpu) return onGpu.entry.id;
  const comfortable = bySizeDesc.find(
    (x) =>
      x.fit.fits &&
      x.entry.sizeBytes <= cpuComfortBytes(hw.cpu.threads) &&
      x.entry.ramBytes <= hw.ram.totalBytes / 2,
  );
  if (comfortable) return comfortable.entry.id;
  const smallest = [...bySizeDesc].reverse().find((x) => x.fit.fits);
  return smallest ? smallest.entry.id : null;
}

/** "runs on GPU: 28 of 32 layers", for logs and the CLI (the UI formats its own). */
export function describeFit(fit: ModelFit): string {
  if (!fit.fits) return 'does not fit in memory';
  if (fit.device === 'gpu') return `runs on GPU: ${fit.gpuLayers} of ${fit.totalLayers} layers`;
  if (fit.device === 'gpu+cpu') {
    return `runs on GPU: ${fit.gpuLayers} of ${fit.totalLayers} layers, the rest on the CPU`;
  }
  return 'runs on the CPU';
}
