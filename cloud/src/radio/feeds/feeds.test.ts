import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TestCloud } from '../../../../test-support/cloud.js';
import { startCloudTrusting } from '../testing/trusted-cloud.js';
import { sleep, waitFor } from '../../../../test-support/wait.js';
import { capMessage, says, type TestMessage } from '../testing/cap-messages.js';
import { startCapFeedServer, type CapFeedServer } from '../testing/cap-feed-server.js';

const SENDER = 'canhbao@kttv-haugiang.gov.vn';
const HOUR = 3_600_000;
/** Fast polls, short timeouts: a test sees many polls in a few seconds. */
const FAST = { SC_CAP_FEED_POLL_S: 0.2, SC_CAP_FEED_TIMEOUT_S: 0.5, SC_CAP_FEED_WARN_FAILURES: 3 };

/** A fresh Vietnamese alert for Ấp 2 from the trusted sender: the rules play it there. */
const alertFor = (identifier: string, more: Partial<TestMessage> = {}) =>
  capMessage({
    identifier,
    sender: SENDER,
    sent: Date.now(),
    infos: [{ language: 'vi-VN', event: 'Lũ quét', headline: `Cảnh báo ${identifier}`, ...says(`Cảnh báo lũ quét ${identifier}: bà con ấp 2 tránh xa bờ kênh.`), expires: Date.now() + 2 * HOUR, areas: [{ areaDesc: 'Ấp 2, xã Vị Tân, thành phố Vị Thanh, tỉnh Hậu Giang' }] }],
    ...more,
  });

interface FeedView {
  id: string;
  health: string;
  warning: boolean;
  lastError: string | null;
  lastSuccessAt: number | null;
  consecutiveFailures: number;
  messagesTaken: number;
  messagesRefused: number;
}

describe('CAP feeds', () => {
  let test: TestCloud | undefined;
  let server: CapFeedServer | undefined;
  afterEach(async () => {
    await test?.stop();
    await server?.close();
    test = server = undefined;
  });

  const subscribe = async (t: TestCloud, url: string) => {
    const res = await t.api<FeedView>('POST', '/api/v1/cap-feeds', { name: 'Đài KTTV Hậu Giang', url });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  };
  const feedOf = async (t: TestCloud, id: string) => (await t.api<FeedView>('GET', `/api/v1/cap-feeds/${id}`)).body;
  const capAlerts = async (t: TestCloud, identifier: string) =>
    (await t.api<{ alerts: { id: string; capIdentifier: string; status: string; version: number; createdBy?: unknown; replaces: string | null; targets: { hamlets: string[] } }[] }>('GET', '/api/v1/alerts?limit=500')).body.alerts.filter(
      (a) => a.capIdentifier === identifier,
    );
  const waitForAlert = (t: TestCloud, identifier: string) => waitFor(async () => (await capAlerts(t, identifier))[0], `alert ${identifier} from the feed`);

  it('takes each new message once: the unchanged index costs a 304, a new entry is fetched and played, an Update after its Alert replaces it', async () => {
    server = await startCapFeedServer();
    test = await startCloudTrusting(SENDER, FAST);
    server.publish({ name: 'lu-1', xml: alertFor('HG-LU-1') });
    const feed = await subscribe(test, server.feedUrl);

    const first = await waitForAlert(test, 'HG-LU-1');
    expect(first).toMatchObject({ status: 'active', version: 1, targets: { hamlets: ['ap-2'] } });
    // several polls later: the index came back 304 each time, the message was fetched once
    await waitFor(() => server!.requests.filter((r) => r.path === '/feed' && r.status === 304).length >= 3, 'three 304s of the unchanged index');
    expect(server.requests.filter((r) => r.path === '/feed' && r.status === 304).every((r) => r.conditional)).toBe(true);
    expect(server.countOf('/cap/lu-1.xml')).toBe(1);

    // an Update and a new alert carried inline appear together; the Update comes after its Alert
    const update = alertFor('HG-LU-1-U', { msgType: 'Update', references: [{ sender: SENDER, identifier: 'HG-LU-1', sent: Date.now() - 1000 }] });
    server.publish({ name: 'lu-1-u', xml: update }, { name: 'chay-2', xml: alertFor('HG-CHAY-2'), inline: true });
    const updated = await waitForAlert(test, 'HG-LU-1-U');
    expect(updated).toMatchObject({ version: 2, replaces: first.id, status: 'active' });
    await waitForAlert(test, 'HG-CHAY-2');
    expect((await capAlerts(test, 'HG-LU-1'))[0]!.status).toBe('cancelled');

    await sleep(1000); // more polls: nothing is fetched or played twice
    expect(server.countOf('/cap/lu-1.xml')).toBe(1);
    expect(server.countOf('/cap/lu-1-u.xml')).toBe(1);
    for (const id of ['HG-LU-1', 'HG-LU-1-U', 'HG-CHAY-2']) expect(await capAlerts(test, id)).toHaveLength(1);
    const state = await feedOf(test, feed.id);
    expect(state).toMatchObject({ health: 'ok', warning: false, consecutiveFailures: 0, messagesTaken: 3, messagesRefused: 0 });
    const messages = (await test.api<{ messages: { state: string; alertId: string; url: string | null; key: string }[] }>('GET', `/api/v1/cap-feeds/${feed.id}/messages`)).body.messages;
    expect(messages.map((m) => m.state)).toEqual(['taken', 'taken', 'taken']);
    expect(messages.map((m) => m.alertId)).toEqual([(await capAlerts(test, 'HG-CHAY-2'))[0]!.id, updated.id, first.id]);
    expect(messages[0]!.key).toMatch(/^inline:[0-9a-f]{64}$/);
  });

  it('warns operators when a feed stops answering (HTTP 500, then no answer at all), and clears the warning when it recovers', async () => {
    server = await startCapFeedServer({ format: 'rss' });
    test = await startCloudTrusting(SENDER, { ...FAST, SC_CAP_FEED_WARN_AFTER_S: 3600 });
    const feed = await subscribe(test, server.feedUrl);
    await waitFor(async () => (await feedOf(test!, feed.id)).health === 'ok', 'the first poll answered');

    server.setFault('index', 'error');
    const down = await waitFor(async () => {
      const f = await feedOf(test!, feed.id);
      return f.health === 'down' ? f : null;
    }, 'the feed shown as down');
    expect(down).toMatchObject({ warning: true, lastError: 'index: HTTP 500 Internal Server Error' });
    expect(down.consecutiveFailures).toBeGreaterThanOrEqual(3);
    const metrics = async () => (await test!.api<string>('GET', '/metrics', undefined, null)).body;
    await waitFor(async () => /^sc_cap_feeds_down 1$/m.test(await metrics()), 'sc_cap_feeds_down 1');
    expect(Number((await metrics()).match(/^sc_cap_feed_polls_total\{outcome="failed"\} (\d+)$/m)?.[1])).toBeGreaterThanOrEqual(3);

    server.setFault('index', 'hang');
    await waitFor(async () => (await feedOf(test!, feed.id)).lastError === 'index: no answer within 0.5 s', 'the timeout named as the error', 30_000);
    const polls = server.countOf('/feed');
    await sleep(1500);
    // backing off: far fewer polls than every 0.2 s
    expect(server.countOf('/feed') - polls).toBeLessThanOrEqual(3);

    server.setFault('index', 'none');
    server.publish({ name: 'bao-3', xml: alertFor('HG-BAO-3') });
    await waitForAlert(test, 'HG-BAO-3');
    await waitFor(async () => (await feedOf(test!, feed.id)).health === 'ok', 'the feed answers again', 30_000);
    expect(await feedOf(test, feed.id)).toMatchObject({ warning: false, consecutiveFailures: 0, messagesTaken: 1 });
    await waitFor(async () => /^sc_cap_feeds_down 0$/m.test(await metrics()), 'sc_cap_feeds_down 0');
  }, 60_000);

  it('does not fetch or play a message again after the cloud restarts, and fetches what appeared meanwhile', async () => {
    server = await startCapFeedServer();
    const dataDir = mkdtempSync(join(tmpdir(), 'sc-cloud-feeds-'));
    test = await startCloudTrusting(SENDER, FAST, dataDir);
    server.publish({ name: 'a', xml: alertFor('HG-A') });
    const feed = await subscribe(test, server.feedUrl);
    await waitForAlert(test, 'HG-A');
    await test.stop({ keepData: true });
    test = undefined;

    server.publish({ name: 'b', xml: alertFor('HG-B') });
    const feedRequests = server.countOf('/feed');
    test = await startCloudTrusting(SENDER, FAST, dataDir);
    await waitForAlert(test, 'HG-B');
    expect(server.countOf('/feed')).toBeGreaterThan(feedRequests); // polled again by the new process
    await sleep(600);
    expect(server.countOf('/cap/a.xml')).toBe(1);
    expect(server.countOf('/cap/b.xml')).toBe(1);
    expect(await capAlerts(test, 'HG-A')).toHaveLength(1);
    expect((await feedOf(test, feed.id)).messagesTaken).toBe(2);
  });

  it('records a message the rules refuse with their reason and does not try it again; an address that is gone is not asked again', async () => {
    server = await startCapFeedServer();
    test = await startCloudTrusting(SENDER, FAST);
    server.publish({ name: 'tap-huan', xml: alertFor('HG-EX-1', { status: 'Exercise' }) }, { name: 'hong', xml: '<alert>không phải CAP</alert>' }, { name: 'mat', xml: alertFor('HG-MAT') });
    server.withdraw('mat');
    const feed = await subscribe(test, server.feedUrl);
    await waitFor(async () => (await feedOf(test!, feed.id)).messagesRefused === 3, 'three messages refused');
    server.publish({ name: 'that', xml: alertFor('HG-THAT-1') });
    await waitForAlert(test, 'HG-THAT-1');
    await sleep(600);

    type Message = { key: string; state: string; reason: string | null; identifier: string | null; attempts: number };
    const messages = (await test.api<{ messages: Message[] }>('GET', `/api/v1/cap-feeds/${feed.id}/messages?state=refused`)).body.messages;
    const byPath = new Map(messages.map((m) => [m.key.replace(server!.url, ''), m]));
    expect(byPath.get('/cap/tap-huan.xml')).toMatchObject({ identifier: 'HG-EX-1', attempts: 1, reason: expect.stringMatching(/^not_played: .*Exercise/) });
    expect(byPath.get('/cap/hong.xml')).toMatchObject({ identifier: null, reason: expect.stringMatching(/^bad_request: invalid CAP message/) });
    expect(byPath.get('/cap/mat.xml')).toMatchObject({ reason: 'could not be fetched: HTTP 404 Not Found' });
    expect(await capAlerts(test, 'HG-EX-1')).toEqual([]);
    for (const name of ['tap-huan', 'hong', 'mat']) expect(server.countOf(`/cap/${name}.xml`)).toBe(1);
    expect(await feedOf(test, feed.id)).toMatchObject({ messagesRefused: 3, messagesTaken: 1, health: 'ok' });
  });
});
