import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { focusedName, useConsoleE2E } from './harness.js';

const PHONE = { width: 390, height: 844 };
const NOTICE = {
  title: 'Tiêm phòng dại cho chó, mèo',
  text: 'UBND xã Vị Tân thông báo: sáng thứ Bảy, trạm thú y tiêm phòng dại miễn phí cho chó, mèo tại nhà văn hoá ấp 1, từ 7 giờ.',
};
const DRAFT = { title: 'Bản nháp họp dân chưa duyệt', text: 'Nội dung này chưa được duyệt, không được phát.' };

interface MediaElement {
  readyState: number;
  duration: number;
  error: { code: number } | null;
}

/**
 * The element's duration once it has loaded real audio (readyState >= 1, duration > 0). Polled from
 * here rather than awaited in the page: a page without JavaScript runs no event listeners or timers.
 */
async function loadedDuration(audio: Locator, timeoutMs = 15_000): Promise<number> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
    const state = await audio.evaluate((element: MediaElement) => ({ ready: element.readyState, duration: element.duration, error: element.error?.code ?? null }));
    if (state.error !== null) throw new Error(`the audio failed to load (media error ${state.error})`);
    if (state.ready >= 1 && state.duration > 0) return state.duration;
  }
  throw new Error(`the audio loaded no metadata within ${timeoutMs} ms`);
}

interface FeedEntry {
  title: string;
  content: { '#text': string };
  link: Record<string, string>[];
}

/** The Atom feed the page links to: fetched, checked well-formed, and its entries. */
async function linkedFeed(page: Page): Promise<FeedEntry[]> {
  const href = await page.locator('link[type="application/atom+xml"], a[type="application/atom+xml"]').first().getAttribute('href');
  expect(href).toBeTruthy();
  const res = await page.request.get(new URL(href!, page.url()).href);
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toMatch(/^application\/atom\+xml/);
  const xml = await res.text();
  expect(XMLValidator.validate(xml)).toBe(true);
  const feed = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'entry' || name === 'link' }).parse(xml).feed;
  expect(feed['@_xmlns']).toBe('http://www.w3.org/2005/Atom');
  return feed.entry ?? [];
}

describe('public notices in Chromium', () => {
  const e2e = useConsoleE2E();
  let noticeId: string;
  let draftId: string;

  beforeAll(async () => {
    const bulletin = await e2e.test.api('POST', '/api/v1/bulletins', NOTICE);
    expect(bulletin.status, JSON.stringify(bulletin.body)).toBe(201);
    noticeId = bulletin.body.id;
    // scheduling is what makes a bulletin public; a bulletin only saved stays a draft
    const schedule = await e2e.test.api('POST', '/api/v1/schedules', {
      title: NOTICE.title,
      source: { kind: 'bulletin', bulletinId: noticeId },
      startsLocal: '2030-01-05T07:00',
      targets: { all: true },
    });
    expect(schedule.status, JSON.stringify(schedule.body)).toBe(201);
    const draft = await e2e.test.api('POST', '/api/v1/bulletins', DRAFT);
    expect(draft.status, JSON.stringify(draft.body)).toBe(201);
    draftId = draft.body.id;
  }, 60_000);

  /** The bulletin's title and text are on the page, the draft is not; returns the bulletin's item. */
  async function expectNoticeNotDraft(page: Page): Promise<Locator> {
    const item = page.locator(`li[id="${noticeId}"]`);
    expect(await item.getByRole('heading', { level: 2 }).textContent()).toBe(NOTICE.title);
    expect(await item.locator('.notice-text').textContent()).toBe(NOTICE.text);
    expect(await page.locator('main').textContent()).not.toContain(DRAFT.title);
    expect(await page.locator(`[id="${draftId}"]`).count()).toBe(0);
    return item;
  }

  /** From the content, Tab reaches the feed link, then the bulletin's player, and Enter plays it. */
  async function playFromKeyboard(page: Page, item: Locator): Promise<number> {
    await page.locator('main').focus();
    await page.keyboard.press('Tab');
    expect(await focusedName(page)).toBe('Nhận thông báo qua Atom (RSS)');
    await page.keyboard.press('Tab');
    expect(await focusedName(page)).toBe('AUDIO');
    expect(await page.evaluate(`document.activeElement.getAttribute('aria-label')`)).toBe(`Nghe lại: ${NOTICE.title}`);
    const audio = item.locator('audio');
    expect(await audio.getAttribute('src')).toBe(`/thong-bao/${noticeId}/audio`);
    // preload="none": nothing is fetched until the citizen asks to listen
    expect(await audio.evaluate((element: MediaElement) => element.readyState)).toBe(0);
    await page.keyboard.press('Enter');
    return loadedDuration(audio);
  }

  it('shows a scheduled bulletin to a citizen on a phone, to read, hear and follow by Atom, never a draft', async () => {
    const page = await e2e.anonymousPage({ viewport: PHONE });
    await page.goto('/thong-bao');
    const item = await expectNoticeNotDraft(page);
    expect(await playFromKeyboard(page, item)).toBeGreaterThan(2);
    await e2e.screenshot(page, 'public-notices-phone');

    const file = await page.request.get(`/thong-bao/${noticeId}/audio`);
    expect(file.status()).toBe(200);
    expect(file.headers()['content-type']).toMatch(/^audio\//);
    expect((await file.body()).length).toBe(Number(file.headers()['content-length']));
    expect((await page.request.get(`/thong-bao/${draftId}/audio`)).status()).toBe(404);

    const entries = await linkedFeed(page);
    const entry = entries.find((e) => e.title === NOTICE.title);
    expect(entry?.content['#text']).toBe(NOTICE.text);
    expect(entry?.link.find((l) => l['@_rel'] === 'enclosure')?.['@_href']).toMatch(new RegExp(`/thong-bao/${noticeId}/audio$`));
    expect(entries.map((e) => e.title)).not.toContain(DRAFT.title);
  });

  it('reads, plays and links the feed the same in a browser without JavaScript', async () => {
    const page = await e2e.anonymousPage({ viewport: PHONE, javaScriptEnabled: false });
    await page.goto('/thong-bao');
    const item = await expectNoticeNotDraft(page);
    expect(await playFromKeyboard(page, item)).toBeGreaterThan(2);
    expect((await linkedFeed(page)).map((e) => e.title)).toEqual([NOTICE.title]);
    await e2e.screenshot(page, 'public-notices-phone-no-js');
  });
});
