import type { ChannelReach } from './deliveries.js';
import type { OutboxStore } from './outbox.js';

/** What the boxes reported of an alert or a bulletin (proof of play), beside the channels. */
export interface LoudspeakerReach {
  /** Starts reported (a bulletin plays at each occurrence on each box). */
  starts: number;
  /** Hamlets where a box started it. */
  hamlets: number;
  firstStartedAt: number | null;
  lastStartedAt: number | null;
}

/** "Where it went": per channel, and on the loudspeakers for an alert or a bulletin. */
export interface SubjectReach {
  subject: string;
  channels: ChannelReach[];
  loudspeakers: LoudspeakerReach | null;
}

/** Reads the proof of play of an alert (`alert:<id>`) or a bulletin (`bulletin:<id>`): the radio domain answers. */
export type LoudspeakerLookup = (kind: 'alert' | 'bulletin', id: string) => Promise<LoudspeakerReach | null>;

/** `communeCode`: only that commune's messages (what a commune's operator reads of a province alert). */
export async function subjectReach(store: OutboxStore, loudspeakers: LoudspeakerLookup | undefined, subject: string, communeCode?: string): Promise<SubjectReach> {
  const [kind, ...rest] = subject.split(':');
  const id = rest.join(':');
  return {
    subject,
    channels: await store.reach(subject, communeCode),
    loudspeakers: loudspeakers && (kind === 'alert' || kind === 'bulletin') ? await loudspeakers(kind, id) : null,
  };
}
