import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, onTestFinished } from 'vitest';
import { VI_TAN, type ReleaseManifest } from '@smart-commune/shared';
import { forEachDatabase } from '../../../test-support/databases.js';
import { racingConnection } from '../../../test-support/second-connection.js';
import { seedCommuneQuery, seedEdgeQuery } from '../communes/testing/seed-query.js';
import { ReleaseStore } from './release-store.js';
import { RolloutStore } from './rollout-store.js';

const VI_THUY = { code: 'vi-thuy', name: 'Xã Vị Thủy', district: '', province: 'T', hamlets: [{ code: 'vt-1', name: 'Ấp Vĩnh Phú' }] };

const manifest = (version: string, arch: 'arm64' | 'x64', product: 'edge' | 'cloud' = 'edge') =>
  ({ version, arch, product, files: [{ path: 'a', bytes: 1, sha256: 'x' }], minCloudVersion: null, contractVersion: '3' }) as unknown as ReleaseManifest;

/** A stored bundle's row of `version` (its file is not needed by these stores' queries). */
const release = (version: string) => ({ manifest: manifest(version, 'x64'), manifestJson: JSON.stringify(manifest(version, 'x64')), bytes: 1, sha256: `s-${version}`, fileName: `${version}.tar`, uploadedBy: 'admin', at: 1 });

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

forEachDatabase('release store', (get) => {
  it('stores a bundle once (a second insert of the same version and arch gets null), lists, finds, tells the bundles and deletes with the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-releases-'));
    dirs.push(dir);
    const store = new ReleaseStore(get(), dir);
    const row = (version: string, arch: 'arm64' | 'x64', at: number, product: 'edge' | 'cloud' = 'edge') => ({
      manifest: manifest(version, arch, product),
      manifestJson: JSON.stringify(manifest(version, arch, product)),
      bytes: 100,
      sha256: `sha-${version}-${arch}`,
      fileName: `${version}-${arch}.tar`,
      uploadedBy: 'admin',
      at,
    });
    const first = await store.insert(row('1.2.0', 'arm64', 1000));
    expect(first).toMatchObject({ version: '1.2.0', arch: 'arm64', product: 'edge', bytes: 100, files: 1, contractVersion: '3', uploadedAt: 1000 });
    // two uploads of the same bundle at once: one INSERT wins, the other is told
    const [a, b] = await Promise.all([store.insert(row('1.3.0', 'x64', 2000)), store.insert(row('1.3.0', 'x64', 2001))]);
    expect([a, b].filter((r) => r !== null)).toHaveLength(1);
    expect(await store.insert(row('1.2.0', 'arm64', 3000))).toBeNull();
    await store.insert(row('1.2.0', 'x64', 1500));
    await store.insert(row('1.4.0', 'x64', 1600, 'cloud'));

    expect((await store.list()).map((r) => `${r.version}/${r.arch}`)).toEqual(['1.3.0/x64', '1.4.0/x64', '1.2.0/x64', '1.2.0/arm64']);
    expect(await store.find('1.2.0', 'x64')).toMatchObject({ sha256: 'sha-1.2.0-x64' });
    expect(await store.find('9.9.9', 'x64')).toBeNull();
    // a box is told about the edge bundles only, one per architecture
    expect((await store.bundles('1.2.0')).map((r) => [r.arch, r.sha256])).toEqual([
      ['arm64', 'sha-1.2.0-arm64'],
      ['x64', 'sha-1.2.0-x64'],
    ]);
    expect(await store.bundles('1.4.0')).toEqual([]);

    const file = (await store.filePath('1.2.0', 'arm64'))!;
    expect(file).toBe(join(dir, '1.2.0-arm64.tar'));
    writeFileSync(file, 'bundle');
    expect(await store.delete('1.2.0', 'arm64')).toBe(true);
    expect(existsSync(file)).toBe(false);
    expect(await store.delete('1.2.0', 'arm64')).toBe(false);
    expect(await store.filePath('1.2.0', 'arm64')).toBeNull();
  });
});

forEachDatabase('rollout store', (get) => {
  async function seed() {
    const q = get();
    await seedCommuneQuery(q, VI_TAN);
    await seedCommuneQuery(q, VI_THUY);
    await seedEdgeQuery(q, 'e1', 'ap-1', { online: true });
    await seedEdgeQuery(q, 'e2', 'ap-1');
    await seedEdgeQuery(q, 'e3', 'vt-1');
    await seedEdgeQuery(q, 'e4', 'vt-1');
    const dir = mkdtempSync(join(tmpdir(), 'sc-releases-'));
    dirs.push(dir);
    await new ReleaseStore(q, dir).insert(release('2.0.0'));
    const store = new RolloutStore(q);
    const create = (id: string, at: number, boxes: [string, number][]) =>
      store.create({
        id,
        version: '2.0.0',
        scope: { kind: 'edges', edgeIds: boxes.map(([e]) => e) },
        waves: [1],
        soakS: 60,
        failureThreshold: 0.5,
        createdBy: 'admin',
        at,
        boxes: boxes.map(([edgeId, wave]) => ({ edgeId, wave, fromVersion: '1.0.0' })),
      });
    return { store, create };
  }

  it('creates a rollout with its boxes, counts them (a commune over its own boxes only) and lists what each commune sees', async () => {
    const { store, create } = await seed();
    await create('rol_all', 1000, [
      ['e1', 0],
      ['e2', 1],
      ['e3', 1],
    ]);
    await create('rol_thuy', 2000, [['e4', 0]]);
    await store.update('rol_all', { state: 'paused', pausedReason: 'wave 1: Tủ e3 failed' }, 1500);

    const all = (await store.find('rol_all'))!;
    expect(all).toMatchObject({ state: 'paused', wave: 0, waveCount: 2, total: 3, waves: [1], soakS: 60, failureThreshold: 0.5, pausedReason: 'wave 1: Tủ e3 failed' });
    expect(all.counts.pending).toBe(3);
    // Vị Tân sees its two boxes, and not the reason, which may name another commune's box
    expect(await store.find('rol_all', { communeCode: 'vi-tan' })).toMatchObject({ total: 2, pausedReason: null });
    expect(await store.find('rol_thuy', { communeCode: 'vi-tan' })).toBeNull();
    expect((await store.list()).map((r) => r.id)).toEqual(['rol_thuy', 'rol_all']);
    expect((await store.list(100, { communeCode: 'vi-tan' })).map((r) => r.id)).toEqual(['rol_all']);
    expect((await store.list(1)).map((r) => r.id)).toEqual(['rol_thuy']);

    const boxes = await store.boxes('rol_all');
    expect(boxes.map((b) => [b.edgeId, b.wave, b.hamletCode, b.online])).toEqual([
      ['e1', 0, 'ap-1', true],
      ['e2', 1, 'ap-1', false],
      ['e3', 1, 'vt-1', false],
    ]);
    expect((await store.boxes('rol_all', { communeCode: 'vi-thuy' })).map((b) => b.edgeId)).toEqual(['e3']);
    expect((await store.boxes('rol_all', { wave: 1, states: ['pending'] })).map((b) => b.edgeId)).toEqual(['e2', 'e3']);

    expect(await store.busy(['e1', 'e3', 'e4', 'none'])).toEqual([
      { edgeId: 'e1', rolloutId: 'rol_all' },
      { edgeId: 'e3', rolloutId: 'rol_all' },
      { edgeId: 'e4', rolloutId: 'rol_thuy' },
    ]);
    expect(await store.activeIds()).toEqual(['rol_all', 'rol_thuy']);
    expect(await store.activeIds('running')).toEqual(['rol_thuy']);
    expect(await store.underWayOf('2.0.0')).not.toBeNull();
    expect(await store.underWayOf('3.0.0')).toBeNull();
    expect(await store.latestWith('e4', '2.0.0')).toBe('rol_thuy');
    expect(await store.activeFor('e1')).toEqual({ rolloutId: 'rol_all', version: '2.0.0', state: 'pending' });
    expect(await store.countsByState()).toEqual([{ state: 'pending', count: 4 }]);
  });

  it('decides each step once: a wave sent once, a state change only from the state expected, a box moved only from its state, a retraction returning the boxes told', async () => {
    const { store, create } = await seed();
    await create('rol_1', 1000, [
      ['e1', 0],
      ['e2', 0],
      ['e3', 1],
    ]);
    // two processes start wave 0 at once: each box is sent by exactly one
    const [a, b] = await Promise.all([store.sendPending('rol_1', 0, 2000), store.sendPending('rol_1', 0, 2000)]);
    expect([...a, ...b].sort()).toEqual(['e1', 'e2']);
    expect(await store.box('rol_1', 'e1')).toEqual({ state: 'sent', wave: 0 });

    // two answers of e1 read it `sent`; only the first to write moves it
    expect(await store.updateBox('rol_1', 'e1', { state: 'downloading', bytesDone: 10, bytesTotal: 100 }, 2100, 'sent')).toBe(true);
    expect(await store.updateBox('rol_1', 'e1', { state: 'installed' }, 2100, 'sent')).toBe(false);
    expect(await store.updateBox('rol_1', 'e1', { state: 'failed', reason: 'disk full', logLines: ['no space'] }, 2200, 'downloading')).toBe(true);
    const e1 = (await store.boxes('rol_1')).find((x) => x.edgeId === 'e1')!;
    expect(e1).toMatchObject({ state: 'failed', bytesDone: 10, bytesTotal: 100, reason: 'disk full', logLines: ['no space'], sentAt: 2000, updatedAt: 2200 });

    // the next wave: of two processes that both saw wave 0 soaked, one moves to wave 1
    const advance = () => store.update('rol_1', { wave: 1, waveStartedAt: 3000, failuresAccepted: 0 }, 3000, { states: ['running'], wave: 0 });
    expect((await Promise.all([advance(), advance()])).filter(Boolean)).toHaveLength(1);
    expect(await store.find('rol_1')).toMatchObject({ wave: 1, waveStartedAt: 3000 });
    // pausing: only from running
    expect(await store.update('rol_1', { state: 'paused', pausedReason: 'x' }, 3100, { states: ['running'] })).toBe(true);
    expect(await store.update('rol_1', { state: 'paused', pausedReason: 'y' }, 3200, { states: ['running'] })).toBe(false);
    expect(await store.find('rol_1')).toMatchObject({ state: 'paused', pausedReason: 'x', updatedAt: 3100 });
    expect(await store.update('missing', { state: 'cancelled' }, 3300)).toBe(false);

    // the paused rollout takes the release back from the told box (e2), and e3 still pending stays so
    await store.updateBox('rol_1', 'e2', { state: 'downloading' }, 3000);
    expect(await store.retract('rol_1', 'pending', null, 3400)).toEqual(['e2']);
    expect((await store.boxes('rol_1')).map((x) => [x.edgeId, x.state])).toEqual([
      ['e1', 'failed'],
      ['e2', 'pending'],
      ['e3', 'pending'],
    ]);
    expect(await store.retract('rol_1', 'cancelled', 'cancelled by admin', 3500)).toEqual([]);
    expect((await store.boxes('rol_1', { states: ['cancelled'] })).map((x) => [x.edgeId, x.reason])).toEqual([
      ['e2', 'cancelled by admin'],
      ['e3', 'cancelled by admin'],
    ]);
    expect(await store.countsByState()).toEqual(expect.arrayContaining([{ state: 'failed', count: 1 }, { state: 'cancelled', count: 2 }]));
  });

  it('lets a box into one rollout under way only: of two created at once over it one wins, and it is free again once that one finished', async () => {
    const { store, create } = await seed();
    const racing = racingConnection(get());
    onTestFinished(() => racing.close());
    const other = new RolloutStore(racing);
    const createOn = (s: RolloutStore, id: string, boxes: string[]) =>
      s.create({ id, version: '2.0.0', scope: { kind: 'edges', edgeIds: boxes }, waves: [], soakS: 60, failureThreshold: 0, createdBy: 'admin', at: 1000, boxes: boxes.map((edgeId) => ({ edgeId, wave: 0, fromVersion: null })) });
    const created = await Promise.all([createOn(store, 'rol_a', ['e1', 'e2']), createOn(other, 'rol_b', ['e2', 'e3'])]);
    expect(created.filter((c) => c === 'created')).toHaveLength(1);
    expect(created.filter((c) => c === 'boxes_taken')).toHaveLength(1);
    const winner = created[0] === 'created' ? 'rol_a' : 'rol_b';
    // the loser left nothing behind: no rollout, no box
    expect((await store.list()).map((r) => r.id)).toEqual([winner]);
    expect((await store.busy(['e1', 'e2', 'e3'])).map((b) => b.rolloutId)).toEqual([winner, winner]);
    // a box of its own is free
    expect(await create('rol_c', 1100, [['e4', 0]])).toBe('created');
    // paused, it still holds its boxes; cancelled (or completed), it frees them
    expect(await store.update(winner, { state: 'paused', pausedReason: 'x' }, 1200, { states: ['running'] })).toBe(true);
    expect(await createOn(store, 'rol_d', ['e2'])).toBe('boxes_taken');
    expect(await store.update(winner, { state: 'cancelled', finishedAt: 1300 }, 1300, { states: ['running', 'paused'] })).toBe(true);
    expect(await store.busy(['e1', 'e2', 'e3'])).toEqual([]);
    expect(await createOn(store, 'rol_d', ['e2'])).toBe('created');
    // a decision that lost frees nothing: the rollout is no longer running
    expect(await store.update(winner, { state: 'completed', finishedAt: 1400 }, 1400, { states: ['running'] })).toBe(false);
    expect(await store.update('rol_c', { state: 'completed', finishedAt: 1500 }, 1500, { states: ['running'] })).toBe(true);
    expect(await store.busy(['e2', 'e4'])).toEqual([{ edgeId: 'e2', rolloutId: 'rol_d' }]);
  });
});

forEachDatabase('release deletion against rollouts', (get) => {
  /** Box e1 of Vị Tân, a release store on the test's database, and a second connection to race it. */
  async function setUp() {
    const q = get();
    await seedCommuneQuery(q, VI_TAN);
    await seedEdgeQuery(q, 'e1', 'ap-1');
    const dir = mkdtempSync(join(tmpdir(), 'sc-releases-'));
    dirs.push(dir);
    const racing = racingConnection(q);
    onTestFinished(() => racing.close());
    return { q, dir, racing, releases: new ReleaseStore(q, dir) };
  }
  /** A rollout of `version` over box e1. */
  const rolloutOfE1 = (store: RolloutStore, id: string, version: string) =>
    store.create({ id, version, scope: { kind: 'edges', edgeIds: ['e1'] }, waves: [], soakS: 0, failureThreshold: 0, createdBy: 'admin', at: 1, boxes: [{ edgeId: 'e1', wave: 0, fromVersion: null }] });

  it('deletes a release only when no rollout of its version is under way, in one statement; of two deletes one wins', async () => {
    const { q, dir, racing, releases } = await setUp();
    const other = new ReleaseStore(racing, dir);
    const add = (version: string) => releases.insert(release(version));
    await add('2.0.0');
    await add('2.1.0');
    writeFileSync(join(dir, '2.1.0.tar'), 'bundle');
    const rollouts = new RolloutStore(q);
    expect(await rolloutOfE1(rollouts, 'rol_1', '2.0.0')).toBe('created');
    await rollouts.update('rol_1', { state: 'paused', pausedReason: 'x' }, 2, { states: ['running'] });
    expect(await releases.deleteUnlessRolledOut('2.0.0', 'x64')).toEqual({ deleted: false, reason: 'in_use', rollout: { id: 'rol_1', state: 'paused' } });
    expect(await releases.find('2.0.0', 'x64')).not.toBeNull();
    expect(await releases.deleteUnlessRolledOut('9.9.9', 'x64')).toEqual({ deleted: false, reason: 'missing' });
    const outcomes = await Promise.all([releases.deleteUnlessRolledOut('2.1.0', 'x64'), other.deleteUnlessRolledOut('2.1.0', 'x64')]);
    expect(outcomes.filter((o) => o.deleted)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.deleted)).toEqual([{ deleted: false, reason: 'missing' }]);
    expect(existsSync(join(dir, '2.1.0.tar'))).toBe(false);
    // the rollout finished: the release may go
    await rollouts.update('rol_1', { state: 'cancelled', finishedAt: 3 }, 3, { states: ['running', 'paused'] });
    expect(await releases.deleteUnlessRolledOut('2.0.0', 'x64')).toEqual({ deleted: true });
  });

  it('never lets a rollout be created over a release deleted at the same moment: one of the two is refused', async () => {
    const { racing, releases } = await setUp();
    const rollouts = new RolloutStore(racing);
    expect(await rolloutOfE1(rollouts, 'rol_none', '3.0.0')).toBe('no_release');
    for (let round = 0; round < 5; round++) {
      const version = `3.0.${round}`;
      await releases.insert(release(version));
      const [deleted, created] = await Promise.all([
        releases.deleteUnlessRolledOut(version, 'x64'),
        rolloutOfE1(rollouts, `rol_${round}`, version),
      ]);
      // either the deletion went first (the rollout finds no release) or the rollout did (the deletion is refused)
      expect([deleted.deleted, created]).toContainEqual(deleted.deleted ? 'no_release' : 'created');
      expect(deleted.deleted ? created : deleted).toEqual(deleted.deleted ? 'no_release' : { deleted: false, reason: 'in_use', rollout: { id: `rol_${round}`, state: 'running' } });
      if (created === 'created') await rollouts.update(`rol_${round}`, { state: 'cancelled', finishedAt: 2 }, 2, { states: ['running'] });
    }
  });
});
