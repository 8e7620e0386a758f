import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
/** The directory of an item's files, by the UTC date it opened on (`{dir}/YYYY-MM-DD`), made when missing. */
export function dayDir(dir, timeMs) {
    const day = join(dir, new Date(timeMs).toISOString().slice(0, 10));
    mkdirSync(day, { recursive: true });
    return day;
}
//# sourceMappingURL=day-dir.js.map