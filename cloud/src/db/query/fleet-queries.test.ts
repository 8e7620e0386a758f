import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { forEachDatabase, type TestDatabase } from '../../../../test-support/databases.js';
import { consumeClaimToken, currentDocument, insertEdgeEvent, publishNewest, raiseDocumentVersion } from './fleet-queries.js';
import { insertPlaces } from '../../../../test-support/places.js';

const CONTENDER = fileURLToPath(new URL('./testing/contender.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const hash = (token: string) => createHash('sha256').update(token).digest('hex');

interface Outcomes {
  claims: { ok: boolean; reason?: string }[];
  events: boolean[];
  documents: { version: number; body: string; published: number[] }[];
}

/** Runs the contender in two processes started together; returns each one's outcomes. */
async function race(address: string, args: object, processes = 2): Promise<Outcomes[]> {
  const children = Array.from({ length: processes }, () =>
    spawn(process.execPath, ['--import', 'tsx', CONTENDER, address, JSON.stringify(args)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] }),
  );
  const outputs = children.map((child) => {
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const lines = createInterface({ input: child.stdout });
    const iterator = lines[Symbol.asyncIterator]();
    const next = async () => {
      const { value, done } = await iterator.next();
      if (done) throw new Error(`contender ended early: ${stderr}`);
      return value as string;
    };
    return { child, next };
  });
  for (const o of outputs) expect(await o.next()).toBe('ready');
  for (const o of outputs) o.child.stdin.write('go\n');
  const results = await Promise.all(outputs.map(async (o) => JSON.parse(await o.next()) as Outcomes));
  await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)))));
  return results;
}

const seedEdge = (q: TestDatabase) => insertPlaces(q, [{ code: 'vi-tan', name: 'Vị Tân', hamlets: [{ code: 'ap-1', name: 'Ấp 1', edge: { id: 'e1', name: 'Tủ ấp 1', status: 'unclaimed' } }] }]);

forEachDatabase('fleet writes under concurrency', (get) => {
  it('two processes at once: each claim token goes to exactly one, each event is stored once, document versions are distinct and consecutive', { timeout: 60_000 }, async () => {
    const q = get();
    await seedEdge(q);
    const tokens = Array.from({ length: 40 }, (_, i) => `token-${i}`);
    const events = Array.from({ length: 40 }, (_, i) => `ev-${i}`);
    const documents = Array.from({ length: 15 }, (_, i) => `w${i}`);
    const now = Date.now();
    await q.db
      .insertInto('claim_tokens')
      .values(tokens.map((t) => ({ token_hash: hash(t), edge_id: 'e1', created_at: now, expires_at: now + 60_000 })))
      .execute();
    const [a, b] = await race(q.address, { tokens: tokens.map(hash), events, documents, edgeId: 'e1' });

    // claims: one conditional UPDATE … RETURNING each, exactly one winner per token
    expect(tokens.map((_, i) => Number(a!.claims[i]!.ok) + Number(b!.claims[i]!.ok))).toEqual(tokens.map(() => 1));
    for (const outcome of [...a!.claims, ...b!.claims]) if (!outcome.ok) expect(outcome.reason).toBe('used');
    expect(await q.db.selectFrom('claim_tokens').select('token_hash').where('used_at', 'is not', null).execute()).toHaveLength(tokens.length);

    // events: ON CONFLICT DO NOTHING RETURNING, stored (and so published) once
    expect(events.map((_, i) => Number(a!.events[i]) + Number(b!.events[i]))).toEqual(events.map(() => 1));
    const count = await q.db.selectFrom('edge_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(count.n).toBe(events.length);
    expect(await insertEdgeEvent(q, { eventId: 'ev-0', edgeId: 'e1', kind: 'incident', ts: 1, body: {} })).toBe(false);

    // documents: 30 writers, versions 1…30 each given once, each writer's own body with its version
    const all = [...a!.documents, ...b!.documents];
    expect(all.map((r) => r.version).sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const current = await currentDocument(q, 'e1', 'plan');
    expect(current!.version).toBe(30);
    expect(all.find((r) => r.version === 30)!.body).toBe(current!.body);
    // each writer published its own version first, then only newer ones; someone published the newest
    for (const r of all) {
      expect(r.published[0]).toBe(r.version);
      expect([...r.published].sort((x, y) => x - y)).toEqual(r.published);
    }
    expect(Math.max(...all.flatMap((r) => r.published))).toBe(30);
  });

  it('explains a refused claim: unknown, used or expired', async () => {
    const q = get();
    await seedEdge(q);
    const now = Date.now();
    await q.db.insertInto('claim_tokens').values([
      { token_hash: hash('fresh'), edge_id: 'e1', created_at: now, expires_at: now + 60_000 },
      { token_hash: hash('old'), edge_id: 'e1', created_at: now - 120_000, expires_at: now - 60_000 },
    ]).execute();
    expect(await consumeClaimToken(q, hash('fresh'), now)).toEqual({ ok: true, edgeId: 'e1' });
    expect(await consumeClaimToken(q, hash('fresh'), now)).toEqual({ ok: false, reason: 'used' });
    expect(await consumeClaimToken(q, hash('old'), now)).toEqual({ ok: false, reason: 'expired' });
    expect(await consumeClaimToken(q, hash('typo'), now)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('publishes the newer version after its own when another writer raised it meanwhile', async () => {
    const q = get();
    await seedEdge(q);
    const mine = await raiseDocumentVersion(q, 'e1', 'plan', '{"n":1}');
    const published: number[] = [];
    await publishNewest(q, 'e1', 'plan', mine, async (v) => {
      published.push(v.version);
      // another process stores version 2 while this one is publishing version 1
      if (v.version === 1) await raiseDocumentVersion(q, 'e1', 'plan', '{"n":2}');
    });
    expect(published).toEqual([1, 2]);
  });
});
