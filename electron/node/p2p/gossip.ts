/**
 * Gossip topics over gossipsub: blocks, consensus messages (`<type tag><payload>`, opaque here:
 * the consensus module defines payloads), transactions and evidence. Each topic has a size limit;
 * every received message runs through our validation before gossipsub forwards it:
 *   size (and consensus tag) checks → the topic's validation hook → accept / reject / ignore.
 * Reject feeds both gossipsub's own score and ours (score.ts): oversized and unknown-tag messages
 * and anything a hook rejects penalize the peer that propagated it. Ignore (e.g. a vote for a
 * future height the node cannot check yet) penalizes nobody, so honest peers are never punished
 * for being ahead (research §1.7 pitfall 6).
 */
import type { GossipSub, Message } from '@libp2p/gossipsub';
import { TopicValidatorResult } from '@libp2p/gossipsub';
import type { PeerId } from '@libp2p/interface';
import {
  CONSENSUS_TAG_MAX_BYTES,
  GOSSIP_TOPIC_NAMES,
  GOSSIP_TOPICS,
  topicId,
  type GossipTopicName,
} from './protocols.ts';
import { PenaltyReason, type PeerScoreBook } from './score.ts';

export type GossipVerdict = 'accept' | 'reject' | 'ignore';

export interface GossipMessage {
  topic: GossipTopicName;
  /** The peer that forwarded it to us (not necessarily its author). */
  from: string;
  /** The whole message data. */
  data: Uint8Array;
  /** Consensus topic only: the type tag (first byte). */
  tag: number | null;
  /** The data after the tag on the consensus topic; the data itself elsewhere. */
  payload: Uint8Array;
}

/** Decides a message's fate; throwing counts as reject + malformed. Keep it fast (< 100 ms). */
export type GossipValidator = (message: GossipMessage) => GossipVerdict | Promise<GossipVerdict>;
export type GossipHandler = (message: GossipMessage) => void;

export interface GossipStats {
  received: number;
  accepted: number;
  rejected: number;
  ignored: number;
  oversized: number;
  published: number;
}

export interface GossipOptions {
  pubsub: GossipSub;
  chainId: string;
  scores: PeerScoreBook;
  /** Per-topic size overrides, bytes. */
  maxBytes?: Partial<Record<GossipTopicName, number>>;
  /** Consensus tags and their size limits (default CONSENSUS_TAG_MAX_BYTES). */
  consensusTags?: Readonly<Record<number, number>>;
}

const VERDICT: Record<GossipVerdict, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  reject: TopicValidatorResult.Reject,
  ignore: TopicValidatorResult.Ignore,
};

export class Gossip {
  readonly stats: GossipStats = {
    received: 0,
    accepted: 0,
    rejected: 0,
    ignored: 0,
    oversized: 0,
    published: 0,
  };
  private readonly pubsub: GossipSub;
  private readonly chainId: string;
  private readonly scores: PeerScoreBook;
  private readonly maxBytes: Record<GossipTopicName, number>;
  private readonly consensusTags: Readonly<Record<number, number>>;
  private readonly validators = new Map<GossipTopicName, GossipValidator>();
  private readonly handlers = new Map<GossipTopicName, Set<GossipHandler>>();
  private readonly byTopicId = new Map<string, GossipTopicName>();
  private readonly onMessage = (event: CustomEvent<{ propagationSource: PeerId; msg: Message }>) =>
    this.deliver(event.detail.propagationSource, event.detail.msg);
  private started = false;

  constructor(options: GossipOptions) {
    this.pubsub = options.pubsub;
    this.chainId = options.chainId;
    this.scores = options.scores;
    this.consensusTags = options.consensusTags ?? CONSENSUS_TAG_MAX_BYTES;
    const maxBytes = {} as Record<GossipTopicName, number>;
    for (const name of GOSSIP_TOPIC_NAMES) {
      maxBytes[name] = options.maxBytes?.[name] ?? GOSSIP_TOPICS[name].maxBytes;
      this.byTopicId.set(topicId(this.chainId, name), name);
    }
    this.maxBytes = maxBytes;
  }

  topic(name: GossipTopicName): string {
    return topicId(this.chainId, name);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const [id, name] of this.byTopicId) {
      this.pubsub.topicValidators.set(id, (peer, message) => this.validate(name, peer, message));
      this.pubsub.subscribe(id);
    }
    this.pubsub.addEventListener('gossipsub:message', this.onMessage);
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.pubsub.removeEventListener('gossipsub:message', this.onMessage);
    for (const id of this.byTopicId.keys()) {
      this.pubsub.topicValidators.delete(id);
      try {
        this.pubsub.unsubscribe(id);
      } catch {
        // the pubsub service may already be stopped
      }
    }
  }

  /** Installs the validation hook of a topic (one per topic; the last call wins). */
  setValidator(topic: GossipTopicName, validator: GossipValidator | null): void {
    if (validator === null) this.validators.delete(topic);
    else this.validators.set(topic, validator);
  }

  /** Subscribes to accepted messages of a topic; returns the unsubscribe function. */
  on(topic: GossipTopicName, handler: GossipHandler): () => void {
    let set = this.handlers.get(topic);
    if (set === undefined) {
      set = new Set();
      this.handlers.set(topic, set);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Peers subscribed to a topic (for "wait until someone listens"). */
  subscribers(topic: GossipTopicName): string[] {
    return this.pubsub.getSubscribers(this.topic(topic)).map((p) => p.toString());
  }

  /** Publishes data on a topic; returns how many peers it was sent to. */
  async publish(topic: GossipTopicName, data: Uint8Array): Promise<number> {
    if (data.length > this.maxBytes[topic]) {
      throw new RangeError(`${topic} message of ${data.length} bytes over ${this.maxBytes[topic]}`);
    }
    const result = await this.pubsub.publish(this.topic(topic), data);
    this.stats.published++;
    return result.recipients.length;
  }

  /** Publishes a consensus message: `<tag><payload>`. */
  async publishConsensus(tag: number, payload: Uint8Array): Promise<number> {
    const max = this.consensusTags[tag];
    if (max === undefined || !Number.isInteger(tag) || tag < 0 || tag > 255) {
      throw new RangeError(`unknown consensus tag ${tag}`);
    }
    if (payload.length + 1 > max) throw new RangeError(`consensus tag ${tag} payload over ${max}`);
    const data = new Uint8Array(payload.length + 1);
    data[0] = tag;
    data.set(payload, 1);
    return this.publish('consensus', data);
  }

  private view(topic: GossipTopicName, from: string, data: Uint8Array): GossipMessage {
    if (topic === 'consensus') {
      return { topic, from, data, tag: data[0] ?? null, payload: data.subarray(1) };
    }
    return { topic, from, data, tag: null, payload: data };
  }

  private async validate(
    topic: GossipTopicName,
    peerId: PeerId,
    message: Message,
  ): Promise<TopicValidatorResult> {
    const peer = peerId.toString();
    const data = message.data;
    this.stats.received++;
    const reject = (reason: PenaltyReason) => {
      this.stats.rejected++;
      this.scores.penalize(peer, reason);
      return TopicValidatorResult.Reject;
    };
    if (data.length > this.maxBytes[topic]) {
      this.stats.oversized++;
      return reject(PenaltyReason.OVERSIZED);
    }
    if (data.length === 0) return reject(PenaltyReason.MALFORMED);
    if (topic === 'consensus') {
      const max = this.consensusTags[data[0] as number];
      if (max === undefined) return reject(PenaltyReason.INVALID);
      if (data.length > max) {
        this.stats.oversized++;
        return reject(PenaltyReason.OVERSIZED);
      }
    }
    const validator = this.validators.get(topic);
    let verdict: GossipVerdict = 'accept';
    if (validator !== undefined) {
      try {
        verdict = await validator(this.view(topic, peer, data));
      } catch {
        return reject(PenaltyReason.MALFORMED);
      }
    }
    if (verdict === 'reject') return reject(PenaltyReason.INVALID);
    if (verdict === 'ignore') this.stats.ignored++;
    else this.stats.accepted++;
    return VERDICT[verdict];
  }

  private deliver(source: PeerId, message: Message): void {
    const topic = this.byTopicId.get(message.topic);
    if (topic === undefined) return;
    const handlers = this.handlers.get(topic);
    if (handlers === undefined || handlers.size === 0) return;
    const view = this.view(topic, source.toString(), message.data);
    for (const handler of handlers) {
      try {
        handler(view);
      } catch {
        // a handler's failure is its own; delivery to the others goes on
      }
    }
  }
}
