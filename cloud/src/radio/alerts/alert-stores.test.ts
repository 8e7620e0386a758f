import { expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test-support/databases.js';
import { bulletinRow, twoCommunes } from '../testing/radio-rows.js';
import { TargetArea } from '../target-area.js';
import { AlertStore, type NewAlert } from './alert-store.js';
import { HeldAlertStore, type NewHeld } from './held-store.js';
import { TrustedSenders } from './trusted-senders.js';
import type { CapCandidate } from '../cap/cap-rules.js';

const alert = (id: string, over: Partial<NewAlert> = {}): NewAlert => ({
  id,
  version: 1,
  title: 'Bão số 5',
  text: 'Bão số 5 đổ bộ',
  severity: 'severe',
  kind: 'storm',
  origin: 'json',
  capIdentifier: null,
  capSender: null,
  bulletinId: 'bul-1',
  priority: 'emergency',
  riskLevel: null,
  volume: 100,
  repeatEveryMs: null,
  startsAt: 1_000,
  expiresAt: 10_000,
  targets: { all: true, hamlets: [], edges: [] },
  createdBy: null,
  createdAt: 500,
  replaces: null,
  communeCode: null,
  ...over,
});

const held = (id: string, identifier: string, expiresAt: number, communeCode: string | null = null): NewHeld => ({
  id,
  reasons: ['untrusted_sender'],
  candidate: { sender: 'kttv@example.vn', identifier, expiresAt } as unknown as CapCandidate,
  source: 'manual',
  receivedBy: null,
  receivedAt: expiresAt - 1000,
  communeCode,
});

forEachDatabase('alert store', (get) => {
  it('stores an alert with its audio, finds it by id and CAP key, and a commune alert for all reaches its hamlets', async () => {
    await twoCommunes(get());
    await bulletinRow(get());
    const store = new AlertStore(get());
    await store.insert(alert('alr-p'));
    await store.insert(alert('alr-c', { communeCode: 'vi-tan', capSender: 'kttv', capIdentifier: 'x-1', origin: 'cap', riskLevel: 3, createdAt: 600 }));
    const province = await store.get('alr-p');
    expect(province).toMatchObject({ status: 'active', issuer: 'province', reach: { all: true }, asset: { sha256: 'a'.repeat(64), bytes: 1234, durationMs: 5000, mime: 'audio/ogg' }, durationMs: 5100 });
    const commune = await store.findByCap('kttv', 'x-1');
    expect(commune).toMatchObject({ id: 'alr-c', issuer: 'commune', riskLevel: 3, reach: { all: false, hamlets: ['ap-1', 'ap-2'], edges: [] }, replacedBy: null });
    expect(await store.find('alr-none')).toBeNull();
    await expect(store.get('alr-none')).rejects.toMatchObject({ status: 404 });
  });

  it("lists newest first, a commune's with the province's own and not another commune's", async () => {
    await twoCommunes(get());
    await bulletinRow(get());
    const store = new AlertStore(get());
    await store.insert(alert('alr-1', { createdAt: 1 }));
    await store.insert(alert('alr-2', { createdAt: 2, communeCode: 'vi-tan' }));
    await store.insert(alert('alr-3', { createdAt: 3, communeCode: 'vi-dong' }));
    expect((await store.list({ limit: 10 })).map((a) => a.id)).toEqual(['alr-3', 'alr-2', 'alr-1']);
    expect((await store.list({ limit: 10, commune: 'vi-tan' })).map((a) => a.id)).toEqual(['alr-2', 'alr-1']);
    expect((await store.list({ limit: 1 })).map((a) => a.id)).toEqual(['alr-3']);
    expect(await store.cancel('alr-3', 50)).toBe(true);
    expect((await store.list({ limit: 10, status: 'cancelled' })).map((a) => a.id)).toEqual(['alr-3']);
  });

  it('a replacing alert is stored with the replaced one cancelled in the same step, once', async () => {
    await bulletinRow(get());
    const store = new AlertStore(get());
    await store.insert(alert('alr-1'));
    await store.insert(alert('alr-0'));
    await store.cancel('alr-0', 10);
    // alr-0 already cancelled: only alr-1 is reported as cancelled by this insert
    expect(await store.insert(alert('alr-2', { version: 2, replaces: 'alr-1' }), { ids: ['alr-1', 'alr-0'], at: 700 })).toEqual(['alr-1']);
    expect(await store.get('alr-1')).toMatchObject({ status: 'cancelled', cancelledAt: 700, replacedBy: 'alr-2' });
    expect(await store.get('alr-2')).toMatchObject({ status: 'active', version: 2, replaces: 'alr-1' });
  });

  it('cancels and expires each alert once, and lists those still audible', async () => {
    await bulletinRow(get());
    const store = new AlertStore(get());
    await store.insert(alert('alr-a', { startsAt: 2_000, expiresAt: 5_000 }));
    await store.insert(alert('alr-b', { startsAt: 1_000, expiresAt: 20_000 }));
    await store.insert(alert('alr-c', { expiresAt: 20_000 }));
    expect(await Promise.all([store.cancel('alr-c', 9), store.cancel('alr-c', 9)])).toEqual(expect.arrayContaining([true, false]));
    expect((await store.audibleSince(0)).map((a) => a.id)).toEqual(['alr-b', 'alr-a']);
    expect(await store.expire(6_000)).toEqual([{ id: 'alr-a', expiresAt: 5_000 }]);
    expect(await store.expire(6_000)).toEqual([]);
    expect((await store.audibleSince(6_000)).map((a) => a.id)).toEqual(['alr-b']);
  });
});

forEachDatabase('held alert store', (get) => {
  it('holds, lists by status and commune, decides once and expires by the candidate expiry', async () => {
    await twoCommunes(get());
    const store = new HeldAlertStore(get());
    await store.insert(held('hld-1', 'm-1', 5_000));
    await store.insert(held('hld-2', 'm-2', 50_000, 'vi-tan'));
    await store.insert(held('hld-3', 'm-3', 60_000, 'vi-dong'));
    await expect(store.insert(held('hld-4', 'm-1', 5_000))).rejects.toThrow();
    expect(await store.findByCap('kttv@example.vn', 'm-2')).toMatchObject({ id: 'hld-2', status: 'held', reasons: ['untrusted_sender'], candidate: { identifier: 'm-2' }, communeCode: 'vi-tan' });
    expect((await store.list({ limit: 10 })).map((h) => h.id)).toEqual(['hld-3', 'hld-2', 'hld-1']);
    expect((await store.list({ limit: 10, commune: 'vi-tan' })).map((h) => h.id)).toEqual(['hld-2']);
    expect(await store.expire(6_000)).toBe(1);
    expect(await store.get('hld-1')).toMatchObject({ status: 'expired', decidedAt: 6_000 });
    const decisions = await Promise.all([
      store.decide('hld-2', { status: 'confirmed', decidedBy: null, at: 7_000, note: 'ok' }),
      store.decide('hld-2', { status: 'rejected', decidedBy: null, at: 7_000 }),
    ]);
    expect(decisions.filter(Boolean)).toHaveLength(1);
    expect((await store.list({ limit: 10, status: 'held' })).map((h) => h.id)).toEqual(['hld-3']);
    await expect(store.get('hld-none')).rejects.toMatchObject({ status: 404 });
  });
});

forEachDatabase('trusted senders', (get) => {
  it('adds a sender once, lists in order, and removes', async () => {
    const trusted = new TrustedSenders(get(), () => 42);
    expect(await trusted.add('b@kttv', 'B', null)).toEqual({ sender: 'b@kttv', note: 'B', addedBy: null, addedAt: 42, signerPem: null });
    await trusted.add('a@kttv', '', null);
    await expect(trusted.add('a@kttv', '', null)).rejects.toMatchObject({ status: 409 });
    await expect(trusted.add('c@kttv', '', null, 'not a pem')).rejects.toMatchObject({ status: 400 });
    expect((await trusted.list()).map((s) => s.sender)).toEqual(['a@kttv', 'b@kttv']);
    expect(await trusted.has('a@kttv')).toBe(true);
    expect(await trusted.signerKey('a@kttv')).toBeNull();
    await trusted.remove('a@kttv');
    expect(await trusted.has('a@kttv')).toBe(false);
    await expect(trusted.remove('a@kttv')).rejects.toMatchObject({ status: 404 });
  });
});

forEachDatabase('target area', (get) => {
  it("resolves a province person's communes into hamlets and keeps a commune's person inside their commune", async () => {
    await twoCommunes(get());
    const area = new TargetArea(get());
    expect(await area.hamletsOf('vi-tan')).toEqual(['ap-1', 'ap-2']);
    expect(await area.resolve({ communes: ['vi-dong'], hamlets: ['ap-2'] }, { communeCode: null })).toEqual({ all: false, hamlets: ['ap-2', 'vd-1'], edges: [] });
    expect(await area.resolve({ all: true }, { communeCode: 'vi-tan' })).toEqual({ all: true, hamlets: [], edges: [] });
    expect(await area.resolve({ edges: ['edge-a'] }, { communeCode: 'vi-tan' })).toEqual({ all: false, hamlets: [], edges: ['edge-a'] });
    await expect(area.resolve({ hamlets: ['vd-1'] }, { communeCode: 'vi-tan' })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('unknown hamlet') });
    await expect(area.resolve({ edges: ['edge-b'] }, { communeCode: 'vi-tan' })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('unknown edge') });
    await expect(area.resolve({ communes: ['vi-dong'] }, { communeCode: 'vi-tan' })).rejects.toMatchObject({ status: 400 });
    await expect(area.resolve({ communes: ['nowhere'] }, { communeCode: null })).rejects.toMatchObject({ status: 400 });
    expect(await area.inside({ all: false, hamlets: ['ap-1'], edges: ['edge-a'] }, 'vi-tan')).toBe(true);
    expect(await area.inside({ all: false, hamlets: ['ap-1'], edges: ['edge-b'] }, 'vi-tan')).toBe(false);
    expect(await area.inside({ all: false, hamlets: ['vd-1'], edges: [] }, null)).toBe(true);
  });
});
