/**
 * One table for every reason a role can give (RoleReasonCode in the API contract): the plain
 * sentence it shows and the page that fixes it, where one does. Typed as a full record, so a
 * code added to the contract fails the type check until it has its words here.
 */
import type { MessageKey } from '../i18n/index.svelte.ts';
import type { RoleName, RoleReasonCode } from './roles-store.svelte.ts';

export interface ReasonView {
  sentence: MessageKey;
  /** Overrides the sentence for one role, where the remedy differs. */
  sentenceFor?: Partial<Record<RoleName, MessageKey>>;
  link?: { href: string; label: MessageKey };
  /** The card offers to download the subnet's model. */
  offersDownload?: boolean;
}

export const REASONS: Record<RoleReasonCode, ReasonView> = {
  WALLET_LOCKED: {
    sentence: 'roles.reason.WALLET_LOCKED',
    link: { href: '#/wallet', label: 'roles.action.unlock' },
  },
  NO_SUBNET: { sentence: 'roles.reason.NO_SUBNET' },
  NO_SUBNET_MODEL: { sentence: 'roles.reason.NO_SUBNET_MODEL' },
  NOT_REGISTERED: {
    sentence: 'roles.reason.NOT_REGISTERED',
    sentenceFor: { validator: 'roles.reason.validator.NOT_REGISTERED' },
  },
  DEREGISTERED: { sentence: 'roles.reason.DEREGISTERED' },
  NO_PERMIT: {
    sentence: 'roles.reason.NO_PERMIT',
    link: { href: '#/stake', label: 'roles.action.stake' },
  },
  MODEL_MISSING: { sentence: 'roles.reason.MODEL_MISSING', offersDownload: true },
  MODEL_NOT_ACCEPTED: {
    sentence: 'roles.reason.MODEL_NOT_ACCEPTED',
    link: { href: '#/models', label: 'roles.action.models' },
  },
  MODEL_NOT_LOADED: {
    sentence: 'roles.reason.MODEL_NOT_LOADED',
    link: { href: '#/models', label: 'roles.action.models' },
  },
  NOT_REACHABLE: {
    sentence: 'roles.reason.NOT_REACHABLE',
    link: { href: '#/network', label: 'roles.action.network' },
  },
  NODE_STOPPED: { sentence: 'roles.reason.NODE_STOPPED' },
  NO_MINERS: { sentence: 'roles.reason.NO_MINERS' },
  HOTKEY_IN_USE: { sentence: 'roles.reason.HOTKEY_IN_USE' },
  FAILED: { sentence: 'roles.reason.FAILED' },
};

export function isReasonCode(code: string): code is RoleReasonCode {
  return Object.hasOwn(REASONS, code);
}
