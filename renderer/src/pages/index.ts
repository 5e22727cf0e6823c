/**
 * The pages of the app, in sidebar order. To add one: write `pages/<Name>Page.svelte`, add its
 * `nav.<id>` label to every catalogue in `lib/i18n/`, and add an entry here (and an icon in
 * `lib/components/NavIcon.svelte`). The route is `#/<id>`.
 */
import type { Component } from 'svelte';
import type { MessageKey } from '../lib/i18n/index.svelte.ts';
import NodePage from './NodePage.svelte';
import ModelsPage from './ModelsPage.svelte';
import EarningsPage from './EarningsPage.svelte';
import WalletPage from './WalletPage.svelte';
import StakePage from './StakePage.svelte';
import GovernancePage from './GovernancePage.svelte';
import ExplorerPage from './ExplorerPage.svelte';
import NetworkPage from './NetworkPage.svelte';
import LogsPage from './LogsPage.svelte';
import SettingsPage from './SettingsPage.svelte';

export interface PageEntry {
  id: string;
  label: MessageKey;
  component: Component;
  /** Shown below the others, apart (Settings). */
  footer?: boolean;
}

export const pages: readonly PageEntry[] = [
  { id: 'node', label: 'nav.node', component: NodePage },
  { id: 'models', label: 'nav.models', component: ModelsPage },
  { id: 'earnings', label: 'nav.earnings', component: EarningsPage },
  { id: 'wallet', label: 'nav.wallet', component: WalletPage },
  { id: 'stake', label: 'nav.stake', component: StakePage },
  { id: 'governance', label: 'nav.governance', component: GovernancePage },
  { id: 'explorer', label: 'nav.explorer', component: ExplorerPage },
  { id: 'network', label: 'nav.network', component: NetworkPage },
  { id: 'logs', label: 'nav.logs', component: LogsPage },
  { id: 'settings', label: 'nav.settings', component: SettingsPage, footer: true },
];

export const defaultPage = 'node';
