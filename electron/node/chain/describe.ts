/**
 * Decodes a transaction the node is about to sign into the plain words the user approves: who
 * signs, what moves where, the fee, the nonce and the network. The confirmation shows exactly
 * these lines, computed by the node from the transaction body itself, never by the renderer.
 */
import type { SigningAction, SigningLine } from '../wallet/confirm.ts';
import { formatTao } from './amount.ts';
import { addressOf } from './queries.ts';
import type { TxBody } from './tx.ts';

const TITLES: Record<TxBody['kind'], string> = {
  transfer: 'Send TAO',
  register: 'Register a hotkey on a subnet',
  add_stake: 'Stake TAO',
  remove_stake: 'Unstake TAO',
  set_take: 'Set validator take',
  set_weights: 'Set weights',
  commit_weights: 'Commit weights',
  reveal_weights: 'Reveal weights',
  serve: 'Publish serving addresses',
  create_subnet: 'Create a subnet',
};

function tao(rao: bigint): string {
  return `${formatTao(rao)} TAO`;
}

function callLines(body: TxBody): SigningLine[] {
  switch (body.kind) {
    case 'transfer':
      return [
        { label: 'To', value: addressOf(body.to) },
        { label: 'Amount', value: tao(body.amount) },
      ];
    case 'add_stake':
    case 'remove_stake':
      return [
        { label: 'Hotkey', value: addressOf(body.hotkey) },
        { label: 'Amount', value: tao(body.amount) },
      ];
    case 'register':
      return [
        { label: 'Subnet', value: String(body.netuid) },
        { label: 'Hotkey', value: addressOf(body.hotkey) },
        { label: 'Most burned', value: tao(body.maxBurn) },
      ];
    case 'create_subnet':
      return [
        { label: 'Owner hotkey', value: addressOf(body.hotkey) },
        { label: 'Task type', value: body.taskType },
        { label: 'Most locked', value: tao(body.maxLock) },
      ];
    case 'set_take':
      return [
        { label: 'Hotkey', value: addressOf(body.hotkey) },
        { label: 'Take', value: `${((body.take / 65535) * 100).toFixed(2)} %` },
      ];
    case 'set_weights':
    case 'reveal_weights':
      return [
        { label: 'Subnet', value: String(body.netuid) },
        {
          label: 'Weights',
          value: body.uids.map((uid, i) => `${uid}:${body.weights[i]}`).join(' '),
        },
      ];
    case 'commit_weights':
      return [
        { label: 'Subnet', value: String(body.netuid) },
        { label: 'Commitment', value: body.commitHash },
      ];
    case 'serve':
      return [
        { label: 'Subnet', value: String(body.netuid) },
        { label: 'Addresses', value: body.addrs.join(', ') },
      ];
  }
}

export function describeTx(wallet: string, body: TxBody): SigningAction {
  return {
    wallet,
    kind: body.kind,
    title: TITLES[body.kind],
    lines: [
      { label: 'From', value: `${addressOf(body.signer)} (wallet ${wallet})` },
      ...callLines(body),
      { label: 'Fee', value: tao(body.fee) },
      { label: 'Nonce', value: String(body.nonce) },
      { label: 'Network', value: body.chainId },
    ],
  };
}
