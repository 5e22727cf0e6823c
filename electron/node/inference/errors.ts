/**
 * Error codes of the inference domain (catalogue, downloads, hardware, the llama.cpp engine).
 * Each is thrown as a `NoesisError`; a UI maps the code to plain words, a test asserts it.
 */
import { NoesisError } from '../errors.ts';

export const InferenceErrorCode = {
  /** No catalogue entry, installed model or download with this id; data: { id }. */
  NOT_FOUND: 'INFERENCE_NOT_FOUND',
  /** resources/models/catalog.json does not match its schema; data: { issues }. */
  CATALOG_INVALID: 'INFERENCE_CATALOG_INVALID',
  /** The server answered with an HTTP error; data: { status, url }. 4xx are final, 5xx retried. */
  DOWNLOAD_HTTP_STATUS: 'INFERENCE_DOWNLOAD_HTTP_STATUS',
  /** No byte arrived for `stallTimeoutMs`, on every retry; data: { stallTimeoutMs }. The partial file is kept. */
  DOWNLOAD_STALLED: 'INFERENCE_DOWNLOAD_STALLED',
  /** The connection failed on every retry; data: { cause }. The partial file is kept. */
  DOWNLOAD_NETWORK: 'INFERENCE_DOWNLOAD_NETWORK',
  /** Not enough free disk space to start; data: { neededBytes, freeBytes, dir }. Nothing was written. */
  DOWNLOAD_DISK_SPACE: 'INFERENCE_DOWNLOAD_DISK_SPACE',
  /** The disk filled up during the download (ENOSPC); data: { dir }. The partial file is kept. */
  DOWNLOAD_DISK_FULL: 'INFERENCE_DOWNLOAD_DISK_FULL',
  /** The SHA-256 of the finished file differs from the expected one; the file was removed; data: { expected, actual, source }. */
  DOWNLOAD_HASH_MISMATCH: 'INFERENCE_DOWNLOAD_HASH_MISMATCH',
  /** The finished file has another size than the server or catalogue announced; the file was removed; data: { expected, actual }. */
  DOWNLOAD_SIZE_MISMATCH: 'INFERENCE_DOWNLOAD_SIZE_MISMATCH',
  /** A download with this id is already running or a model with this file name is installed; data: { id }. */
  DOWNLOAD_EXISTS: 'INFERENCE_DOWNLOAD_EXISTS',
  /** The URL is not http(s) or has no file name; data: { url }. */
  BAD_URL: 'INFERENCE_BAD_URL',
  /** The file is not a GGUF model (wrong magic or version); data: { path }. Refused before loading. */
  NOT_GGUF: 'INFERENCE_NOT_GGUF',
  /** The model does not fit this machine's memory; data: { ramNeededBytes, ramFreeBytes, vramNeededBytes, vramFreeBytes }. */
  MODEL_DOES_NOT_FIT: 'INFERENCE_MODEL_DOES_NOT_FIT',
  /** llama.cpp failed to load the file; data: { path, cause }. */
  LOAD_FAILED: 'INFERENCE_LOAD_FAILED',
  /** A completion or embedding was asked with no model loaded. */
  NO_MODEL_LOADED: 'INFERENCE_NO_MODEL_LOADED',
  /** The engine process exited unexpectedly; data: { exitCode, signal, during }. The node keeps running. */
  ENGINE_CRASHED: 'INFERENCE_ENGINE_CRASHED',
  /** The engine process could not start or answer; data: { cause }. */
  ENGINE_UNAVAILABLE: 'INFERENCE_ENGINE_UNAVAILABLE',
  /** llama.cpp failed during generation or embedding; data: { cause }. */
  GENERATION_FAILED: 'INFERENCE_GENERATION_FAILED',
  /** The file to add does not exist or cannot be read; data: { path }. */
  FILE_NOT_FOUND: 'INFERENCE_FILE_NOT_FOUND',
  /**
   * A token list is not integers in [0, vocabSize) (or is empty where tokens are needed, or too
   * long); data: { field, index, token, reason, vocabSize }. Refused before llama.cpp sees it.
   */
  BAD_TOKENS: 'INFERENCE_BAD_TOKENS',
  /** The prompt plus the answer (and end-of-text) do not fit the context; data: { needed, contextSize }. */
  CONTEXT_OVERFLOW: 'INFERENCE_CONTEXT_OVERFLOW',
  /** Token generation was cancelled through its AbortSignal; data: { tokens } generated so far. */
  CANCELLED: 'INFERENCE_CANCELLED',
} as const;

export type InferenceErrorCode = (typeof InferenceErrorCode)[keyof typeof InferenceErrorCode];

export function inferenceError(
  code: InferenceErrorCode,
  message: string,
  data: Record<string, unknown> = {},
): NoesisError {
  return new NoesisError(code, message, data);
}
