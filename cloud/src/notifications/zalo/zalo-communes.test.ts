import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../db/database.js';
import type { StandinOa } from './testing/zalo-standin.js';
import { startZaloKit, type ZaloKit } from './testing/zalo-test-kit.js';

/** An alert as the radio stores it (its bulletin and audio asset first), for the channel to read its text. */
function storeAlert(db: Db, id: string, title: string): void {
  const now = Date.now();
  db.prepare('INSERT OR IGNORE INTO audio_assets (sha256, bytes, duration_ms, mime, created_at) VALUES (?, 1, 1000, ?, ?)').run('a'.repeat(64), 'audio/ogg', now);
  db.prepare(
    "INSERT INTO bulletins (id, title, kind, text, asset_sha256, duration_ms, loudness_lufs, true_peak_dbtp, created_at) VALUES (?, ?, 'tts', 'Di chuyển lên chỗ cao.', ?, 1000, -16, -1, ?)",
  ).run(`b-${id}`, title, 'a'.repeat(64), now);
  db.prepare(
    "INSERT INTO alerts (id, version, title, text, severity, origin, bulletin_id, priority, volume, starts_at, expires_at, targets, status, created_at) VALUES (?, 1, ?, 'Di chuyển lên chỗ cao.', 'extreme', 'json', ?, 'emergency', 90, ?, ?, '[]', 'active', ?)",
  ).run(id, title, `b-${id}`, now, now + 3600_000, now);
}

/**
 * Issue 10: a Zalo OA per commune, against the stand-in hosting several OAs (each its own app, as
 * Zalo hosts every commune's). Vị Tân (seeded) and Vị Thủy may connect their own; Long Mỹ never does.
 */
describe("communes' own Zalo OAs", () => {
  let dir: string;
  let kit: ZaloKit;
  let tanOa: StandinOa;
  let thuyOa: StandinOa;

  const start = async (options: Parameters<typeof startZaloKit>[1] = {}) => {
    kit = await startZaloKit(dir, options);
    kit.db.prepare("INSERT INTO communes (code, name, district, province, created_at) VALUES ('vi-thuy', 'Xã Vị Thủy', 'Huyện Vị Thủy', 'Tỉnh Hậu Giang', 1), ('long-my', 'Xã Long Mỹ', 'Huyện Long Mỹ', 'Tỉnh Hậu Giang', 2)").run();
    kit.db
      .prepare("INSERT INTO hamlets (code, commune_code, name, position) VALUES ('vt-1', 'vi-thuy', 'Ấp Vị Thủy 1', 100), ('vt-2', 'vi-thuy', 'Ấp Vị Thủy 2', 101), ('lm-1', 'long-my', 'Ấp Long Mỹ 1', 200)")
      .run();
    tanOa = kit.standin.addOa({ appId: '1000000000000011', appSecret: 'vi-tan-app-secret', oaSecretKey: 'vi-tan-oa-secret-key', oaId: '9000000000000011' });
    thuyOa = kit.standin.addOa({ appId: '1000000000000022', appSecret: 'vi-thuy-app-secret', oaSecretKey: 'vi-thuy-oa-secret-key', oaId: '9000000000000022' });
  };
  const startAlert = async (id: string, hamletCodes: string[]) => {
    storeAlert(kit.db, id, `Cảnh báo ${id}`);
    kit.bus.publish('alert.started', { alertId: id, version: 1, priority: 'emergency', severity: 'extreme', kind: 'flood', origin: 'json', hamletCodes, startsAt: Date.now(), expiresAt: Date.now() + 3600_000, replaces: null });
    await kit.bus.settled();
  };
  /** "<OA id> <user>" of every message about this alert the stand-in's OAs sent. */
  const sentAbout = (id: string) =>
    kit.standin.messages
      .filter((m) => m.text.includes(`Cảnh báo ${id}`))
      .map((m) => `${m.oaId} ${m.userId ?? 'broadcast'}`)
      .sort();

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-zalo-communes-'));
  });
  afterEach(async () => {
    await kit?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("two communes' OAs: each commune's notices go to its own OA's followers only, through that OA", async () => {
    await start();
    await kit.connectOa('vi-tan', tanOa);
    await kit.connectOa('vi-thuy', thuyOa);
    // citizens subscribe by writing their hamlet to their commune's OA (the signed webhook, one address for every OA)
    expect((await tanOa.citizenWrites('111', 'Ấp 1')).status).toBe(200);
    expect((await thuyOa.citizenWrites('222', 'vt-1')).status).toBe(200);
    // the same user id at two OAs is two followers (Zalo gives each OA its own ids)
    await tanOa.citizenWrites('333', 'ap-2');
    await thuyOa.citizenWrites('333', 'Ấp Vị Thủy 2');
    // a commune's OA knows only its own hamlets: naming another commune's gets the help text, no subscription
    await tanOa.citizenWrites('444', 'vt-1');
    expect(await kit.zalo.followers.hamletsOf('vi-tan', '111')).toEqual(['ap-1']);
    expect(await kit.zalo.followers.hamletsOf('vi-thuy', '222')).toEqual(['vt-1']);
    expect(await kit.zalo.followers.hamletsOf('vi-tan', '333')).toEqual(['ap-2']);
    expect(await kit.zalo.followers.hamletsOf('vi-thuy', '333')).toEqual(['vt-2']);
    expect(await kit.zalo.followers.hamletsOf('vi-tan', '444')).toEqual([]);
    expect(await kit.zalo.followers.hamletsOf(null, '111')).toEqual([]);

    await startAlert('tan', ['ap-1', 'ap-2']);
    await startAlert('thuy', ['vt-1', 'vt-2']);
    await startAlert('both', ['ap-1', 'vt-1']); // a province-wide alert: each commune's part through its own OA
    await kit.drain();

    expect(sentAbout('tan')).toEqual([`${tanOa.oaId} 111`, `${tanOa.oaId} 333`]);
    expect(sentAbout('thuy')).toEqual([`${thuyOa.oaId} 222`, `${thuyOa.oaId} 333`]);
    expect(sentAbout('both')).toEqual([`${tanOa.oaId} 111`, `${thuyOa.oaId} 222`]);
    // the replies to the citizens went through the OA they wrote to
    const confirmation = kit.standin.messages.find((m) => m.userId === '222' && m.text.startsWith('Đã đăng ký'))!;
    expect(confirmation.oaId).toBe(thuyOa.oaId);
    expect(kit.standin.messages.filter((m) => m.oaId === kit.standin.oaId)).toEqual([]); // the province's OA is not connected: it sent nothing
    // each row is its commune's (the deliveries a commune's admin sees) and names its OA
    const rows = (await kit.deliveries()).filter((d) => d.subject === 'alert:both');
    expect(rows.map((d) => `${d.communeCode} ${d.recipient} ${d.status}`).sort()).toEqual(['vi-tan 111@vi-tan sent', 'vi-thuy 222@vi-thuy sent']);
  });

  it("a commune without its own OA is served by the province's: its followers there get the commune's notices", async () => {
    await start();
    await kit.connect(); // the province's own OA (the stand-in's first)
    await kit.connectOa('vi-tan', tanOa);
    await kit.standin.citizenWrites('501', 'vt-1'); // the province's OA knows every commune's hamlets
    await kit.standin.citizenWrites('502', 'lm-1');
    await tanOa.citizenWrites('503', 'ap-1');
    expect(await kit.zalo.followers.hamletsOf(null, '501')).toEqual(['vt-1']);

    await startAlert('thuy', ['vt-1']);
    await startAlert('tan', ['ap-1']);
    await kit.drain();

    expect(sentAbout('thuy')).toEqual([`${kit.standin.oaId} 501`]);
    expect(sentAbout('tan')).toEqual([`${tanOa.oaId} 503`]);
    const row = (await kit.delivery('alert.started:thuy:501'))!;
    expect(row).toMatchObject({ communeCode: 'vi-thuy', status: 'sent', recipient: '501' });
  });

  it("the province's OA asks which hamlet when two communes have one of that name, and takes its code", async () => {
    await start();
    kit.db.prepare("INSERT INTO hamlets (code, commune_code, name, position) VALUES ('lm-ap-1', 'long-my', 'Ấp 1', 201)").run();
    await kit.connect();
    expect((await kit.standin.citizenWrites('701', 'ấp 1')).status).toBe(200);
    expect(await kit.zalo.followers.hamletsOf(null, '701')).toEqual([]);
    await kit.standin.citizenWrites('701', 'lm-ap-1');
    await kit.standin.citizenWrites('702', 'ap-1'); // a code written as it is names that hamlet
    expect(await kit.zalo.followers.hamletsOf(null, '701')).toEqual(['lm-ap-1']);
    expect(await kit.zalo.followers.hamletsOf(null, '702')).toEqual(['ap-1']);
    await kit.drain();
    const replies = kit.standin.messages.filter((m) => m.userId === '701').map((m) => m.text);
    expect(replies[0]).toBe('Có nhiều ấp tên như vậy. Ấp 1 (Xã Long Mỹ): nhắn "lm-ap-1"; Ấp 1 (Xã Vị Tân): nhắn "ap-1".');
    expect(replies[1]).toContain('Đã đăng ký nhận thông báo và cảnh báo khẩn cấp của Ấp 1');
  });

  it("broadcasts a commune's notice through its own OA when connected, else through the province's (one article for all such communes)", async () => {
    await start({ broadcast: true });
    await kit.connect();
    await kit.connectOa('vi-tan', tanOa);
    await startAlert('all', ['ap-1', 'vt-1', 'lm-1']);
    await kit.drain();

    expect(sentAbout('all')).toEqual([`${tanOa.oaId} broadcast`, `${kit.standin.oaId} broadcast`].sort());
    const rows = (await kit.deliveries()).filter((d) => d.subject === 'alert:all');
    expect(rows.map((d) => `${d.communeCode} ${d.recipient} ${d.status}`).sort()).toEqual(['vi-tan broadcast@vi-tan sent', 'vi-thuy broadcast sent']);
  });

  it('with no OA connected at all, a broadcast is kept waiting with a reason that says so', async () => {
    await start({ broadcast: true, tuning: { disconnectedRetryMs: 60_000 } });
    await startAlert('none', ['vt-1']);
    await kit.drain(300);

    const row = (await kit.delivery('alert.started:none:broadcast'))!;
    expect(row.status).toBe('queued');
    expect(row.communeCode).toBe('vi-thuy');
    expect(row.lastError).toContain("the province's Zalo OA is not connected (nor the commune's own)");
    expect(kit.standin.messages).toEqual([]);
  });

  it("refreshes each OA's tokens on its own: a commune's refused refresh token holds only that commune's messages (audited as the commune's)", async () => {
    await start({ tuning: { disconnectedRetryMs: 60_000 } });
    await kit.connectOa('vi-tan', tanOa);
    await kit.connectOa('vi-thuy', thuyOa);
    await tanOa.citizenWrites('601', 'ap-1');
    await thuyOa.citizenWrites('602', 'vt-1');
    await kit.drain();
    tanOa.expireAccessToken(); // Vị Tân's token refreshes once on -216
    thuyOa.revoke(); // Vị Thủy's refresh token is refused
    const tanRefreshes = tanOa.refreshCount;

    await startAlert('both', ['ap-1', 'vt-1']);
    await kit.drain(500);

    expect(sentAbout('both')).toEqual([`${tanOa.oaId} 601`]);
    expect(tanOa.refreshCount - tanRefreshes).toBe(1);
    expect((await kit.zalo.store.status('vi-tan')).state).toBe('connected');
    const thuy = await kit.zalo.store.status('vi-thuy');
    expect(thuy.state).toBe('needs_reconnect');
    expect(thuy.reason).toContain("commune vi-thuy's Zalo OA");
    const audit = await kit.audit.page({ action: 'zalo.needs_reconnect' }, 10, 0);
    expect(audit.items.map((e) => e.communeCode)).toEqual(['vi-thuy']);
    expect((await kit.audit.page({ action: 'zalo.connect' }, 10, 0)).items.map((e) => e.communeCode).sort()).toEqual(['vi-tan', 'vi-thuy']);
    expect((await kit.delivery('alert.started:both:602@vi-thuy'))!.status).toBe('queued');

    await kit.connectOa('vi-thuy', thuyOa); // the commune's admin reconnects: what waited goes
    await kit.drain(5000);
    expect(sentAbout('both')).toEqual([`${tanOa.oaId} 601`, `${thuyOa.oaId} 602`]);
  });
});
