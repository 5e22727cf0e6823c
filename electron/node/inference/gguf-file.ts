/**
 * The cheap check that a file is a GGUF model before anything native touches it: the 4-byte magic
 * "GGUF" and a version llama.cpp reads (2 or 3). A truncated, HTML or random file is refused here
 * with a clear code instead of reaching llama.cpp's parser.
 */
import { open } from 'node:fs/promises';
import { InferenceErrorCode, inferenceError } from './errors.ts';

export const GGUF_MAGIC = Buffer.from('GGUF', 'ascii');
export const SUPPORTED_GGUF_VERSIONS: readonly number[] = [2, 3];

export function isGgufHeader(head: Uint8Array): boolean {
  if (head.length < 8) return false;
  const buf = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  return (
    buf.subarray(0, 4).equals(GGUF_MAGIC) && SUPPORTED_GGUF_VERSIONS.includes(buf.readUInt32LE(4))
  );
}

export async function readHeader(path: string, bytes = 8): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

export async function isGgufFile(path: string): Promise<boolean> {
  try {
    return isGgufHeader(await readHeader(path));
  } catch {
    return false;
  }
}

/** Throws NOT_GGUF unless the file starts with a supported GGUF header. */
export async function assertGgufFile(path: string): Promise<void> {
  let head: Buffer;
  try {
    head = await readHeader(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw inferenceError(InferenceErrorCode.FILE_NOT_FOUND, `no such file: ${path}`, { path });
    }
    throw error;
  }
  if (!isGgufHeader(head)) {
    throw inferenceError(
      InferenceErrorCode.NOT_GGUF,
      `${path} is not a GGUF model file (llama.cpp reads GGUF v2 and v3)`,
      { path },
    );
  }
}
