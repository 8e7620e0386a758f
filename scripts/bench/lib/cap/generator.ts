/**
 * The CAP benchmark's messages and what each must do, decided from what was generated (never by
 * asking the cloud's rules), after the rules:
 * - an area inside the commune (hamlets named in areaDesc, a polygon around hamlets, a circle
 *   around one, the commune's geocode or name) plays in exactly those hamlets (the commune: all);
 * - an area elsewhere (another province, a county abroad, a polygon far away) does not play;
 * - `sent` more than an hour ago without `expires` is stale and does not play; an old `sent`
 *   with an `expires` still ahead plays;
 * - no Vietnamese info, or a sender the province does not trust: held for an operator, not played;
 * - status Exercise or Test: not played;
 * - Update replaces the alert it references (which ends cancelled) and plays in its own area;
 *   Cancel stops the alert it references and plays nothing.
 * One message that plays appears per polling interval at most, and a hamlet gets a new one only
 * once the last has had time to finish, so each alert's first sample measures the path from the
 * feed and not a queue behind the previous alert.
 */
import { capMessage, says, type TestArea, type TestInfo } from '../../../../cloud/src/radio/testing/cap-messages.js';
import { ALL_CODES, circleAround, COMMUNE_ADMIN_CODE, FAR_POLYGON, hamletByCode, LOS_ANGELES_POLYGON, NEIGHBOUR_PAIRS, polygonAround } from './geography.js';

export const TRUSTED_SENDER = 'canhbao@kttv-haugiang.gov.vn';
const UNTRUSTED_SENDER = 'thongbao@tin-khong-ro-nguon.example';
const HOUR = 3_600_000;

const playKinds = ['hamlets-named', 'polygon', 'circle', 'commune-geocode', 'commune-named', 'bilingual', 'old-with-expires'] as const;
const quietKinds = ['abroad', 'other-province', 'far-polygon', 'stale', 'no-vietnamese', 'exercise', 'untrusted'] as const;
export type Category = (typeof playKinds)[number] | (typeof quietKinds)[number] | 'update' | 'cancel' | 'cancel-unknown';

/** Few whole-commune plays: each keeps every loudspeaker busy, so the next play must wait for it. */
const PLAY_WEIGHTS: Record<(typeof playKinds)[number], number> = { 'hamlets-named': 35, polygon: 22, circle: 17, 'commune-geocode': 4, 'commune-named': 4, bilingual: 9, 'old-with-expires': 9 };
const QUIET_WEIGHTS: Record<(typeof quietKinds)[number], number> = { abroad: 20, 'other-province': 12, 'far-polygon': 8, stale: 25, 'no-vietnamese': 17, exercise: 9, untrusted: 9 };

export interface PlannedMessage {
  /** Its address in the feed: /cap/<name>.xml. */
  name: string;
  identifier: string;
  category: Category;
  /** When it appears in the feed, from the start of the run. */
  atMs: number;
  /** The hamlets it must play in; empty: nowhere. */
  plays: string[];
  /** Update and Cancel: the identifier of the message whose alert must end replaced or cancelled. */
  ends: string | null;
  /** The message, written when it is published (its times follow the moment it appears). */
  xml(publishedAt: number): string;
}

export interface GeneratorOptions {
  messages: number;
  pollMs: number;
  /** How long one short alert sounds, chimes included, with a margin. */
  airMs: number;
  seed: number;
  /** Distinguishes the identifiers of one run from another's. */
  runId: string;
}

/** A small seeded generator (mulberry32): the same seed gives the same messages. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]) => xs[int(xs.length)]!;
  const weighted = <K extends string>(weights: Record<K, number>): K => {
    const entries = Object.entries(weights) as [K, number][];
    let r = next() * entries.reduce((sum, [, w]) => sum + w, 0);
    for (const [k, w] of entries) if ((r -= w) < 0) return k;
    return entries.at(-1)![0];
  };
  const some = (n: number) => [...ALL_CODES].sort(() => next() - 0.5).slice(0, n);
  return { next, int, pick, weighted, some };
}

const names = (codes: readonly string[]) => codes.map((c) => hamletByCode.get(c)!.name).join(', ');
const inCommune = (codes: readonly string[]) => `${names(codes)}, xã Vị Tân, thành phố Vị Thanh, tỉnh Hậu Giang`;

/** Where a play goes and how its area is written. */
function playArea(kind: (typeof playKinds)[number] | 'update', rng: ReturnType<typeof random>): { plays: string[]; areas: TestArea[] } {
  switch (kind) {
    case 'polygon': {
      const codes = rng.next() < 0.5 ? [...rng.pick(NEIGHBOUR_PAIRS)] : [rng.pick(ALL_CODES)];
      return { plays: codes, areas: [{ areaDesc: 'Vùng trũng ven kênh Xà No', polygon: polygonAround(codes) }] };
    }
    case 'circle': {
      const code = rng.pick(ALL_CODES);
      return { plays: [code], areas: [{ areaDesc: 'Bán kính 300 m quanh trạm bơm điện', circle: circleAround(code) }] };
    }
    case 'commune-geocode':
      return { plays: [...ALL_CODES], areas: [{ areaDesc: 'Khu vực cảnh báo số 1', geocodes: [{ valueName: 'MA_XA', value: COMMUNE_ADMIN_CODE }] }] };
    case 'commune-named':
      return { plays: [...ALL_CODES], areas: [{ areaDesc: 'Xã Vị Tân, thành phố Vị Thanh, tỉnh Hậu Giang' }] };
    default: {
      const chosen = rng.some(1 + rng.int(3));
      const codes = ALL_CODES.filter((c) => chosen.includes(c));
      return { plays: codes, areas: [{ areaDesc: inCommune(codes) }] };
    }
  }
}

const vi = (n: number, areas: TestArea[], expires: number | undefined, event = 'Sạt lở bờ kênh'): TestInfo => ({
  language: 'vi-VN',
  event,
  headline: `${event}: tin thử ${n}`,
  ...says(`Tin thử ${n}.`),
  expires,
  areas,
});
const en = (n: number, areas: TestArea[], expires: number | undefined, language = 'en-US'): TestInfo => ({
  language,
  event: 'Riverbank landslide',
  headline: `Riverbank landslide: test ${n}`,
  ...says(`Test message ${n}.`),
  expires,
  areas,
});

/** The run's messages, sorted by the moment they appear, and how long the run publishes. */
export function generateMessages(options: GeneratorOptions): { messages: PlannedMessage[]; durationMs: number } {
  const rng = random(options.seed);
  const n = options.messages;
  const playsTotal = Math.max(1, Math.round(n * 0.09));
  const updates = Math.floor(playsTotal * 0.2);
  const alerts = playsTotal - updates;
  const cancels = Math.min(Math.round(n * 0.03), alerts - updates, n - playsTotal);
  const cancelsUnknown = Math.min(Math.round(n * 0.01), n - playsTotal - cancels);
  const quiet = n - playsTotal - cancels - cancelsUnknown;
  const sentAt = new Map<string, number>();
  let seq = 0;
  const message = (category: Category, atMs: number, plays: string[], ends: string | null, write: (publishedAt: number, id: string, k: number) => string): PlannedMessage => {
    const k = ++seq;
    const identifier = `VT-${options.runId}-${String(k).padStart(4, '0')}`;
    return { name: identifier.toLowerCase(), identifier, category, atMs, plays, ends, xml: (at) => write(at, identifier, k) };
  };
  const fresh = (publishedAt: number, identifier: string, sent = publishedAt) => {
    sentAt.set(identifier, sent);
    return sent;
  };
  const ref = (identifier: string) => [{ sender: TRUSTED_SENDER, identifier, sent: sentAt.get(identifier) ?? 0 }];

  // the plays, one per interval at most, a hamlet's next once its last has finished
  const slotMs = options.pollMs;
  const busySlots = Math.ceil((options.airMs + slotMs) / slotMs);
  const freeFrom = new Map(ALL_CODES.map((c) => [c, 0]));
  const played: { identifier: string; slot: number; referenced: boolean }[] = [];
  const planned: PlannedMessage[] = [];
  let alertsLeft = alerts;
  let updatesLeft = updates;
  let slot = 0;
  let waitingForAll: (typeof playKinds)[number] | 'update' | null = null;
  for (; alertsLeft + updatesLeft > 0 && slot < 100_000; slot++) {
    const earlier = played.filter((p) => !p.referenced && p.slot <= slot - 3);
    const asUpdate = updatesLeft > 0 && earlier.length > 0 && (alertsLeft === 0 || rng.next() < updatesLeft / (alertsLeft + updatesLeft));
    const kind: (typeof playKinds)[number] | 'update' = waitingForAll ?? (asUpdate ? 'update' : rng.weighted(PLAY_WEIGHTS));
    // a few tries at an area whose hamlets are free now; else this interval has no play, and a
    // whole-commune play keeps its turn until every loudspeaker is free
    const free = (codes: string[]) => codes.every((c) => freeFrom.get(c)! <= slot);
    let area = playArea(kind, rng);
    for (let tries = 0; tries < 8 && !free(area.plays); tries++) area = playArea(kind, rng);
    const { plays, areas } = area;
    if (!free(plays)) {
      if (plays.length === ALL_CODES.length) waitingForAll = kind;
      continue;
    }
    waitingForAll = null;
    for (const c of plays) freeFrom.set(c, slot + busySlots);
    const atMs = Math.round((slot + 0.1 + 0.8 * rng.next()) * slotMs);
    if (kind === 'update') {
      const target = rng.pick(earlier);
      target.referenced = true;
      updatesLeft--;
      planned.push(
        message('update', atMs, plays, target.identifier, (at, id, k) =>
          capMessage({ identifier: id, sender: TRUSTED_SENDER, sent: fresh(at, id), msgType: 'Update', references: ref(target.identifier), infos: [vi(k, areas, at + HOUR)] }),
        ),
      );
    } else {
      alertsLeft--;
      const m = message(kind, atMs, plays, null, (at, id, k) => {
        if (kind === 'bilingual') return capMessage({ identifier: id, sender: TRUSTED_SENDER, sent: fresh(at, id), infos: [en(k, areas, at + HOUR), vi(k, areas, at + HOUR)] });
        if (kind === 'old-with-expires') return capMessage({ identifier: id, sender: TRUSTED_SENDER, sent: fresh(at, id, at - 3 * HOUR), infos: [vi(k, areas, at + HOUR)] });
        return capMessage({ identifier: id, sender: TRUSTED_SENDER, sent: fresh(at, id), infos: [vi(k, areas, at + HOUR)] });
      });
      planned.push(m);
      played.push({ identifier: m.identifier, slot, referenced: false });
    }
  }
  const slots = Math.max(slot + 3, 10);
  const durationMs = slots * slotMs;

  // cancels of alerts that played, once they have sounded
  for (let i = 0; i < cancels; i++) {
    const candidates = played.filter((p) => !p.referenced && p.slot + 3 < slots);
    if (!candidates.length) break;
    const target = rng.pick(candidates);
    target.referenced = true;
    const atMs = Math.round((target.slot + 3 + rng.next() * (slots - target.slot - 3)) * slotMs);
    planned.push(
      message('cancel', atMs, [], target.identifier, (at, id) => capMessage({ identifier: id, sender: TRUSTED_SENDER, sent: fresh(at, id), msgType: 'Cancel', references: ref(target.identifier), infos: [] })),
    );
  }
  for (let i = 0; i < cancelsUnknown; i++) {
    planned.push(
      message('cancel-unknown', rng.next() * durationMs, [], null, (at, id, k) =>
        capMessage({ identifier: id, sender: TRUSTED_SENDER, sent: fresh(at, id), msgType: 'Cancel', references: [{ sender: TRUSTED_SENDER, identifier: `VT-NEVER-SENT-${k}`, sent: at - HOUR }], infos: [] }),
      ),
    );
  }

  // the rest is decided without playing
  for (let i = 0; i < quiet; i++) {
    const kind = rng.weighted(QUIET_WEIGHTS);
    const inside = () => [{ areaDesc: inCommune(rng.some(1 + rng.int(2)).sort()) }];
    planned.push(
      message(kind, Math.round(rng.next() * durationMs), [], null, (at, id, k) => {
        const sender = kind === 'untrusted' ? UNTRUSTED_SENDER : TRUSTED_SENDER;
        switch (kind) {
          case 'abroad': {
            const areas = [{ areaDesc: 'Los Angeles County, California', polygon: LOS_ANGELES_POLYGON, geocodes: [{ valueName: 'FIPS6', value: '006037' }] }];
            return capMessage({ identifier: id, sender, sent: fresh(at, id), infos: [rng.next() < 0.5 ? vi(k, areas, at + HOUR, 'Cảnh báo trẻ em mất tích') : en(k, areas, at + HOUR)] });
          }
          case 'other-province':
            return capMessage({ identifier: id, sender, sent: fresh(at, id), infos: [vi(k, [{ areaDesc: 'Huyện Năm Căn, tỉnh Cà Mau', geocodes: [{ valueName: 'MA_TINH', value: '96' }] }], at + HOUR, 'Triều cường')] });
          case 'far-polygon':
            return capMessage({ identifier: id, sender, sent: fresh(at, id), infos: [vi(k, [{ areaDesc: 'Vùng ven biển', polygon: FAR_POLYGON }], at + HOUR, 'Triều cường')] });
          case 'stale':
            return capMessage({ identifier: id, sender, sent: fresh(at, id, at - Math.round((1.5 + rng.next() * 30) * HOUR)), infos: [vi(k, inside(), undefined)] });
          case 'no-vietnamese':
            return capMessage({ identifier: id, sender, sent: fresh(at, id), infos: rng.next() < 0.5 ? [en(k, inside(), at + HOUR)] : [en(k, inside(), at + HOUR), en(k, inside(), at + HOUR, 'es-US')] });
          case 'exercise':
            return capMessage({ identifier: id, sender, sent: fresh(at, id), status: rng.next() < 0.5 ? 'Exercise' : 'Test', infos: [vi(k, inside(), at + HOUR)] });
          case 'untrusted':
            return capMessage({ identifier: id, sender, sent: fresh(at, id), infos: [vi(k, inside(), at + HOUR)] });
        }
      }),
    );
  }
  planned.sort((a, b) => a.atMs - b.atMs);
  return { messages: planned, durationMs };
}
