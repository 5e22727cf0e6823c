/**
 * Decodes a transaction the node is about to sign into the plain words the user approves: who
 * signs, what moves where, the fee, the nonce and the network. The confirmation shows exactly
 * these lines, computed by the node from the transaction body itself, never by the renderer.
 */
import type { SigningAction, SigningLine } from '../wallet/confirm.ts';
import { formatTao } from './amount.ts';
import { addressOf } from './queries.ts';
import type { TxBody } from './tx.ts';
import type { SubnetModel } from './types.ts';

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
  propose: 'Submit a governance proposal',
  vote: 'Vote on a proposal',
  commit_proof: 'Commit a validation log',
};

/** Conviction 0..6: vote multiplier and lock length in voting periods (OpenGov's table). */
const CONVICTION = [
  { multiplier: '0.1', periods: 0 },
  { multiplier: '1', periods: 1 },
  { multiplier: '2', periods: 2 },
  { multiplier: '3', periods: 4 },
  { multiplier: '4', periods: 8 },
  { multiplier: '5', periods: 16 },
  { multiplier: '6', periods: 32 },
];

function tao(rao: bigint): string {
  return `${formatTao(rao)} TAO`;
}

/** "400 MB" style size for people; the exact bytes stay in the model line. */
function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(bytes < 10_000_000 ? 1 : 0)} MB`;
}

/** The model a subnet's miners must run and how answers are checked, in plain words. */
export function describeModel(m: SubnetModel): SigningLine[] {
  return [
    {
      label: 'Model',
      value: `${m.catalogId === 'custom' ? 'a custom file' : m.catalogId} (${megabytes(m.sizeBytes)}, ${m.sizeBytes} bytes)`,
    },
    { label: 'Model sha256', value: m.sha256 },
    {
      label: 'Answers',
      value: `greedy, at most ${m.maxTokens} tokens in a ${m.contextSize}-token context (task protocol ${m.protocolVersion})`,
    },
    {
      label: 'Verification',
      value: `each token within ${m.tauMilli / 1000} nats of the model's top token; ${m.maxViolations} miss(es) allowed per answer`,
    },
  ];
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
        ...(body.model === null
          ? [{ label: 'Model', value: 'none: miners on this subnet cannot be verified' }]
          : describeModel(body.model)),
        { label: 'Most locked', value: tao(body.maxLock) },
      ];
    case 'commit_proof':
      return [
        { label: 'Subnet', value: String(body.netuid) },
        {
          label: 'Log',
          value: `epoch ${body.epoch}: ${body.entries} task(s), Merkle root ${body.root}`,
        },
        {
          label: 'Secret',
          value:
            body.reveal === null
              ? 'first commit: nothing to reveal'
              : `reveals ${body.reveal} (promised by the previous commit)`,
        },
        { label: 'Next secret hash', value: body.secretHash },
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
    case 'propose': {
      const action = body.action;
      const what =
        action.kind === 'param'
          ? `set ${action.param}${action.netuid === null ? '' : ` on subnet ${action.netuid}`} to ${action.value}`
          : action.kind === 'upgrade'
            ? `upgrade to ${action.version} at block ${action.activationHeight}`
            : action.kind === 'subnet_model'
              ? `subnet ${action.netuid} runs model ${action.model.catalogId} (sha256 ${action.model.sha256}, ${action.model.sizeBytes} bytes; ${action.model.maxTokens} tokens, tau ${action.model.tauMilli / 1000} nats, ${action.model.maxViolations} miss(es) allowed)`
              : 'text proposal';
      return [
        { label: 'Title', value: body.title },
        { label: 'Proposal', value: what },
        { label: 'Deposit', value: tao(body.deposit) },
      ];
    }
    case 'vote': {
      const conviction = CONVICTION[body.conviction];
      return [
        { label: 'Proposal', value: `#${body.proposal}` },
        { label: 'Choice', value: body.choice },
        {
          label: 'Conviction',
          value: conviction
            ? `×${conviction.multiplier}, stake locked for ${conviction.periods} voting period(s)`
            : String(body.conviction),
        },
      ];
    }
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
