/**
 * Download benchmark: throughput of `ModelDownloader` (streaming SHA-256, resumable part file,
 * verify, atomic rename) against `curl` for the same file from the same local server on
 * 127.0.0.1. The server runs in its own process so neither client shares its event loop.
 * Prints one table.
 *
 *   node bench/download.ts [--size-mib 1024] [--runs 2]
 *
 * The file is generated in a temp folder and deleted after.
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { open, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ModelDownloader } from '../electron/node/inference/downloader.ts';
import { startTestServer } from '../test/fixtures/http-server.ts';

const { values } = parseArgs({
  options: {
    serve: { type: 'string' },
    'size-mib': { type: 'string', default: '1024' },
    runs: { type: 'string', default: '2' },
  },
});

if (values.serve) {
  // Child: serve the one file and report the URL.
  const server = await startTestServer();
  server.route('/model.gguf', { file: values.serve });
  process.send?.({ url: `${server.url}/model.gguf` });
  process.on('disconnect', () => void server.close().then(() => process.exit(0)));
} else {
  const sizeBytes = Number(values['size-mib']) * 1024 * 1024;
  const runs = Number(values.runs);
  const dir = await mkdtemp(path.join(tmpdir(), 'noesis-bench-dl-'));
  let server: ChildProcess | null = null;
  try {
    // A GGUF-looking file: the magic, then pseudo-random blocks (not compressible, cheap to make).
    const source = path.join(dir, 'source.gguf');
    const hash = createHash('sha256');
    const handle = await open(source, 'w');
    const block = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((i * 2654435761) >>> 0, i);
    for (let written = 0; written < sizeBytes; written += block.length) {
      block.writeUInt32LE(written / block.length, 8);
      if (written === 0) block.write('GGUF\x03\x00\x00\x00', 0, 'latin1');
      const chunk = block.subarray(0, Math.min(block.length, sizeBytes - written));
      hash.update(chunk);
      await handle.write(chunk);
      if (written === 0) block.writeUInt32LE(0, 0);
    }
    await handle.close();
    const sha256 = hash.digest('hex');

    server = fork(fileURLToPath(import.meta.url), ['--serve', source], {
      execArgv: [],
      stdio: 'inherit',
    });
    const url = await new Promise<string>((resolve) =>
      server!.once('message', (m) => resolve((m as { url: string }).url)),
    );

    const exec = promisify(execFile);
    const curlRuns: number[] = [];
    const curlShaRuns: number[] = [];
    const ourRuns: number[] = [];
    const transferRuns: number[] = [];
    for (let run = 0; run < runs; run++) {
      const out = path.join(dir, 'curl.bin');
      const started = performance.now();
      await exec('curl', ['-sS', '-o', out, url]);
      curlRuns.push(sizeBytes / ((performance.now() - started) / 1000));
      // What a verified curl download costs: the transfer, then sha256sum over the file.
      await exec('sha256sum', [out]);
      curlShaRuns.push(sizeBytes / ((performance.now() - started) / 1000));
      await rm(out, { force: true });

      const modelsDir = path.join(dir, `models-${run}`);
      const downloader = new ModelDownloader({ modelsDir, spaceMarginBytes: 0 });
      let verifyAt = 0;
      downloader.on('progress', (p) => {
        if (p.state === 'verifying' && verifyAt === 0) verifyAt = performance.now();
      });
      const t0 = performance.now();
      await downloader.start({
        id: 'bench',
        url,
        fileName: 'bench.gguf',
        sha256,
        expectedSize: sizeBytes,
        sizeExact: true,
      });
      const result = await downloader.wait('bench');
      ourRuns.push(sizeBytes / ((performance.now() - t0) / 1000));
      transferRuns.push(sizeBytes / ((verifyAt - t0) / 1000));
      if (result.sha256 !== sha256) throw new Error('hash mismatch in benchmark');
      await rm(modelsDir, { recursive: true, force: true });
    }
    const best = (xs: number[]) => Math.max(...xs);
    const mb = (bps: number) => (bps / 1e6).toFixed(0).padStart(8);
    console.log(`file: ${values['size-mib']} MiB on 127.0.0.1, best of ${runs} runs each`);
    console.log('| client                                   |    MB/s | vs curl |');
    console.log('|------------------------------------------|---------|---------|');
    console.log(`| curl -o (no verification)                | ${mb(best(curlRuns))} |  100 % |`);
    console.log(
      `| curl -o, then sha256sum                  | ${mb(best(curlShaRuns))} | ${((best(curlShaRuns) / best(curlRuns)) * 100).toFixed(0).padStart(4)} % |`,
    );
    console.log(
      `| ModelDownloader, transfer + sha256 only  | ${mb(best(transferRuns))} | ${((best(transferRuns) / best(curlRuns)) * 100).toFixed(0).padStart(4)} % |`,
    );
    console.log(
      `| ModelDownloader (sha256, verify, rename) | ${mb(best(ourRuns))} | ${((best(ourRuns) / best(curlRuns)) * 100).toFixed(0).padStart(4)} % |`,
    );
  } finally {
    server?.disconnect();
    await rm(dir, { recursive: true, force: true });
  }
}
