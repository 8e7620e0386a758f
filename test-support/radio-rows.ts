/**
 * The live session and relay run the radio store tests (and the dead-owner sweep's) start from:
 * a voice session and a VOV1 relay on ap-1 of Vị Tân, each changed per test through `over`.
 * One definition, so a new required field is added once.
 */
import type { NewLiveSession } from '../cloud/src/radio/live/live-store.js';
import type { NewRelayRun } from '../cloud/src/radio/relays/relay-run-store.js';

export const newLiveSession = (id: string, over: Partial<NewLiveSession> = {}): NewLiveSession => ({
  id,
  source: 'voice',
  title: `Phát trực tiếp ${id}`,
  priority: 'normal',
  edges: ['edg_ap-1'],
  hamletCodes: ['ap-1'],
  zones: null,
  startedBy: null,
  origin: null,
  startedAt: 1_000,
  epoch: 1_800,
  endsAt: null,
  communeCode: 'vi-tan',
  file: `/data/live/${id}.ogg`,
  ...over,
});

export const newRelayRun = (id: string, over: Partial<NewRelayRun> = {}): NewRelayRun => ({
  id,
  stationId: 'stn_vov1',
  stationName: 'VOV1',
  scheduleId: null,
  occurrenceId: null,
  sessionId: 'lvs_1',
  title: `Tiếp sóng ${id}`,
  priority: 'normal',
  targets: { hamlets: ['ap-1'] },
  startedBy: null,
  startedAt: 1_000,
  endsAt: null,
  communeCode: 'vi-tan',
  ...over,
});
