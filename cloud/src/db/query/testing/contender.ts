/**
 * A second process for the concurrency tests: opens the database at argv[2] (a postgres://
 * address or an already migrated SQLite file), says "ready", waits for "go" on stdin, then claims
 * every token, stores every event and raises the box's document once per item, all at once, and
 * prints the outcomes as one JSON line. Kept to few imports: it starts in a fresh process.
 */
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { postgresQueryDatabase, sqliteQueryDatabase } from '../connect.js';
import { consumeClaimToken, insertEdgeEvent, publishNewest, raiseDocumentVersion } from '../fleet-queries.js';

const [address, argsJson] = process.argv.slice(2) as [string, string];
const args = JSON.parse(argsJson) as { tokens: string[]; events: string[]; documents: string[]; edgeId: string };
function openSqlite(file: string) {
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  return sqliteQueryDatabase(db);
}
const q = address.startsWith('postgres://') ? postgresQueryDatabase(address, { max: 8 }) : openSqlite(address);

async function raise(item: string) {
  const mine = await raiseDocumentVersion(q, args.edgeId, 'plan', JSON.stringify({ item, pid: process.pid }));
  const published: number[] = [];
  await publishNewest(q, args.edgeId, 'plan', mine, async (v) => void published.push(v.version));
  return { version: mine.version, body: mine.body, published };
}

// warm the connections up before the start line, so both processes really start together
await Promise.all(Array.from({ length: 4 }, () => q.db.selectFrom('edges').select('id').limit(1).execute()));
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line !== 'go') continue;
  const [claims, events, documents] = await Promise.all([
    Promise.all(args.tokens.map((t) => consumeClaimToken(q, t))),
    Promise.all(args.events.map((e) => insertEdgeEvent(q, { eventId: e, edgeId: args.edgeId, kind: 'incident', ts: 1, body: { e } }))),
    Promise.all(args.documents.map(raise)),
  ]);
  process.stdout.write(`${JSON.stringify({ claims, events, documents })}\n`);
  break;
}
lines.close();
await q.close();
