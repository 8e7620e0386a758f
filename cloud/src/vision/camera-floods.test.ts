import { describe, expect, it } from 'vitest';
import type { CameraTelemetry } from '@smart-commune/shared';
import { testTelemetry } from '../../../test-support/telemetry.js';
import { FLOOD } from '../incidents/testing/review-item-kit.js';
import type { Edge } from '../fleet/edge-store.js';
import { floodedCameras } from './camera-floods.js';

const camera = (id: string, flood?: CameraTelemetry['flood']): CameraTelemetry => ({ id, status: 'streaming', fps: 5, lastFrameAt: 1, ...(flood ? { flood } : {}) });
const edge = (id: string, online: boolean, cameras: CameraTelemetry[] | undefined): Edge => ({
  id, name: `Tủ ${id}`, hamletCode: 'ap-1', hamletName: 'Ấp 1', communeCode: 'vi-tan', lat: null, lon: null, notes: '', status: 'active', hostname: null, claimedAt: 1,
  online, lastSeenAt: 1, offlineReason: null, telemetry: { ...testTelemetry(), ...(cameras ? { cameras } : {}) }, telemetryAt: 1, contract: null, createdAt: 1, updatedAt: 1,
});

describe('cameras in a flood warning', () => {
  it('are the cameras whose online box reports a warning, with where they are', () => {
    const found = floodedCameras([
      edge('a', true, [camera('cong-truong', FLOOD), camera('cho', undefined)]),
      edge('b', false, [camera('ben-do', FLOOD)]), // gone away: its last word is not news
      edge('c', true, undefined),
    ], (edgeId, cameraId) => (edgeId === 'a' && cameraId === 'cong-truong' ? 'Cổng trường' : null));
    expect(found).toEqual([{ edgeId: 'a', edgeName: 'Tủ a', hamletCode: 'ap-1', hamletName: 'Ấp 1', cameraId: 'cong-truong', cameraName: 'Cổng trường', flood: FLOOD }]);
  });
});
