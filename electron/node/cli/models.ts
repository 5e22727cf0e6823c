/**
 * `noesis models ...`: list the catalogue with each model's fit to this machine, download a model
 * (resumable: Ctrl-C pauses, the next run resumes), and run a GGUF file on a prompt. Works on the
 * data folder directly, so it needs no running node.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { defaultDataDir, ensureWritableDataDir } from '../data-dir.ts';
import { formatBytes } from '../inference/downloader.ts';
import { ModelsService } from '../inference/models-service.ts';
import type { DownloadProgress } from '../inference/types.ts';

interface CommonOptions {
  dataDir?: string;
  json?: boolean;
  gpu?: 'auto' | 'off';
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function parseGpu(value: string): 'auto' | 'off' {
  if (value !== 'auto' && value !== 'off') throw new InvalidArgumentError('must be auto or off');
  return value;
}

async function openModels(options: CommonOptions): Promise<ModelsService> {
  const dataDir = await ensureWritableDataDir(options.dataDir ?? defaultDataDir());
  return new ModelsService({ dataDir, engine: { gpu: options.gpu === 'off' ? false : 'auto' } });
}

function progressLine(p: DownloadProgress): string {
  const done = formatBytes(p.receivedBytes);
  const total = p.totalBytes ? formatBytes(p.totalBytes) : '?';
  const percent = p.percent === null ? '' : `${p.percent.toFixed(1)} % `;
  const speed = p.bytesPerSecond > 0 ? ` ${formatBytes(p.bytesPerSecond)}/s` : '';
  const eta = p.etaSeconds === null ? '' : ` ${formatDuration(p.etaSeconds)} left`;
  return `${p.state} ${percent}(${done} of ${total})${speed}${eta}`;
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

export function addModelsCommands(program: Command): void {
  const models = program.command('models').description('local models: catalogue, downloads, run');

  models
    .command('list')
    .description('the catalogue with what fits this computer, installed models and downloads')
    .option('--data-dir <dir>', 'data folder (default: the per-OS application data folder)')
    .option('--gpu <mode>', 'auto (default) or off', parseGpu)
    .option('--json', 'print JSON')
    .action(async (options: CommonOptions) => {
      const service = await openModels(options);
      try {
        const [catalog, list] = await Promise.all([service.catalog(), service.list()]);
        if (options.json) {
          process.stdout.write(JSON.stringify({ ...catalog, ...list }, null, 2) + '\n');
          return;
        }
        const hw = catalog.hardware;
        if (hw) {
          const gpu =
            hw.gpu.kind === 'none'
              ? `no GPU (${hw.gpu.reason ?? 'none'})`
              : `${hw.gpu.kind} ${hw.gpu.devices.join(', ')}, ${formatBytes(hw.gpu.vramFreeBytes)} VRAM free`;
          process.stdout.write(
            `${hw.cpu.model}, ${hw.cpu.threads} threads, ${formatBytes(hw.ram.freeBytes)} RAM free, ${gpu}\n\n`,
          );
        } else if (catalog.hardwareError) {
          process.stdout.write(`hardware unknown: ${catalog.hardwareError.message}\n\n`);
        }
        for (const m of catalog.models) {
          const mark = m.recommended ? '*' : ' ';
          const state = m.installedId
            ? 'installed'
            : m.download
              ? `${m.download.state} ${m.download.percent ?? 0} %`
              : '';
          process.stdout.write(
            `${mark} ${m.id.padEnd(32)} ${formatBytes(m.sizeBytes).padStart(9)}  ${(m.fitText ?? '').padEnd(40)} ${state}\n`,
          );
        }
        const others = list.installed.filter((m) => !m.catalogId);
        for (const m of others) {
          process.stdout.write(
            `  ${m.id.padEnd(32)} ${formatBytes(m.sizeBytes).padStart(9)}  ${m.fileName} (${m.source})\n`,
          );
        }
        if (catalog.recommendedId) process.stdout.write(`\n* recommended for this computer\n`);
      } finally {
        await service.stop();
      }
    });

  models
    .command('download')
    .description('download a catalogue model; Ctrl-C pauses, running it again resumes')
    .argument('<id>', 'catalogue id (see `noesis models list`)')
    .option('--data-dir <dir>', 'data folder (default: the per-OS application data folder)')
    .option('--json', 'print progress as JSON lines')
    .action(async (id: string, options: CommonOptions) => {
      const service = await openModels(options);
      const print = (p: DownloadProgress) => {
        if (options.json) process.stdout.write(JSON.stringify(p) + '\n');
        else process.stderr.write(`\r${progressLine(p)}\x1b[K`);
      };
      let lastPrint = 0;
      service.on('download', (p) => {
        if (p.id !== id) return;
        const now = Date.now();
        if (p.state === 'downloading' && now - lastPrint < 500) return;
        lastPrint = now;
        print(p);
      });
      const onSignal = () => {
        void service.pause(id).finally(() => {
          process.stderr.write('\npaused; run the same command again to resume\n');
          process.exit(130);
        });
      };
      process.once('SIGINT', onSignal);
      try {
        await service.list();
        const started = await service.download(id);
        if (started.receivedBytes > 0 && started.totalBytes && !options.json) {
          process.stderr.write(
            `resumed at ${Math.floor((started.receivedBytes / started.totalBytes) * 100)} %\n`,
          );
        }
        const result = await service.downloader.wait(started.id);
        if (!options.json) {
          process.stderr.write('\n');
          process.stdout.write(
            `installed ${result.path} (${formatBytes(result.sizeBytes)}, verified by ${result.verifiedBy}, sha256 ${result.sha256})\n`,
          );
        }
      } finally {
        process.off('SIGINT', onSignal);
        await service.stop();
      }
    });

  models
    .command('run')
    .description('load a GGUF model (a file path or an installed id) and complete a prompt')
    .argument('<file>', 'path of a .gguf file, or the id of an installed model')
    .requiredOption('--prompt <text>', 'the prompt')
    .option('--max-tokens <n>', 'tokens to generate (default 128)', parsePositiveInt)
    .option('--threads <n>', 'CPU threads', parsePositiveInt)
    .option('--chat', "apply the model's chat template")
    .option('--gpu <mode>', 'auto (default) or off', parseGpu)
    .option('--data-dir <dir>', 'data folder (default: the per-OS application data folder)')
    .option('--json', 'print the result as JSON instead of streaming text')
    .action(
      async (
        file: string,
        options: CommonOptions & {
          prompt: string;
          maxTokens?: number;
          threads?: number;
          chat?: boolean;
        },
      ) => {
        const service = await openModels(options);
        try {
          const isPath = /[/\\]|\.gguf$/i.test(file);
          const loaded = await service.load({
            ...(isPath ? { path: file } : { id: file }),
            ...(options.threads ? { threads: options.threads } : {}),
          });
          if (!options.json) {
            process.stderr.write(
              `loaded ${loaded.name ?? file}: ${loaded.device}, ${loaded.gpuLayers} of ${loaded.totalLayers} layers on the GPU (${loaded.backend}), ${loaded.loadMs} ms\n`,
            );
          }
          const result = await service.complete(
            {
              prompt: options.prompt,
              maxTokens: options.maxTokens ?? 128,
              ...(options.chat ? { chat: true } : {}),
            },
            options.json ? undefined : (text) => process.stdout.write(text),
          );
          if (options.json) {
            process.stdout.write(JSON.stringify({ model: loaded, result }, null, 2) + '\n');
          } else {
            process.stdout.write('\n');
            process.stderr.write(
              `${result.promptTokens} prompt tokens, ${result.completionTokens} generated, ` +
                `${result.tokensPerSecond ?? '?'} tokens/s, first token ${result.ttftMs ?? '?'} ms (${result.stopReason})\n`,
            );
          }
        } finally {
          await service.stop();
        }
      },
    );
}
