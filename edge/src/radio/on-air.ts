import type { RadioSettings } from '@smart-commune/shared';
import type { ItemPreparer } from './item-preparer.js';
import { FRAME_MS, framesIn, SAMPLE_RATE } from './pcm.js';
import { PlaySession } from './play-session.js';
import type { PlaybackReporter } from './playback-reporter.js';
import type { PlayQueue } from './play-queue.js';
import type { Entry } from './player-entry.js';
import type { SpeakerOutputs } from './speaker-outputs.js';
import type { StartInstant } from './start-timer.js';
import { hrNow, type ClockMap, type PlayerClock } from './timing.js';

export interface OnAirDeps {
  clock: PlayerClock;
  clockMap: ClockMap;
  outputs: SpeakerOutputs;
  queue: PlayQueue;
  preparer: ItemPreparer;
  reporter: PlaybackReporter;
  interruptedPolicy(): RadioSettings['interruptedPolicy'];
  /** The item ran out: the timeline is free from `at`, the instant the next due item starts at (no gap). */
  onFree(at: StartInstant): void;
}

/**
 * The item on the output, one at a time on all the edge's zones: starts an entry as a PlaySession on
 * its zones that are heard, reports how it started (late, resumed, zones not heard) and how it ended,
 * and puts a cut item back in the queue when it is to resume. The player decides what starts and
 * what is cut (queue.ts's rules); this is how.
 */
export class OnAir {
  private current: PlaySession | null = null;

  constructor(private readonly deps: OnAirDeps) {}

  /** What plays now, if anything. */
  get session(): PlaySession | null {
    return this.current;
  }

  /** Starts (or resumes) an entry with its first sample at startHr; false when it could not start. */
  start(e: Entry, startHr: number): boolean {
    this.deps.queue.take(e);
    const zones = this.deps.outputs.targetZones(e.item.zones);
    if (zones.length === 0) {
      this.deps.preparer.release(e);
      this.deps.reporter.finish(e, 'failed', { reason: `no speaker on ${e.item.zones === null ? 'this edge' : `zones ${e.item.zones.join(', ')}`}`, zones: e.item.zones });
      return false;
    }
    const unhealthy = this.deps.outputs.unhealthy(zones);
    const healthyZones = zones.filter((z) => !unhealthy.includes(z));
    const describe = (z: string) => this.deps.outputs.describe(z);
    if (healthyZones.length === 0) {
      this.deps.preparer.release(e);
      this.deps.reporter.finish(e, 'failed', { reason: `speakers unavailable: ${unhealthy.map(describe).join('; ')}`, zones });
      return false;
    }
    const resumed = e.status === 'suspended';
    const totalFrames = e.pcm ? framesIn(e.pcm.length) : Infinity;
    let maxFrames = totalFrames - e.offsetFrames;
    if (e.item.source.kind === 'stream') maxFrames = Math.max(1, Math.ceil((e.item.startAt + e.item.durationMs - this.deps.clock.cloudNow()) / FRAME_MS));
    if (e.item.source.kind === 'live') maxFrames = Infinity;
    if (maxFrames <= 0) {
      this.deps.reporter.finish(e, 'completed', { zones: healthyZones, durationMs: Math.round(e.offsetFrames * FRAME_MS) });
      return false;
    }
    const source = e.item.source;
    // the clock correlation may take a fresh reading (up to a few ms waiting for a tick of the local
    // clock): before the start instant is read, not between it and the first frame
    this.deps.clockMap.renew();
    // a start that comes late (stall, busy timeline) begins now: a burst would not make it heard
    // earlier (a live one re-anchors its first frame on the instant it leaves: play-session.ts)
    const firstHr = Math.max(startHr, hrNow() - FRAME_MS);
    // a live session joins its stream where the shared clock is: sample k at epoch + k/48 ms
    const liveFrom = source.kind === 'live' ? Math.round(((this.deps.clockMap.hrToCloud(firstHr) - source.epoch) * SAMPLE_RATE) / 1000) : undefined;
    const session = new PlaySession(
      {
        entry: e,
        resumed,
        startHr: firstHr,
        liveFrom,
        maxFrames,
        zones,
        healthyZones,
        endReason: unhealthy.length ? `not heard on ${unhealthy.map(describe).join('; ')}` : null,
      },
      this.deps.outputs,
      { onFirstFrame: (s, firstSampleHr) => this.onFirstFrame(s, firstSampleHr), onComplete: (s, endHr) => this.complete(s, endHr) },
    );
    this.current = session;
    session.start();
    return true;
  }

  private onFirstFrame(s: PlaySession, firstSampleHr: number): void {
    const e = s.entry;
    const at = Math.round(this.deps.clockMap.hrToCloud(firstSampleHr));
    const late = at - e.item.startAt;
    if (s.resumed) {
      e.status = 'pending';
      this.deps.reporter.remember(e, 'playing');
      this.deps.reporter.emit(e, 'resumed', { actualStartAt: at, reason: `resumed at ${Math.round(e.offsetFrames * FRAME_MS)} ms${s.endReason ? `; ${s.endReason}` : ''}`, zones: s.healthyZones });
      return;
    }
    e.actualStartAt = at;
    this.deps.reporter.remember(e, 'playing');
    const reasons = [late > 1000 ? `started ${Math.round(late / 1000)} s late` : null, s.endReason].filter(Boolean);
    this.deps.reporter.emit(e, 'started', { actualStartAt: at, reason: reasons.length ? reasons.join('; ') : null, zones: s.healthyZones });
  }

  /** The item ran out (its last frame ended at endHr); the next due item starts at that very instant. */
  private complete(s: PlaySession, endHr: number): void {
    const e = this.takeOff(s);
    this.deps.preparer.release(e);
    const reasons = [s.endReason];
    if (e.item.source.kind === 'stream' && s.framesSent < s.maxFrames) reasons.push('the relay ended early');
    const stream = e.liveStream;
    if (stream?.error) reasons.push(stream.error);
    if (stream && stream.underruns > 0) reasons.push(`${stream.underruns * FRAME_MS} ms concealed (audio late from the cloud)`);
    if (s.slippedMs >= 1) reasons.push(`delayed ${Math.round(s.slippedMs)} ms by stalls of the edge`);
    const reason = reasons.filter(Boolean).join('; ') || null;
    this.deps.reporter.finish(e, 'completed', { durationMs: Math.round(e.offsetFrames * FRAME_MS), reason, zones: s.healthyZones });
    this.deps.onFree({ cloud: this.deps.clock.cloudNow(), hr: Math.max(endHr, hrNow() - FRAME_MS) });
  }

  /** Stops the playing item now: suspended (to resume) or finished. */
  cut(s: PlaySession, why: string, resume: boolean): void {
    s.stop();
    const e = this.takeOff(s);
    const now = Math.round(this.deps.clock.cloudNow());
    const played = Math.round(e.offsetFrames * FRAME_MS);
    if (e.item.source.kind === 'stream') {
      e.live?.close();
      e.live = null;
    }
    const kind = e.item.source.kind;
    const moreToPlay =
      kind === 'stream' ? now < e.item.startAt + e.item.durationMs : kind === 'live' ? e.liveStream !== null && !e.liveStream.ended && !e.liveEnding : !e.pcm || e.offsetFrames < framesIn(e.pcm.length);
    if (resume && moreToPlay) {
      e.status = 'suspended';
      e.interruptedAt = now;
      this.deps.queue.put(e);
      this.deps.reporter.remember(e, 'suspended');
      this.deps.reporter.emit(e, 'interrupted', { actualStartAt: e.actualStartAt, durationMs: played, reason: `${why}; will resume`, zones: s.healthyZones });
    } else {
      this.deps.preparer.release(e);
      const policy = resume ? '' : this.deps.interruptedPolicy() === 'drop' ? '; dropped (interruptedPolicy: drop)' : '; not resumed';
      this.deps.reporter.finish(e, 'interrupted', { durationMs: played, reason: `${why}${policy}`, zones: s.healthyZones });
    }
  }

  /** The session leaves the output (ran out or cut): the timeline is free, its entry counts what was played. */
  private takeOff(s: PlaySession): Entry {
    this.current = null;
    this.deps.outputs.endItem(s.zones);
    s.entry.offsetFrames += s.framesSent;
    return s.entry;
  }
}
