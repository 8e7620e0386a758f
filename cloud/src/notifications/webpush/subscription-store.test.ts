import { expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { forEachDatabase } from '../../../../test-support/databases.js';
import { pushMetrics } from './push-metrics.js';
import { MAX_DEVICES_PER_PERSON, SubscriptionStore } from './subscription-store.js';
import { addPerson, seedTwoCommunes } from './testing/query-seed.js';

const device = (n: number | string) => ({ endpoint: `https://push.example/send/${n}`, p256dh: `key-${n}`, auth: `auth-${n}`, label: `Thiết bị ${n}` });

forEachDatabase('push subscription store', (get) => {
  it('subscribes a device, updates the same endpoint and moves it to whoever subscribed it last', async () => {
    await seedTwoCommunes(get());
    const a = await addPerson(get(), 'usr_a', 'police', 'vi-tan');
    const b = await addPerson(get(), 'usr_b', 'technician', 'vi-tan');
    const store = new SubscriptionStore(get(), () => 1000);
    const first = await store.subscribe(a.id, device(1));
    expect(first.created).toBe(true);
    expect(first.subscription).toMatchObject({ userId: a.id, endpoint: device(1).endpoint, label: 'Thiết bị 1', createdAt: 1000, lastSuccessAt: null });
    const again = await store.subscribe(b.id, { ...device(1), label: 'Firefox' });
    expect(again).toMatchObject({ created: false, subscription: { id: first.subscription.id, userId: b.id, label: 'Firefox' } });
    expect(await store.listFor(a.id)).toEqual([]);
    expect((await store.listFor(b.id)).map((s) => s.id)).toEqual([first.subscription.id]);
  });

  it('the same endpoint subscribed many times at once is one row (the endpoint is unique, a lost insert becomes an update)', async () => {
    await seedTwoCommunes(get());
    const a = await addPerson(get(), 'usr_a', 'police', 'vi-tan');
    const store = new SubscriptionStore(get());
    const results = await Promise.all(Array.from({ length: 8 }, () => store.subscribe(a.id, device('same'))));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.subscription.id)).size).toBe(1);
    expect(await store.listFor(a.id)).toHaveLength(1);
  });

  it(`refuses an eleventh device (409) and another person's device is not found`, async () => {
    await seedTwoCommunes(get());
    const a = await addPerson(get(), 'usr_a', 'police', 'vi-tan');
    const b = await addPerson(get(), 'usr_b', 'police', 'vi-tan');
    const store = new SubscriptionStore(get());
    for (let i = 0; i < MAX_DEVICES_PER_PERSON; i++) await store.subscribe(a.id, device(i));
    await expect(store.subscribe(a.id, device('one-more'))).rejects.toMatchObject({ status: 409 });
    const [mine] = await store.listFor(a.id);
    await expect(store.remove(b.id, mine!.id)).rejects.toMatchObject({ status: 404 });
    await store.remove(a.id, mine!.id);
    expect(await store.get(mine!.id)).toBeNull();
    await expect(store.remove(a.id, mine!.id)).rejects.toMatchObject({ status: 404 });
  });

  it('records a success at most once a minute unless an error came between, and forgets a device that is gone', async () => {
    await seedTwoCommunes(get());
    const a = await addPerson(get(), 'usr_a', 'police', 'vi-tan');
    const clock = { now: 100_000 };
    const store = new SubscriptionStore(get(), () => clock.now);
    const { subscription } = await store.subscribe(a.id, device(1));
    await store.recordSuccess(subscription.id);
    clock.now += 30_000;
    await store.recordSuccess(subscription.id);
    expect(await store.get(subscription.id)).toMatchObject({ lastSuccessAt: 100_000, lastError: null });
    await store.recordError(subscription.id, 'x'.repeat(500));
    expect((await store.get(subscription.id))!.lastError).toHaveLength(300);
    await store.recordSuccess(subscription.id);
    expect(await store.get(subscription.id)).toMatchObject({ lastSuccessAt: 130_000, lastError: null });
    await store.drop(subscription.id);
    expect(await store.get(subscription.id)).toBeNull();
  });

  it('the audience: enabled people with devices, their devices in order and their choices; disabled accounts and owners', async () => {
    await seedTwoCommunes(get());
    const police = await addPerson(get(), 'usr_p', 'police', 'vi-tan');
    const tech = await addPerson(get(), 'usr_t', 'technician', null);
    const gone = await addPerson(get(), 'usr_x', 'police', 'vi-tan', true);
    const clock = { now: 1 };
    const store = new SubscriptionStore(get(), () => clock.now++);
    const p1 = await store.subscribe(police.id, device(1));
    const p2 = await store.subscribe(police.id, device(2));
    const t1 = await store.subscribe(tech.id, device(3));
    const x1 = await store.subscribe(gone.id, device(4));
    await store.setPreferences(police, { kinds: ['incident'], quietHours: { start: '22:00', end: '06:00' }, hamlets: ['ap-1'] });
    const audience = await store.audience();
    expect(audience).toEqual([
      { user: police, subscriptionIds: [p1.subscription.id, p2.subscription.id], preferences: { kinds: ['incident'], quietHours: { start: '22:00', end: '06:00' }, hamlets: ['ap-1'], cameras: [] } },
      { user: tech, subscriptionIds: [t1.subscription.id], preferences: { kinds: ['device', 'speaker'], quietHours: null, hamlets: [], cameras: [] } },
    ]);
    expect(await store.recipient(police.id)).toEqual(audience[0]);
    expect(await store.recipient(gone.id)).toBeNull();
    expect(await store.owner(t1.subscription.id)).toEqual(tech);
    expect(await store.owner(x1.subscription.id)).toBeNull();
  });

  it('preferences: hamlets and cameras left out keep what was stored; a kind the role lost is not returned', async () => {
    await seedTwoCommunes(get());
    const op = await addPerson(get(), 'usr_o', 'operator', 'vi-tan');
    const store = new SubscriptionStore(get());
    expect(await store.preferences(op)).toEqual({ kinds: ['alert_not_started', 'speaker'], quietHours: null, hamlets: [], cameras: [] });
    await store.setPreferences(op, { kinds: ['alert_not_started'], quietHours: null, hamlets: ['ap-1', 'ap-1'], cameras: ['edge_A/cam-1'] });
    const kept = await store.setPreferences(op, { kinds: ['speaker', 'alert_not_started'], quietHours: { start: '21:30', end: '05:00' } });
    expect(kept).toEqual({ kinds: ['alert_not_started', 'speaker'], quietHours: { start: '21:30', end: '05:00' }, hamlets: ['ap-1'], cameras: ['edge_A/cam-1'] });
    expect(await store.setPreferences(op, { kinds: ['incident', 'speaker'], quietHours: null, cameras: [] })).toEqual({ kinds: ['speaker'], quietHours: null, hamlets: ['ap-1'], cameras: [] });
  });

  it("unknown hamlets and cameras are named; another commune's are unknown to a commune's person, not to the province's", async () => {
    await seedTwoCommunes(get());
    const store = new SubscriptionStore(get());
    const communePerson = { communeCode: 'vi-tan' };
    const provincePerson = { communeCode: null };
    const hamlets = ['ap-1', 'vt-1', 'nowhere'];
    const cameras = ['edge_A/cam-1', 'edge_B/cam-9', 'edge_A/cam-2', 'edge_Z/cam-1'];
    expect(await store.unknownScope(hamlets, cameras, communePerson)).toEqual([
      { path: 'hamlets.1', message: 'unknown hamlet vt-1' },
      { path: 'hamlets.2', message: 'unknown hamlet nowhere' },
      { path: 'cameras.1', message: 'unknown camera edge_B/cam-9' },
      { path: 'cameras.2', message: 'unknown camera edge_A/cam-2' },
      { path: 'cameras.3', message: 'unknown camera edge_Z/cam-1' },
    ]);
    expect(await store.unknownScope(hamlets, cameras, provincePerson)).toEqual([
      { path: 'hamlets.2', message: 'unknown hamlet nowhere' },
      { path: 'cameras.2', message: 'unknown camera edge_A/cam-2' },
      { path: 'cameras.3', message: 'unknown camera edge_Z/cam-1' },
    ]);
  });

  it('sc_push_subscriptions counts the devices when scraped', async () => {
    await seedTwoCommunes(get());
    const a = await addPerson(get(), 'usr_a', 'police', 'vi-tan');
    const registry = new Registry();
    pushMetrics(registry, get());
    const store = new SubscriptionStore(get());
    await store.subscribe(a.id, device(1));
    await store.subscribe(a.id, device(2));
    expect(await registry.metrics()).toMatch(/^sc_push_subscriptions 2$/m);
  });
});
