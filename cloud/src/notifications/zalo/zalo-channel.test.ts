import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../db/database.js';
import { startZaloKit, type ZaloKit } from './testing/zalo-test-kit.js';

/** An alert as the radio stores it (its bulletin and audio asset first), for the channel to read its text. */
function storeAlert(db: Db, id: string, title: string, text: string): void {
  const now = Date.now();
  db.prepare('INSERT OR IGNORE INTO audio_assets (sha256, bytes, duration_ms, mime, created_at) VALUES (?, 1, 1000, ?, ?)').run('a'.repeat(64), 'audio/ogg', now);
  db.prepare(
    "INSERT INTO bulletins (id, title, kind, text, asset_sha256, duration_ms, loudness_lufs, true_peak_dbtp, created_at) VALUES (?, ?, 'tts', ?, ?, 1000, -16, -1, ?)",
  ).run(`b-${id}`, title, text, 'a'.repeat(64), now);
  db.prepare(
    "INSERT INTO alerts (id, version, title, text, severity, origin, bulletin_id, priority, volume, starts_at, expires_at, targets, status, created_at) VALUES (?, 1, ?, ?, 'extreme', 'json', ?, 'emergency', 90, ?, ?, '[]', 'active', ?)",
  ).run(id, title, text, `b-${id}`, now, now + 3600_000, now);
}

describe('the Zalo OA channel against the stand-in', () => {
  let dir: string;
  let kit: ZaloKit;

  const start = async (options: Parameters<typeof startZaloKit>[1] = {}) => {
    kit = await startZaloKit(dir, options);
    await kit.connect();
  };
  const startAlert = (id: string, hamletCodes: string[]) => {
    storeAlert(kit.db, id, 'Lũ lớn trên sông Cái Lớn', 'Người dân di chuyển lên chỗ cao.');
    kit.bus.publish('alert.started', { alertId: id, version: 1, priority: 'emergency', severity: 'extreme', kind: 'flood', origin: 'json', hamletCodes, startsAt: Date.UTC(2026, 11, 6, 0, 30), expiresAt: Date.now() + 3600_000, replaces: null });
  };
  const received = (userId: string) => kit.standin.messages.filter((m) => m.userId === userId);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-zalo-'));
  });
  afterEach(async () => {
    await kit?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends an emergency alert to the followers of the targeted hamlets only, once each, in Vietnamese with the time and the link', async () => {
    await start();
    await kit.zalo.followers.subscribe(null, '1001', 'ap-1');
    await kit.zalo.followers.subscribe(null, '1002', 'ap-2');
    await kit.zalo.followers.subscribe(null, '1002', 'ap-1'); // in both targeted hamlets: still one message
    await kit.zalo.followers.subscribe(null, '1003', 'ap-3');
    startAlert('alert-1', ['ap-1', 'ap-2']);
    await kit.bus.settled();
    startAlert('alert-1-again', ['ap-1']); // another alert is another message
    await kit.bus.settled();
    kit.bus.publish('alert.started', { alertId: 'alert-1', version: 1, priority: 'emergency', severity: 'extreme', kind: 'flood', origin: 'json', hamletCodes: ['ap-1', 'ap-2'], startsAt: Date.now(), expiresAt: Date.now(), replaces: null });
    await kit.bus.settled(); // the same event again (a restart): nothing new
    await kit.drain();

    expect(received('1001')).toHaveLength(2);
    expect(received('1002')).toHaveLength(2);
    expect(received('1003')).toHaveLength(0);
    const text = received('1002')[0]!.text;
    expect(text).toContain('CẢNH BÁO KHẨN CẤP: Lũ lớn trên sông Cái Lớn');
    expect(text).toContain('Người dân di chuyển lên chỗ cao.');
    expect(text).toContain('07:30 06/12/2026'); // 00:30 UTC in Asia/Ho_Chi_Minh
    expect(text).toContain('https://xa-vi-tan.example/thong-bao#b-alert-1');
    const subjects = (await kit.deliveries()).map((r) => `${r.subject} ${r.recipient} ${r.status}`).sort();
    expect(subjects).toEqual(['alert:alert-1 1001 sent', 'alert:alert-1 1002 sent', 'alert:alert-1-again 1001 sent', 'alert:alert-1-again 1002 sent']);
  });

  it('refreshes once when the access token expires mid-send (-216) and sends the message once', async () => {
    await start();
    await kit.zalo.followers.subscribe(null, '2001', 'ap-1');
    kit.standin.expireAccessToken(); // the store still believes it valid for 25 hours
    startAlert('alert-2', ['ap-1']);
    await kit.bus.settled();
    await kit.drain();

    expect(received('2001')).toHaveLength(1);
    expect(kit.standin.refreshCount).toBe(2); // the connection's, then the one after -216
    expect(kit.standin.calls.filter((c) => c.error === -216)).toHaveLength(1);
    const metrics = await kit.metrics.registry.getMetricsAsJSON();
    const value = (name: string, labels: Record<string, string>) =>
      metrics.find((m) => m.name === name)?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
    expect(value('sc_zalo_token_refreshes_total', { outcome: 'ok' })).toBe(1);
    expect(value('sc_zalo_calls_total', { endpoint: '/v3.0/oa/message/cs', result: 'zalo_-216' })).toBe(1);
    expect(value('sc_zalo_calls_total', { endpoint: '/v3.0/oa/message/cs', result: 'ok' })).toBe(1);
    const row = (await kit.deliveries())[0]!;
    expect(row.status).toBe('sent');
    expect(row.attempts).toBe(1);
    expect((await kit.zalo.store.status(null)).state).toBe('connected');
  });

  it('a revoked refresh token puts the OA into "needs reconnecting" (audited); messages wait and go after reconnecting', async () => {
    await start({ tuning: { disconnectedRetryMs: 60_000 } });
    await kit.zalo.followers.subscribe(null, '3001', 'ap-1');
    await kit.zalo.followers.subscribe(null, '3002', 'ap-1');
    kit.standin.revoke();
    startAlert('alert-3', ['ap-1']);
    await kit.bus.settled();
    await kit.drain(400);

    const status = await kit.zalo.store.status(null);
    expect(status.state).toBe('needs_reconnect');
    expect(status.reason).toContain('Zalo refused the refresh token');
    expect((await kit.audit.page({ action: 'zalo.needs_reconnect' }, 10, 0)).total).toBe(1);
    expect(kit.standin.messages).toHaveLength(0);
    const waiting = await kit.deliveries();
    expect(waiting.map((d) => d.status)).toEqual(['queued', 'queued']);
    for (const d of waiting) expect(d.lastError).toContain('connect the OA again');
    expect(waiting[0]!.nextAttemptAt! - Date.now()).toBeGreaterThan(30_000); // waiting, not spending its attempts
    expect(kit.standin.refreshCount).toBe(1); // the refused refresh is not counted, and nobody retried it in a loop

    await kit.connect(); // the admin pastes a new refresh token: what waited is due at once
    await kit.drain(5000);
    expect(received('3001')).toHaveLength(1);
    expect(received('3002')).toHaveLength(1);
    expect((await kit.zalo.store.status(null)).state).toBe('connected');
  });

  it('two processes refreshing at once: one spends the refresh token, the other reads the pair it stored; no lockout', async () => {
    await start({ tuning: { refreshEarlyMs: 26 * 3600_000 } }); // every token looks due for refresh
    const other = kit.secondProcess();
    const before = kit.standin.refreshCount;
    const [a, b] = await Promise.all([kit.zalo.tokens.accessToken(null), other.tokens.accessToken(null)]);

    expect(a.ok && b.ok).toBe(true);
    expect(a.ok && b.ok && a.token === b.token).toBe(true);
    expect(kit.standin.refreshCount - before).toBe(1);
    expect(kit.standin.calls.filter((c) => c.error !== null && c.error < 0)).toHaveLength(0); // no spent refresh token was tried
    expect((await kit.zalo.store.status(null)).state).toBe('connected');
  });

  it('backs off when Zalo rate-limits (-32) and delivers every message exactly once', async () => {
    await start({ standin: { ratePerS: 10 }, ratePerS: 1000, concurrency: 16 });
    const users = Array.from({ length: 40 }, (_, i) => String(4000 + i));
    for (const u of users) (await kit.zalo.followers.subscribe(null, u, 'ap-4'));
    startAlert('alert-4', ['ap-4']);
    await kit.bus.settled();
    await kit.drain(20_000);

    expect(kit.standin.calls.some((c) => c.error === -32)).toBe(true);
    for (const u of users) expect(received(u)).toHaveLength(1);
    expect((await kit.deliveries()).every((d) => d.status === 'sent')).toBe(true);
    expect((await kit.deliveries()).some((d) => d.history.some((a) => a.reason?.startsWith('rate limit')))).toBe(true);
  });

  it('retries after a 5xx and sends once', async () => {
    await start();
    await kit.zalo.followers.subscribe(null, '5001', 'ap-5');
    kit.standin.failNext(502, 503);
    startAlert('alert-5', ['ap-5']);
    await kit.bus.settled();
    await kit.drain();

    expect(received('5001')).toHaveLength(1);
    const row = (await kit.deliveries())[0]!;
    expect(row.attempts).toBe(3);
    expect(row.history.map((a) => `${a.outcome} ${a.reason ?? ''}`.trim())).toEqual(['retry Zalo: HTTP 502', 'retry Zalo: HTTP 503', 'sent']);
  });

  it('gives up on a follower who has not interacted within 7 days (-230) with a visible reason; the others get it', async () => {
    await start();
    await kit.zalo.followers.subscribe(null, '6001', 'ap-6');
    await kit.zalo.followers.subscribe(null, '6002', 'ap-6');
    kit.standin.markNotInteracted('6002');
    startAlert('alert-6', ['ap-6']);
    await kit.bus.settled();
    await kit.drain();

    expect(received('6001')).toHaveLength(1);
    expect(received('6002')).toHaveLength(0);
    const row = (await kit.delivery('alert.started:alert-6:6002'))!;
    expect(row.status).toBe('failed');
    expect(row.attempts).toBe(1);
    expect(row.lastError).toContain('-230');
  });

  it('subscribes a citizen who writes a hamlet to the OA (signed webhook) and confirms; refuses a wrong signature', async () => {
    await start();
    const ok = await kit.standin.citizenWrites('7001', 'ấp 2a');
    expect(ok.status).toBe(200);
    expect(await kit.zalo.followers.hamletsOf(null, '7001')).toEqual(['ap-2a']);

    const forged = await kit.standin.citizenWrites('7002', 'Ấp 3');
    expect(forged.status).toBe(200);
    const bad = await kit.standin.citizenWrites('7003', 'Ấp 3', { badSignature: true });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('signature_invalid');
    expect(await kit.zalo.followers.hamletsOf(null, '7003')).toEqual([]);

    const tooBig = await fetch(kit.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ app_id: kit.standin.appId, event_name: 'user_send_text', timestamp: '1', pad: 'x'.repeat(20_000) }) });
    expect(tooBig.status).toBe(413);

    await kit.drain();
    expect(received('7001')[0]!.text).toContain('Đã đăng ký nhận thông báo và cảnh báo khẩn cấp của Ấp 2A');
    expect(received('7003')).toHaveLength(0);

    await kit.standin.citizenWrites('7001', 'HỦY');
    expect(await kit.zalo.followers.hamletsOf(null, '7001')).toEqual([]);
  });

  it('sends a bulletin scheduled for the public to the followers of its hamlets, once however often it is scheduled', async () => {
    await start();
    await kit.zalo.followers.subscribe(null, '8001', 'ap-5');
    await kit.zalo.followers.subscribe(null, '8002', 'ap-6');
    storeAlert(kit.db, 'x', 'Lịch tiêm phòng', 'Sáng thứ Hai tại trạm y tế xã.'); // stores bulletin b-x
    const firstStartAt = Date.UTC(2026, 11, 7, 1, 0);
    kit.bus.publish('bulletin.scheduled', { bulletinId: 'b-x', scheduleId: 's1', hamletCodes: ['ap-5'], firstStartAt });
    kit.bus.publish('bulletin.scheduled', { bulletinId: 'b-x', scheduleId: 's2', hamletCodes: ['ap-5'], firstStartAt });
    await kit.bus.settled();
    await kit.drain();

    expect(received('8002')).toHaveLength(0);
    expect(received('8001')).toHaveLength(1);
    expect(received('8001')[0]!.text).toBe('Thông báo của xã: Lịch tiêm phòng\nSáng thứ Hai tại trạm y tế xã.\nPhát trên loa lúc 08:00 07/12/2026.\nNghe và xem chi tiết: https://xa-vi-tan.example/thong-bao#b-x');
    expect((await kit.deliveries()).map((r) => r.subject)).toEqual(['bulletin:b-x']);
  });

  it('with broadcast permission posts one article per alert to every follower; a retry after a 5xx broadcasts the same article', async () => {
    await start({ broadcast: true });
    await kit.zalo.followers.subscribe(null, '9001', 'ap-1');
    startAlert('alert-9', ['ap-1']);
    await kit.bus.settled();
    // the article is created and verified, then the broadcast call itself answers 503 once
    kit.standin.failAt('/v2.0/oa/message', 503);
    await kit.drain();

    const broadcasts = kit.standin.messages.filter((m) => m.kind === 'broadcast');
    expect(broadcasts).toHaveLength(1);
    expect(broadcasts[0]!.text).toContain('CẢNH BÁO KHẨN CẤP: Lũ lớn trên sông Cái Lớn');
    expect(broadcasts[0]!.text).toContain('https://xa-vi-tan.example/thong-bao#b-alert-9');
    expect(kit.standin.messages.filter((m) => m.kind === 'cs')).toHaveLength(0);
    expect(kit.standin.calls.filter((c) => c.path === '/v2.0/article/create')).toHaveLength(1);
    const row = (await kit.delivery('alert.started:alert-9:broadcast'))!;
    expect(row.status).toBe('sent');
    expect(row.attempts).toBe(2);
  });
});
