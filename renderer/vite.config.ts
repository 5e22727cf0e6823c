/**
 * Builds the renderer into `<repo>/dist/renderer`, which the headless web server and Electron
 * both load. `base: './'` keeps every asset URL relative, so the same build works over HTTP, from
 * file:// and from a custom protocol. Component CSS is emitted to a .css file (the strict CSP
 * forbids styles injected at run time).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const root = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('../dist/renderer', import.meta.url));

// `npm run dev:renderer` talks to a running node (default port 7420, or NOESIS_API). The node
// checks Origin, so the proxy presents the node's own origin instead of Vite's.
const apiTarget = process.env.NOESIS_API ?? 'http://127.0.0.1:7420';

export default defineConfig({
  root,
  base: './',
  plugins: [svelte({ configFile: false, compilerOptions: { runes: true } })],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    cssCodeSplit: false,
    assetsInlineLimit: 0,
    // One local bundle (about 500 kB with chart.js and qrcode), loaded from disk or 127.0.0.1,
    // never over a slow network: splitting it would buy nothing.
    chunkSizeWarningLimit: 1024,
  },
  server: {
    port: 5173,
    strictPort: false,
    proxy: {
      '/api': {
        target: apiTarget,
        ws: true,
        changeOrigin: true,
        configure(proxy) {
          proxy.on('proxyReq', (req) => req.setHeader('origin', apiTarget));
          proxy.on('proxyReqWs', (req) => req.setHeader('origin', apiTarget));
        },
      },
    },
  },
});
