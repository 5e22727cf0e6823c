/**
 * The block log: the chain's source of truth on disk. One append-only file of framed records,
 * one record per finalized block, each written and fsync'd before the block is applied:
 *
 *   record  = magic "NBL1" (4 bytes) | length u32 BE | crc32(payload) u32 BE | payload
 *   payload = CBOR [blockBytes, commitBytes]      (commit = the block's own "seen commit")
 *
 * On open every record is checked. A torn tail (an incomplete header, a length running past the
 * end of the file, a bad checksum on the last record, or zero bytes left by a crash that grew the
 * file without writing it) is cut off: a block is either wholly in the log or not at all, never
 * half-applied. Damage before the last record is not a torn write, so it is refused (LOG_CORRUPT)
 * instead of silently dropping finalized blocks.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { decode } from 'cborg';
import { encodeCanonical } from '../codec.ts';
import { chainError, ChainErrorCode } from '../errors.ts';

const MAGIC = Uint8Array.from([0x4e, 0x42, 0x4c, 0x31]); // "NBL1"
const HEADER = 12;
/** Upper bound of one record's payload; a larger length field is damage, not a block. */
const MAX_RECORD = 64 * 1024 * 1024;

export interface LogEntry {
  block: Uint8Array;
  commit: Uint8Array;
}

export interface OpenLogResult {
  log: BlockLog;
  /** Bytes cut off the end as a torn record (0 when the log was clean). */
  truncatedBytes: number;
}

export class BlockLog {
  readonly file: string;
  private handle: FileHandle;
  private readonly offsets: number[] = [];
  private readonly lengths: number[] = [];
  private size = 0;
  private readonly readOnly: boolean;

  private constructor(file: string, handle: FileHandle, readOnly: boolean) {
    this.file = file;
    this.handle = handle;
    this.readOnly = readOnly;
  }

  /** Opens (creating unless read-only) and scans the log; a torn tail is truncated. */
  static async open(file: string, options: { readOnly?: boolean } = {}): Promise<OpenLogResult> {
    const readOnly = options.readOnly === true;
    const handle = await open(file, readOnly ? 'r' : 'a+');
    const log = new BlockLog(file, handle, readOnly);
    const truncatedBytes = await log.scan();
    return { log, truncatedBytes };
  }

  /** Number of records (= height of the last block). */
  get count(): number {
    return this.offsets.length;
  }

  private async scan(): Promise<number> {
    const { size } = await this.handle.stat();
    const header = new Uint8Array(HEADER);
    let offset = 0;
    while (offset < size) {
      const left = size - offset;
      const torn = async (): Promise<number> => {
        if (!this.readOnly) {
          await this.handle.truncate(offset);
          await this.handle.sync();
        }
        this.size = offset;
        return size - offset;
      };
      if (left < HEADER) return torn();
      await this.handle.read(header, 0, HEADER, offset);
      const view = new DataView(header.buffer);
      const magicOk = MAGIC.every((b, i) => header[i] === b);
      if (!magicOk) {
        if (await this.allZero(offset, size)) return torn();
        throw corrupt(offset, 'bad record marker');
      }
      const length = view.getUint32(4);
      const sum = view.getUint32(8);
      if (length > MAX_RECORD) throw corrupt(offset, 'record length out of range');
      if (HEADER + length > left) return torn();
      const payload = new Uint8Array(length);
      await this.handle.read(payload, 0, length, offset + HEADER);
      if (crc32(payload) !== sum) {
        if (offset + HEADER + length === size) return torn();
        throw corrupt(offset, 'checksum mismatch before the last record');
      }
      this.offsets.push(offset);
      this.lengths.push(length);
      offset += HEADER + length;
    }
    this.size = offset;
    return 0;
  }

  private async allZero(from: number, to: number): Promise<boolean> {
    const chunk = new Uint8Array(64 * 1024);
    for (let o = from; o < to; o += chunk.length) {
      const n = Math.min(chunk.length, to - o);
      await this.handle.read(chunk, 0, n, o);
      for (let i = 0; i < n; i++) if (chunk[i] !== 0) return false;
    }
    return true;
  }

  /** Appends one block and its commit, and returns only once the bytes are on disk. */
  async append(entry: LogEntry): Promise<void> {
    if (this.readOnly) throw new Error('block log opened read-only');
    const payload = encodeCanonical([entry.block, entry.commit]);
    const record = new Uint8Array(HEADER + payload.length);
    record.set(MAGIC, 0);
    const view = new DataView(record.buffer);
    view.setUint32(4, payload.length);
    view.setUint32(8, crc32(payload));
    record.set(payload, HEADER);
    let written = 0;
    while (written < record.length) {
      const r = await this.handle.write(
        record,
        written,
        record.length - written,
        this.size + written,
      );
      written += r.bytesWritten;
    }
    await this.handle.sync();
    this.offsets.push(this.size);
    this.lengths.push(payload.length);
    this.size += record.length;
  }

  /** Record of block `height` (1-based). */
  async read(height: number): Promise<LogEntry> {
    const offset = this.offsets[height - 1];
    const length = this.lengths[height - 1];
    if (offset === undefined || length === undefined) {
      throw chainError(ChainErrorCode.NOT_FOUND, `no block ${height} in the log`, { height });
    }
    const payload = new Uint8Array(length);
    await this.handle.read(payload, 0, length, offset + HEADER);
    const [block, commit] = decode(payload) as [Uint8Array, Uint8Array];
    return { block, commit };
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

function corrupt(offset: number, reason: string) {
  return chainError(ChainErrorCode.LOG_CORRUPT, `block log damaged at byte ${offset}: ${reason}`, {
    offset,
    reason,
  });
}
