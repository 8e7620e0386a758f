import { createHash } from 'node:crypto';
import yauzl, { type Entry, type ZipFile } from 'yauzl';

/** Bounds on a zip read from outside: a bundle is a handful of files, the largest a clip. */
export interface ZipLimits {
  maxEntries: number;
  /** Largest uncompressed size of one entry. */
  maxEntryBytes: number;
  /** Sum of all entries' uncompressed sizes. */
  maxTotalBytes: number;
  /** Entries kept in memory (manifest, signature, key) may not exceed this. */
  maxKeptBytes: number;
  /** Uncompressed/compressed ratio above which a deflated entry (past 1 MiB) is taken for a zip bomb. */
  maxRatio: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 1000,
  maxEntryBytes: 8 * 1024 ** 3,
  maxTotalBytes: 16 * 1024 ** 3,
  maxKeptBytes: 4 * 1024 ** 2,
  maxRatio: 200,
};

export interface ZipEntryFacts {
  name: string;
  bytes: number;
  sha256: string;
  /** The bytes, for entries the caller asked to keep. */
  content?: Buffer;
}

/** The zip could not be read as a whole (truncated, damaged, over a bound): says why, in both languages. */
export class ZipReadError extends Error {
  override name = 'ZipReadError';
  constructor(
    readonly vi: string,
    en: string,
  ) {
    super(en);
  }
}

const MiB = 1024 ** 2;

/**
 * Reads every entry of a zip on disk, hashing it as it streams (nothing is extracted), and keeps the
 * bytes of the entries named in `keep`. The central directory's sizes are checked against the limits
 * before any data is read, and yauzl checks each entry's real size against its declared one, so a
 * zip bomb stops at the bound instead of filling memory or disk.
 */
export async function readZipEntries(path: string, keep: ReadonlySet<string>, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<ZipEntryFacts[]> {
  let zip: ZipFile;
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, strictFileNames: true, validateEntrySizes: true });
  } catch (err) {
    throw new ZipReadError(`không phải tệp zip đầy đủ (bị cắt ngắn hoặc hỏng): ${(err as Error).message}`, `not a complete zip file (truncated or damaged): ${(err as Error).message}`);
  }
  try {
    if (zip.entryCount > limits.maxEntries) throw new ZipReadError(`tệp zip có ${zip.entryCount} mục, quá giới hạn ${limits.maxEntries}`, `the zip has ${zip.entryCount} entries, more than ${limits.maxEntries}`);
    const entries = await listEntries(zip);
    let total = 0;
    for (const entry of entries) {
      const name = entry.fileName;
      total += entry.uncompressedSize;
      if (entry.isEncrypted()) throw new ZipReadError(`${name}: mục được mã hoá, không đọc được`, `${name}: entry is encrypted`);
      if (!entry.canDecodeFileData()) throw new ZipReadError(`${name}: kiểu nén không hỗ trợ`, `${name}: unsupported compression method ${entry.compressionMethod}`);
      if (entry.uncompressedSize > limits.maxEntryBytes) throw new ZipReadError(`${name}: quá lớn (${entry.uncompressedSize} byte)`, `${name}: too large (${entry.uncompressedSize} bytes, limit ${limits.maxEntryBytes})`);
      if (keep.has(name) && entry.uncompressedSize > limits.maxKeptBytes) throw new ZipReadError(`${name}: quá lớn (${entry.uncompressedSize} byte)`, `${name}: too large for what it is (${entry.uncompressedSize} bytes, limit ${limits.maxKeptBytes})`);
      if (entry.uncompressedSize > MiB && entry.uncompressedSize > limits.maxRatio * Math.max(1, entry.compressedSize)) {
        throw new ZipReadError(`${name}: tỉ lệ nén bất thường (zip bomb?)`, `${name}: compression ratio over ${limits.maxRatio}:1 (a zip bomb?)`);
      }
    }
    if (total > limits.maxTotalBytes) throw new ZipReadError(`tổng dung lượng giải nén ${total} byte quá giới hạn`, `the entries total ${total} bytes uncompressed, more than ${limits.maxTotalBytes}`);
    const facts: ZipEntryFacts[] = [];
    for (const entry of entries) facts.push(await hashEntry(zip, entry, keep.has(entry.fileName)));
    return facts;
  } finally {
    zip.close();
  }
}

function listEntries(zip: ZipFile): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: Entry[] = [];
    zip.on('entry', (entry: Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.once('end', () => resolve(entries));
    zip.once('error', (err: Error) => reject(new ZipReadError(`tệp zip hỏng: ${err.message}`, `the zip is damaged: ${err.message}`)));
    zip.readEntry();
  });
}

async function hashEntry(zip: ZipFile, entry: Entry, keepContent: boolean): Promise<ZipEntryFacts> {
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    const stream = await zip.openReadStreamPromise(entry);
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
      if (keepContent) chunks.push(chunk);
    }
  } catch (err) {
    throw new ZipReadError(`${entry.fileName}: không đọc được dữ liệu (${(err as Error).message})`, `${entry.fileName}: its data cannot be read (${(err as Error).message})`);
  }
  return { name: entry.fileName, bytes, sha256: hash.digest('hex'), ...(keepContent ? { content: Buffer.concat(chunks) } : {}) };
}
