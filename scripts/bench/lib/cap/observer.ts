import type { BenchCommune } from '../commune.js';

export interface SeenAlert {
  id: string;
  capIdentifier: string | null;
  startsAt: number;
}

export interface HeardItem {
  hamlet: string;
  firstSampleAt: number;
}

/**
 * Watches the run from outside, as often as every half second: the alerts the cloud created
 * (newest first, so none is missed between two looks) and every item each hamlet's loudspeaker
 * heard (a speaker keeps only its last 200).
 */
export function observe(commune: BenchCommune, everyMs = 500) {
  const alerts = new Map<string, SeenAlert>();
  const items = new Map<string, HeardItem>();
  let stopped = false;
  const look = async () => {
    const { alerts: recent } = await commune.cloud.request<{ alerts: SeenAlert[] }>('GET', '/api/v1/alerts?limit=200');
    for (const a of recent) alerts.set(a.id, { id: a.id, capIdentifier: a.capIdentifier, startsAt: a.startsAt });
    await Promise.all(
      commune.hamlets.map(async (h) => {
        for (const item of (await commune.speakerStatus(h)).items) {
          if (item.firstSampleAt !== null) items.set(`${h.hamletCode}:${item.index}`, { hamlet: h.hamletCode, firstSampleAt: item.firstSampleAt });
        }
      }),
    );
  };
  const loop = (async () => {
    while (!stopped) {
      await look().catch((err: unknown) => console.error(`observer: ${(err as Error).message}`));
      await new Promise((r) => setTimeout(r, everyMs));
    }
    await look();
  })();
  return {
    alerts,
    items,
    /** One last look, then stop. */
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
