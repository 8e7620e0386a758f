import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestCloud } from '../../../../test-support/cloud.js';
import { startCloudTrusting } from '../testing/trusted-cloud.js';
import { sleep, waitFor } from '../../../../test-support/wait.js';
import { capMessage, says } from '../testing/cap-messages.js';
import { startCapFeedServer, type CapFeedServer } from '../testing/cap-feed-server.js';

describe('CAP feeds API', () => {
  let test: TestCloud;
  let server: CapFeedServer;
  beforeAll(async () => {
    server = await startCapFeedServer();
    // the default interval (30 s): whatever is polled within the test was polled because of a change
    test = await startCloudTrusting('kttv@haugiang.gov.vn', { SC_CAP_FEED_TIMEOUT_S: 1 });
  });
  afterAll(async () => {
    await test.stop();
    await server.close();
  });

  it('refuses an address that is not http(s), a missing name, too short an interval, with the fields named', async () => {
    const ftp = await test.request('POST', '/api/v1/cap-feeds', { name: 'FTP', url: 'ftp://canhbao.example.gov.vn/feed' });
    expect(ftp.status).toBe(400);
    expect(ftp.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: 'url', message: 'the feed address must be an http:// or https:// URL' }] });
    const bad = await test.request('POST', '/api/v1/cap-feeds', { url: 'not a url', pollEverySeconds: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['name', 'pollEverySeconds', 'url']);
    expect((await test.request('POST', '/api/v1/cap-feeds', { name: 'x', url: server.feedUrl }, null)).status).toBe(401);
    expect((await test.request('GET', '/api/v1/cap-feeds/fd_nothere')).body.error).toMatchObject({ code: 'not_found' });
    expect((await test.request('PATCH', '/api/v1/cap-feeds/fd_nothere', { enabled: false })).status).toBe(404);
    expect((await test.request('GET', '/api/v1/cap-feeds/fd_nothere/messages')).status).toBe(404);
  });

  it('adds a feed and polls it at once, refuses the same address twice, disables, enables, deletes; a feed added back plays nothing again', async () => {
    const sent = Date.now();
    server.publish({
      name: 'lu',
      xml: capMessage({ identifier: 'HG-API-1', sender: 'kttv@haugiang.gov.vn', sent, infos: [{ language: 'vi', event: 'Lũ', headline: 'Lũ', ...says('Nước lên nhanh ở ấp 4.'), expires: sent + 3_600_000, areas: [{ areaDesc: 'Ấp 4, xã Vị Tân' }] }] }),
    });
    const added = await test.request('POST', '/api/v1/cap-feeds', { name: '  Đài KTTV  ', url: server.feedUrl });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ name: 'Đài KTTV', url: server.feedUrl, enabled: true, pollEverySeconds: null, effectivePollSeconds: 30, consecutiveFailures: 0, messagesTaken: 0 });
    const id = added.body.id as string;
    await waitFor(async () => (await test.request('GET', `/api/v1/cap-feeds/${id}`)).body.messagesTaken === 1, 'the message taken at the first poll');
    expect((await test.request('GET', '/api/v1/cap-feeds')).body.feeds).toEqual([expect.objectContaining({ id, health: 'ok', warning: false, lastSuccessAt: expect.any(Number), lastPollAt: expect.any(Number), lastError: null })]);

    const twice = await test.request('POST', '/api/v1/cap-feeds', { name: 'again', url: server.feedUrl });
    expect(twice.status).toBe(409);
    expect(twice.body.error).toMatchObject({ code: 'conflict', details: { feedId: id } });

    const disabled = await test.request('PATCH', `/api/v1/cap-feeds/${id}`, { enabled: false, pollEverySeconds: 60 });
    expect(disabled.body).toMatchObject({ enabled: false, health: 'disabled', pollEverySeconds: 60, effectivePollSeconds: 60 });
    const polls = server.countOf('/feed');
    const enabled = await test.request('PATCH', `/api/v1/cap-feeds/${id}`, { enabled: true });
    expect(enabled.body.enabled).toBe(true);
    await waitFor(() => server.countOf('/feed') > polls, 'a poll as soon as it is enabled again');

    expect((await test.request('DELETE', `/api/v1/cap-feeds/${id}`)).status).toBe(204);
    expect((await test.request('GET', '/api/v1/cap-feeds')).body.feeds).toEqual([]);
    const again = await test.request('POST', '/api/v1/cap-feeds', { name: 'Đài KTTV', url: server.feedUrl });
    await waitFor(async () => (await test.request('GET', `/api/v1/cap-feeds/${again.body.id}`)).body.lastSuccessAt !== null, 'the feed added back polled');
    await sleep(300);
    expect(server.countOf('/cap/lu.xml')).toBe(1);
    expect((await test.request('GET', '/api/v1/alerts')).body.alerts.filter((a: { capIdentifier: string }) => a.capIdentifier === 'HG-API-1')).toHaveLength(1);
  });
});
