import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
/** sha256 of a file's bytes, hex, read as a stream (clips are too big to hold in memory on the box). */
export async function hashFile(path) {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(path))
        hash.update(chunk);
    return hash.digest('hex');
}
//# sourceMappingURL=hash-file.js.map