/**
 * `npm run build:electron`: bundles the Electron main process and its preload with esbuild.
 *
 * - `electron/main.ts` → `dist/electron/main.js`: ESM (the root package.json says
 *   `"type": "module"`), for Electron's Node 24. Our own sources are bundled; every npm package
 *   stays external and is loaded from node_modules (electron-builder packs the production
 *   dependencies), so native and wasm packages (sql.js, node-llama-cpp) and packages that
 *   resolve files at run time (pino's workers) keep working. The build fails if the bundle
 *   imports a package that is not in `dependencies`: it would be missing from the packaged app.
 * - `electron/preload.ts` → `dist/electron/preload.cjs`: CommonJS, because a sandboxed preload
 *   cannot be an ES module; it may require nothing but `electron`.
 *
 * A source file that finds a file relative to itself (`new URL('../../x', import.meta.url)`)
 * would look relative to the bundle instead; such URLs are rewritten here so they point at the
 * same file from `dist/electron/`. Forms that cannot be rewritten (`import.meta.dirname`,
 * `import.meta.filename`, a non-literal path) fail the build instead of breaking at run time.
 */
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const defaultOutDir = path.join(root, 'dist', 'electron');

const RELATIVE_URL = /new URL\(\s*(['"`])([^'"`$]+)\1\s*,\s*import\.meta\.url\s*\)/g;
const UNMOVABLE =
  /import\.meta\.(dirname|filename)\b|new URL\(\s*[^'"`\s][^,]*,\s*import\.meta\.url\s*\)/;

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/** Rewrites `new URL('<rel>', import.meta.url)` so it names the same file from `outDir`. */
export function relocateImportMetaUrls(source: string, file: string, bundleDir: string): string {
  return source.replace(RELATIVE_URL, (match, quote: string, relative: string) => {
    if (!relative.startsWith('.')) return match;
    const target = path.resolve(path.dirname(file), relative);
    let moved = toPosix(path.relative(bundleDir, target)) || '.';
    if (!moved.startsWith('.')) moved = `./${moved}`;
    if (relative.endsWith('/') && !moved.endsWith('/')) moved += '/';
    return `new URL(${quote}${moved}${quote}, import.meta.url)`;
  });
}

const relocatePlugin = (outDir: string): esbuild.Plugin => ({
  name: 'relocate-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?ts$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = await readFile(args.path, 'utf8');
      const unmovable = UNMOVABLE.exec(source);
      if (unmovable) {
        return {
          errors: [
            {
              text: `${path.relative(root, args.path)}: "${unmovable[0]}" cannot be relocated into the bundle; use new URL('<relative path>', import.meta.url)`,
            },
          ],
        };
      }
      return { contents: relocateImportMetaUrls(source, args.path, outDir), loader: 'ts' };
    });
  },
});

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

function isBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0] ?? '');
}

/** The packages a bundle imports at run time (not node builtins). */
function externalPackages(metafile: esbuild.Metafile): Set<string> {
  const names = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const imported of output.imports) {
      if (imported.external && !isBuiltin(imported.path)) names.add(packageName(imported.path));
    }
  }
  return names;
}

/** Builds both bundles into `outDir` (default `dist/electron`); resolves the files written. */
export async function buildElectron(outDir: string = defaultOutDir): Promise<string[]> {
  const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const dependencies = new Set(Object.keys(manifest.dependencies ?? {}));

  const main = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['electron/main.ts'],
    outfile: path.join(outDir, 'main.js'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    packages: 'external',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    plugins: [relocatePlugin(outDir)],
  });
  const missing = [...externalPackages(main.metafile)].filter(
    (name) => name !== 'electron' && !dependencies.has(name),
  );
  if (missing.length > 0) {
    throw new Error(
      `dist/electron/main.js imports ${missing.join(', ')}, not in package.json dependencies: the packaged app would lack them`,
    );
  }

  const preload = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['electron/preload.ts'],
    outfile: path.join(outDir, 'preload.cjs'),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'es2024',
    external: ['electron'],
    sourcemap: 'inline',
    metafile: true,
    logLevel: 'warning',
  });
  const preloadImports = [...externalPackages(preload.metafile)].filter((n) => n !== 'electron');
  const preloadBuiltins = Object.values(preload.metafile.outputs)
    .flatMap((output) => output.imports)
    .filter((imported) => imported.external && isBuiltin(imported.path));
  if (preloadImports.length > 0 || preloadBuiltins.length > 0) {
    throw new Error('dist/electron/preload.cjs may require only electron (it runs sandboxed)');
  }

  return [...Object.keys(main.metafile.outputs), ...Object.keys(preload.metafile.outputs)]
    .filter((file) => !file.endsWith('.map'))
    .map((file) => path.resolve(root, file));
}

if (import.meta.main) {
  try {
    for (const file of await buildElectron()) {
      process.stdout.write(`built ${path.relative(root, file)}\n`);
    }
  } catch (error) {
    process.stderr.write(
      `build:electron failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  }
}
