import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { TestCloud } from '../../../../test-support/cloud.js';
import { startCloudTrusting } from '../testing/trusted-cloud.js';
import { sleep, waitFor } from '../../../../test-support/wait.js';
import { capMessage, says } from '../testing/cap-messages.js';
import { startCapFeedServer, type CapFeedServer } from '../testing/cap-feed-server.js';

const SENDER = 'canhbao@kttv-haugiang.gov.vn';

/** A real speech engine (espeak-ng through the command engine) that fails while a marker file exists. */
function flakySpeech() {
  const dir = mkdtempSync(join(tmpdir(), 'sc-flaky-tts-'));
  const script = join(dir, 'speak.sh');
  const marker = join(dir, 'down');
  writeFileSync(script, `#!/bin/sh\nif [ -e "${marker}" ]; then echo "speech engine down" >&2; exit 3; fi\nexec espeak-ng -v vi --stdin -w "$1"\n`);
  chmodSync(script, 0o755);
  return {
    config: { SC_TTS_ENGINE: 'command' as const, SC_TTS_COMMAND: `${script} {out}`, SC_TTS_DEFAULT_VOICE: 'default' },
    down: () => writeFileSync(marker, ''),
    up: () => rmSync(marker, { force: true }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

type Message = { key: string; state: string; reason: string | null; attempts: number; alertId: string | null };

describe('CAP feeds: a message whose speech fails', () => {
  let test: TestCloud | undefined;
  let server: CapFeedServer | undefined;
  const speech = flakySpeech();
  afterEach(async () => {
    await test?.stop();
    await server?.close();
    speech.up();
  });
  afterAll(() => speech.remove());

  it('is tried again until the speech engine is back, and the Cancel that followed it waits its turn instead of being refused', async () => {
    server = await startCapFeedServer();
    test = await startCloudTrusting(SENDER, { SC_CAP_FEED_POLL_S: 0.2, SC_CAP_FEED_TIMEOUT_S: 1, ...speech.config });
    const sent = Date.now();
    speech.down();
    server.publish({
      name: 'bao',
      xml: capMessage({ identifier: 'HG-BAO-9', sender: SENDER, sent, infos: [{ language: 'vi', event: 'Bão', headline: 'Bão số 9', ...says('Bão số 9 vào ấp 3, bà con chằng chống nhà cửa.'), expires: sent + 3_600_000, areas: [{ areaDesc: 'Ấp 3, xã Vị Tân' }] }] }),
    });
    const feed = (await test.api<{ id: string }>('POST', '/api/v1/cap-feeds', { name: 'KTTV', url: server.feedUrl })).body;
    const messages = async () => (await test!.api<{ messages: Message[] }>('GET', `/api/v1/cap-feeds/${feed.id}/messages`)).body.messages;

    const postponed = await waitFor(async () => (await messages()).find((m) => m.attempts >= 2), 'the message tried twice');
    expect(postponed).toMatchObject({ state: 'pending', reason: expect.stringMatching(/^speech_failed: .*speech engine down/) });
    server.publish({ name: 'bao-huy', xml: capMessage({ identifier: 'HG-BAO-9-HUY', sender: SENDER, sent: Date.now(), msgType: 'Cancel', references: [{ sender: SENDER, identifier: 'HG-BAO-9', sent }], infos: [] }) });
    await waitFor(async () => (await messages()).length === 2, 'the Cancel met in the feed');
    await sleep(800);
    const waiting = await messages();
    expect(waiting.map((m) => [m.state, m.attempts > 0])).toEqual([
      ['pending', false], // the Cancel has not been tried: it waits behind the alert it cancels
      ['pending', true],
    ]);
    expect((await test.api<{ alerts: unknown[] }>('GET', '/api/v1/alerts')).body.alerts).toEqual([]);

    speech.up();
    await waitFor(async () => (await messages()).every((m) => m.state === 'taken'), 'both taken once speech works', 30_000);
    const [cancel, alert] = await messages();
    expect(cancel!.alertId).toBe(alert!.alertId);
    const played = (await test.api<{ status: string; capIdentifier: string }>('GET', `/api/v1/alerts/${alert!.alertId}`)).body;
    expect(played).toMatchObject({ capIdentifier: 'HG-BAO-9', status: 'cancelled' });
  });
});
