/**
 * The task protocol's wire format and signatures: a validator (client) asks a miner (server) to
 * generate tokens from a prompt; the miner streams token ids back as it generates them and ends
 * with a receipt signed by its hotkey (docs/task-protocol.md, byte-level example there).
 *
 * Protocol id `/noesis/<chainId>/task/1`. One new stream per task. Every frame is one unsigned-
 * varint length prefix and one canonical CBOR value (chain/codec.ts: exactly one byte string is
 * accepted for any value), at most MAX_TASK_FRAME_BYTES.
 *
 *   request (client → server, one frame)   [body, signature(b64)]
 *     body     [1, taskId(b32), netuid, validator(b32), miner(b32), modelSha256(b32),
 *               [token, ...], maxTokens, nonce, timeoutMs]
 *   response (server → client, a stream)   zero or more tokens frames, then one receipt or error
 *     tokens   [0, [token, ...]]           (≥ 1 token, sent as soon as generated)
 *     receipt  [1, receipt, signature(b64)]
 *              receipt [1, taskId(b32), requestHash(b32), validator(b32), miner(b32),
 *                       modelSha256(b32), answerHash(b32), stop("eos" | "maxTokens"), tokenCount]
 *     error    [2, code(text), message(text)]
 *
 * Signatures are ed25519 over domain-separated bytes (the chain id is inside, so a request or
 * receipt of one network means nothing on another):
 *   request  "noesis-task-request/1" 00 chainId 00 hash256(canonical(body)) u64be(nonce)
 *            miner(32) u32be(timeoutMs)                                       — validator hotkey
 *   receipt  "noesis-task-receipt/1" 00 chainId 00 hash256(canonical(receipt)) — miner hotkey
 * answerHash = hash256(canonical([taskId(b32), [token, ...], stop])).
 *
 * This file is pure (no I/O); task-server.ts and task-client.ts do the streams.
 */
import { decodeCanonical, encodeCanonical } from '../chain/codec.ts';
import { fromHex, hash256, isHex, toHex, verifySignature, type Hex } from '../chain/crypto.ts';
import { NoesisError } from '../errors.ts';
import { protocolId } from '../p2p/protocols.ts';

export const TASK_PROTOCOL_NAME = 'task';
export const TASK_PROTOCOL_VERSION = 1;
/** Largest frame either side sends or accepts (request, tokens, receipt, error). */
export const MAX_TASK_FRAME_BYTES = 64 * 1024;
/** Most prompt tokens in one request. */
export const MAX_PROMPT_TOKENS = 4096;
/** Largest maxTokens a request may ask for; a tokens frame of this many ids stays < 64 KiB. */
export const MAX_ANSWER_TOKENS = 4096;
/** Token ids are vocabulary indices: unsigned 32-bit. */
export const MAX_TOKEN_ID = 0xffff_ffff;
/** Longest a validator may ask a miner to spend on one task. */
export const MAX_TASK_TIMEOUT_MS = 300_000;
/** Clock slack a nonce gets on either side (Bittensor's ALLOWED_DELTA, research §2.6). */
export const NONCE_ALLOWED_DELTA_MS = 4_000;
/** Longest error message on the wire, UTF-8 bytes. */
export const MAX_ERROR_MESSAGE_BYTES = 256;
/** Largest netuid (u16, as in subtensor). */
export const MAX_NETUID = 0xffff;

export const TASK_REQUEST_DOMAIN = 'noesis-task-request/1';
export const TASK_RECEIPT_DOMAIN = 'noesis-task-receipt/1';

export function taskProtocolId(chainId: string): string {
  return protocolId(chainId, TASK_PROTOCOL_NAME, TASK_PROTOCOL_VERSION);
}

/** Codes a miner answers in an `error` frame; the validator scores any of them as 0. */
export const TaskRefusal = {
  /** The sending peer is not the hotkey that signed, or that hotkey has no validator permit. */
  NOT_VALIDATOR: 'NOT_VALIDATOR',
  /** The request's signature does not verify against body.validator. */
  BAD_SIGNATURE: 'BAD_SIGNATURE',
  /** The nonce is outside now ± (4 s + timeout) or not above the last one from this validator. */
  STALE_NONCE: 'STALE_NONCE',
  /** body.miner is not this miner's hotkey. */
  WRONG_MINER: 'WRONG_MINER',
  /** This miner has no model loaded, or not the one body.modelSha256 names. */
  WRONG_MODEL: 'WRONG_MODEL',
  /** The queue is full (or this validator already has its share of it); retry later. */
  BUSY: 'BUSY',
  /** This validator sent more tasks than its quota per period. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The request frame, its prompt or its maxTokens is over the protocol's limits. */
  TOO_LARGE: 'TOO_LARGE',
  /** The request is not a well-formed canonical request. */
  MALFORMED: 'MALFORMED',
  /** The miner failed while generating. */
  INTERNAL: 'INTERNAL',
} as const;
export type TaskRefusal = (typeof TaskRefusal)[keyof typeof TaskRefusal];
export const TASK_REFUSALS = Object.values(TaskRefusal);

/** Local error codes (thrown, never sent): a request this node builds or reads breaks the format. */
export const TaskErrorCode = {
  /** Bytes that are not a well-formed task message; data.refusal says what to answer. */
  MALFORMED: 'TASK_MALFORMED',
  /** A message over the protocol's limits; data.refusal = TOO_LARGE. */
  TOO_LARGE: 'TASK_TOO_LARGE',
} as const;
export type TaskErrorCode = (typeof TaskErrorCode)[keyof typeof TaskErrorCode];

function malformed(message: string, data: Record<string, unknown> = {}): NoesisError {
  return new NoesisError(TaskErrorCode.MALFORMED, message, {
    ...data,
    refusal: TaskRefusal.MALFORMED,
  });
}

function tooLarge(message: string, data: Record<string, unknown> = {}): NoesisError {
  return new NoesisError(TaskErrorCode.TOO_LARGE, message, {
    ...data,
    refusal: TaskRefusal.TOO_LARGE,
  });
}

export type TaskStop = 'eos' | 'maxTokens';

export interface TaskRequestBody {
  /** 32 bytes, unique per task (the validator derives it from its task seed). */
  taskId: Hex;
  netuid: number;
  /** The validator's hotkey public key; its libp2p peer id must be the sending peer. */
  validator: Hex;
  /** The miner's hotkey public key. */
  miner: Hex;
  /** sha256 of the GGUF file the task must run on. */
  modelSha256: Hex;
  /** Prompt token ids (1..MAX_PROMPT_TOKENS). */
  prompt: number[];
  /** 1..MAX_ANSWER_TOKENS. */
  maxTokens: number;
  /** Milliseconds since the epoch, strictly increasing per validator (TaskNonceClock). */
  nonce: number;
  /** The validator stops waiting this long after sending; 1..MAX_TASK_TIMEOUT_MS. */
  timeoutMs: number;
}

export interface SignedTaskRequest {
  body: TaskRequestBody;
  /** ed25519 by body.validator over taskRequestSignBytes(chainId, body), 64 bytes hex. */
  signature: Hex;
}

export interface TaskReceipt {
  taskId: Hex;
  /** hash256(canonical(body)) of the request answered: binds the receipt to the exact prompt. */
  requestHash: Hex;
  validator: Hex;
  miner: Hex;
  modelSha256: Hex;
  /** taskAnswerHash(taskId, tokens, stop). */
  answerHash: Hex;
  stop: TaskStop;
  tokenCount: number;
}

export interface SignedTaskReceipt {
  receipt: TaskReceipt;
  /** ed25519 by receipt.miner over taskReceiptSignBytes(chainId, receipt). */
  signature: Hex;
}

export type TaskFrame =
  | { type: 'tokens'; tokens: number[] }
  | { type: 'receipt'; receipt: SignedTaskReceipt }
  | { type: 'error'; code: TaskRefusal; message: string };

/** Something that signs with a hotkey (a wallet, or a secret key in tests and benchmarks). */
export interface TaskSigner {
  publicKey: Hex;
  sign(bytes: Uint8Array): Uint8Array;
}

const FRAME_TOKENS = 0;
const FRAME_RECEIPT = 1;
const FRAME_ERROR = 2;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

// ---------- field checks (shared by the encode and decode paths) ----------

function checkHex32(value: unknown, what: string): Hex {
  if (!isHex(value, 32)) throw malformed(`${what} must be 32 bytes of lower-case hex`);
  return value;
}

function checkUint(value: unknown, max: number, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
    throw malformed(`${what} must be an integer in 0..${max}`);
  }
  return value;
}

function checkTokens(value: unknown, max: number, what: string): number[] {
  if (!Array.isArray(value)) throw malformed(`${what} must be a list of token ids`);
  if (value.length > max) throw tooLarge(`${what} has ${value.length} tokens, over ${max}`);
  for (const t of value) {
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t > MAX_TOKEN_ID) {
      throw malformed(`${what} holds something that is not a token id`);
    }
  }
  return value as number[];
}

/** Throws TASK_MALFORMED / TASK_TOO_LARGE (data.refusal says which code to answer). */
export function checkTaskRequestBody(body: TaskRequestBody): void {
  if (typeof body !== 'object' || body === null) throw malformed('request body must be an object');
  checkHex32(body.taskId, 'taskId');
  checkUint(body.netuid, MAX_NETUID, 'netuid');
  checkHex32(body.validator, 'validator');
  checkHex32(body.miner, 'miner');
  checkHex32(body.modelSha256, 'modelSha256');
  checkTokens(body.prompt, MAX_PROMPT_TOKENS, 'prompt');
  if (body.prompt.length === 0) throw malformed('prompt must hold at least one token');
  if (typeof body.maxTokens === 'number' && body.maxTokens > MAX_ANSWER_TOKENS) {
    throw tooLarge(`maxTokens ${body.maxTokens} is over ${MAX_ANSWER_TOKENS}`);
  }
  checkUint(body.maxTokens, MAX_ANSWER_TOKENS, 'maxTokens');
  if (body.maxTokens === 0) throw malformed('maxTokens must be at least 1');
  checkUint(body.nonce, Number.MAX_SAFE_INTEGER, 'nonce');
  checkUint(body.timeoutMs, MAX_TASK_TIMEOUT_MS, 'timeoutMs');
  if (body.timeoutMs === 0) throw malformed('timeoutMs must be at least 1');
}

function checkReceipt(r: TaskReceipt): void {
  checkHex32(r.taskId, 'receipt.taskId');
  checkHex32(r.requestHash, 'receipt.requestHash');
  checkHex32(r.validator, 'receipt.validator');
  checkHex32(r.miner, 'receipt.miner');
  checkHex32(r.modelSha256, 'receipt.modelSha256');
  checkHex32(r.answerHash, 'receipt.answerHash');
  if (r.stop !== 'eos' && r.stop !== 'maxTokens') throw malformed('receipt.stop is not a stop');
  checkUint(r.tokenCount, MAX_ANSWER_TOKENS, 'receipt.tokenCount');
}

// ---------- arrays (the canonical layouts) ----------

function bodyArray(b: TaskRequestBody): unknown[] {
  return [
    TASK_PROTOCOL_VERSION,
    fromHex(b.taskId),
    b.netuid,
    fromHex(b.validator),
    fromHex(b.miner),
    fromHex(b.modelSha256),
    b.prompt,
    b.maxTokens,
    b.nonce,
    b.timeoutMs,
  ];
}

function receiptArray(r: TaskReceipt): unknown[] {
  return [
    TASK_PROTOCOL_VERSION,
    fromHex(r.taskId),
    fromHex(r.requestHash),
    fromHex(r.validator),
    fromHex(r.miner),
    fromHex(r.modelSha256),
    fromHex(r.answerHash),
    r.stop,
    r.tokenCount,
  ];
}

function bytesField(v: unknown, len: number, what: string): Hex {
  if (!(v instanceof Uint8Array) || v.length !== len) {
    throw malformed(`${what} must be a ${len}-byte string`);
  }
  return toHex(v);
}

function arrayOf(v: unknown, len: number, what: string): unknown[] {
  if (!Array.isArray(v) || v.length !== len) throw malformed(`${what} must be a ${len}-item list`);
  return v;
}

function versionField(v: unknown, what: string): void {
  if (v !== TASK_PROTOCOL_VERSION) throw malformed(`${what} has unknown version ${String(v)}`);
}

function bodyFromArray(v: unknown): TaskRequestBody {
  const a = arrayOf(v, 10, 'request body');
  versionField(a[0], 'request body');
  const body = {
    taskId: bytesField(a[1], 32, 'taskId'),
    netuid: a[2] as number,
    validator: bytesField(a[3], 32, 'validator'),
    miner: bytesField(a[4], 32, 'miner'),
    modelSha256: bytesField(a[5], 32, 'modelSha256'),
    prompt: a[6] as number[],
    maxTokens: a[7] as number,
    nonce: a[8] as number,
    timeoutMs: a[9] as number,
  };
  checkTaskRequestBody(body);
  return body;
}

function receiptFromArray(v: unknown): TaskReceipt {
  const a = arrayOf(v, 9, 'receipt');
  versionField(a[0], 'receipt');
  const receipt = {
    taskId: bytesField(a[1], 32, 'receipt.taskId'),
    requestHash: bytesField(a[2], 32, 'receipt.requestHash'),
    validator: bytesField(a[3], 32, 'receipt.validator'),
    miner: bytesField(a[4], 32, 'receipt.miner'),
    modelSha256: bytesField(a[5], 32, 'receipt.modelSha256'),
    answerHash: bytesField(a[6], 32, 'receipt.answerHash'),
    stop: a[7] as TaskStop,
    tokenCount: a[8] as number,
  };
  checkReceipt(receipt);
  return receipt;
}

function decodeFrameValue(bytes: Uint8Array): unknown {
  if (bytes.length > MAX_TASK_FRAME_BYTES) {
    throw tooLarge(`frame of ${bytes.length} bytes is over ${MAX_TASK_FRAME_BYTES}`);
  }
  try {
    return decodeCanonical(bytes);
  } catch (error) {
    throw malformed((error as Error).message);
  }
}

function checkedFrame(bytes: Uint8Array): Uint8Array {
  if (bytes.length > MAX_TASK_FRAME_BYTES) {
    throw tooLarge(`frame of ${bytes.length} bytes is over ${MAX_TASK_FRAME_BYTES}`);
  }
  return bytes;
}

// ---------- hashes and sign bytes ----------

/** Canonical bytes of a request body (what requestHash hashes). */
export function encodeTaskRequestBody(body: TaskRequestBody): Uint8Array {
  checkTaskRequestBody(body);
  return encodeCanonical(bodyArray(body));
}

export function taskRequestHash(body: TaskRequestBody): Hex {
  return toHex(hash256(encodeTaskRequestBody(body)));
}

function domainPrefix(domain: string, chainId: string): Uint8Array {
  return encoder.encode(`${domain}\u0000${chainId}\u0000`);
}

/**
 * The bytes a validator signs: the domain and chain id, the body's hash, then the fields the
 * miner checks before anything else (nonce, miner, timeout) in fixed-width form, as Bittensor's
 * axon and Epistula sign them (research §5.6).
 */
export function taskRequestSignBytes(chainId: string, body: TaskRequestBody): Uint8Array {
  const prefix = domainPrefix(TASK_REQUEST_DOMAIN, chainId);
  const out = new Uint8Array(prefix.length + 32 + 8 + 32 + 4);
  const view = new DataView(out.buffer);
  let at = 0;
  out.set(prefix, at);
  at += prefix.length;
  out.set(hash256(encodeTaskRequestBody(body)), at);
  at += 32;
  view.setBigUint64(at, BigInt(body.nonce));
  at += 8;
  out.set(fromHex(body.miner), at);
  at += 32;
  view.setUint32(at, body.timeoutMs);
  return out;
}

/** Signs with the validator's hotkey; a TaskSigner's key must be body.validator. */
export function signTaskRequest(
  chainId: string,
  body: TaskRequestBody,
  signer: TaskSigner | ((bytes: Uint8Array) => Uint8Array),
): SignedTaskRequest {
  if (typeof signer !== 'function' && signer.publicKey !== body.validator) {
    throw malformed('the signer is not body.validator');
  }
  const sign = typeof signer === 'function' ? signer : (b: Uint8Array) => signer.sign(b);
  return { body, signature: toHex(sign(taskRequestSignBytes(chainId, body))) };
}

export function verifyTaskRequest(chainId: string, request: SignedTaskRequest): boolean {
  if (!isHex(request.signature, 64)) return false;
  return verifySignature(
    fromHex(request.body.validator),
    taskRequestSignBytes(chainId, request.body),
    fromHex(request.signature),
  );
}

export function taskAnswerHash(taskId: Hex, tokens: readonly number[], stop: TaskStop): Hex {
  return toHex(hash256(encodeCanonical([fromHex(taskId), tokens, stop])));
}

export function taskReceiptSignBytes(chainId: string, receipt: TaskReceipt): Uint8Array {
  checkReceipt(receipt);
  const prefix = domainPrefix(TASK_RECEIPT_DOMAIN, chainId);
  const out = new Uint8Array(prefix.length + 32);
  out.set(prefix, 0);
  out.set(hash256(encodeCanonical(receiptArray(receipt))), prefix.length);
  return out;
}

/** The receipt a miner signs for an answer it streamed. */
export function buildTaskReceipt(
  body: TaskRequestBody,
  tokens: readonly number[],
  stop: TaskStop,
): TaskReceipt {
  return {
    taskId: body.taskId,
    requestHash: taskRequestHash(body),
    validator: body.validator,
    miner: body.miner,
    modelSha256: body.modelSha256,
    answerHash: taskAnswerHash(body.taskId, tokens, stop),
    stop,
    tokenCount: tokens.length,
  };
}

export function signTaskReceipt(
  chainId: string,
  receipt: TaskReceipt,
  signer: TaskSigner,
): SignedTaskReceipt {
  return { receipt, signature: toHex(signer.sign(taskReceiptSignBytes(chainId, receipt))) };
}

export function verifyTaskReceipt(chainId: string, signed: SignedTaskReceipt): boolean {
  if (!isHex(signed.signature, 64)) return false;
  return verifySignature(
    fromHex(signed.receipt.miner),
    taskReceiptSignBytes(chainId, signed.receipt),
    fromHex(signed.signature),
  );
}

// ---------- frames ----------

export function encodeTaskRequest(request: SignedTaskRequest): Uint8Array {
  if (!isHex(request.signature, 64)) throw malformed('signature must be 64 bytes of hex');
  checkTaskRequestBody(request.body);
  return checkedFrame(encodeCanonical([bodyArray(request.body), fromHex(request.signature)]));
}

/** Throws TASK_MALFORMED / TASK_TOO_LARGE; never verifies the signature (verifyTaskRequest). */
export function decodeTaskRequest(bytes: Uint8Array): SignedTaskRequest {
  const a = arrayOf(decodeFrameValue(bytes), 2, 'request');
  const body = bodyFromArray(a[0]);
  return { body, signature: bytesField(a[1], 64, 'signature') };
}

export function encodeTaskFrame(frame: TaskFrame): Uint8Array {
  switch (frame.type) {
    case 'tokens':
      checkTokens(frame.tokens, MAX_ANSWER_TOKENS, 'tokens frame');
      if (frame.tokens.length === 0) throw malformed('a tokens frame holds at least one token');
      return checkedFrame(encodeCanonical([FRAME_TOKENS, frame.tokens]));
    case 'receipt':
      checkReceipt(frame.receipt.receipt);
      return checkedFrame(
        encodeCanonical([
          FRAME_RECEIPT,
          receiptArray(frame.receipt.receipt),
          fromHex(frame.receipt.signature),
        ]),
      );
    case 'error':
      return checkedFrame(encodeCanonical([FRAME_ERROR, frame.code, truncateUtf8(frame.message)]));
  }
}

/** Throws TASK_MALFORMED / TASK_TOO_LARGE for anything but one well-formed response frame. */
export function decodeTaskFrame(bytes: Uint8Array): TaskFrame {
  const v = decodeFrameValue(bytes);
  if (!Array.isArray(v) || v.length === 0) throw malformed('a frame must be a non-empty list');
  switch (v[0]) {
    case FRAME_TOKENS: {
      const a = arrayOf(v, 2, 'tokens frame');
      const tokens = checkTokens(a[1], MAX_ANSWER_TOKENS, 'tokens frame');
      if (tokens.length === 0) throw malformed('a tokens frame holds at least one token');
      return { type: 'tokens', tokens };
    }
    case FRAME_RECEIPT: {
      const a = arrayOf(v, 3, 'receipt frame');
      return {
        type: 'receipt',
        receipt: {
          receipt: receiptFromArray(a[1]),
          signature: bytesField(a[2], 64, 'receipt signature'),
        },
      };
    }
    case FRAME_ERROR: {
      const a = arrayOf(v, 3, 'error frame');
      const code = a[1];
      if (typeof code !== 'string' || !(TASK_REFUSALS as string[]).includes(code)) {
        throw malformed(`unknown error code ${JSON.stringify(code)}`);
      }
      const message = a[2];
      if (typeof message !== 'string' || encoder.encode(message).length > MAX_ERROR_MESSAGE_BYTES) {
        throw malformed('error message must be text of at most 256 bytes');
      }
      return { type: 'error', code: code as TaskRefusal, message };
    }
    default:
      throw malformed(`unknown frame type ${String(v[0])}`);
  }
}

/** Cuts a message to MAX_ERROR_MESSAGE_BYTES without splitting a character. */
function truncateUtf8(message: string): string {
  const bytes = encoder.encode(message);
  if (bytes.length <= MAX_ERROR_MESSAGE_BYTES) return message;
  let end = MAX_ERROR_MESSAGE_BYTES;
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return decoder.decode(bytes.subarray(0, end));
}
