/**
 * Entry point: applies the saved theme and language (their modules do it on import, before the
 * first paint), starts the stores that follow the node, and mounts the app.
 */
import { mount } from 'svelte';
import './app.css';
import './lib/stores/theme.svelte.ts';
import './lib/i18n/index.svelte.ts';
import { startNodeStatus } from './lib/stores/node-status.svelte.ts';
import { startLogs } from './lib/stores/logs.svelte.ts';
import { startWallets } from './lib/stores/wallets.svelte.ts';
import App from './App.svelte';

startNodeStatus();
startLogs();
startWallets();

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

export default mount(App, { target });
