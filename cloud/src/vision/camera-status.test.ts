import { expect, it } from 'vitest';
import { forEachDatabase, type TestDatabase } from '../../../test-support/databases.js';
import { CameraStatusStore } from './camera-status.js';
import { insertPlaces } from '../../../test-support/places.js';

const seedBox = (q: TestDatabase) => insertPlaces(q, [{ code: 'vi-tan', name: 'Vị Tân', hamlets: [{ code: 'ap-1', name: 'Ấp 1', edge: { id: 'e1', name: 'Tủ ấp 1' } }] }]);

forEachDatabase("cameras' state and discovered devices", (get) => {
  it('keeps the newest state of each stream and says what it replaced; an older change is ignored', async () => {
    await seedBox(get());
    const store = new CameraStatusStore(get());
    expect(await store.onCameraEvent('e1', 1_000, { cameraId: 'cong', status: 'starting', attempts: 0 })).toBeNull();
    expect(await store.onCameraEvent('e1', 3_000, { cameraId: 'cong', status: 'reconnecting', error: 'Connection refused', attempts: 2 })).toBe('starting');
    // an outbox resending an older change after the newer one
    expect(await store.onCameraEvent('e1', 2_000, { cameraId: 'cong', status: 'streaming', attempts: 0 })).toBeUndefined();
    // the same instant again is applied (a box's two changes within one millisecond keep the later one)
    expect(await store.onCameraEvent('e1', 3_000, { cameraId: 'cong', status: 'failed', error: 'gave up', attempts: 5 })).toBe('reconnecting');
    await store.onCameraEvent('e1', 1_500, { cameraId: 'san', status: 'streaming', attempts: 0 });
    expect(Object.fromEntries(await store.statuses('e1'))).toEqual({
      cong: { status: 'failed', error: 'gave up', attempts: 5, changedAt: 3_000 },
      san: { status: 'streaming', error: null, attempts: 0, changedAt: 1_500 },
    });
    await store.forget('e1', 'cong');
    expect([...(await store.statuses('e1')).keys()]).toEqual(['san']);
    expect((await store.statuses('other')).size).toBe(0);
  });

  it('records discovered devices once each: first seen kept, address and names updated, last seen never goes back', async () => {
    await seedBox(get());
    const store = new CameraStatusStore(get());
    await store.onDiscovered('e1', 10_000, [
      { urn: 'urn:uuid:a', xaddr: 'http://192.168.1.10/onvif/device_service', name: 'Cổng', hardware: 'IPC-1' },
      { urn: 'urn:uuid:b', xaddr: 'http://192.168.1.11/onvif/device_service' },
    ]);
    await store.onDiscovered('e1', 20_000, [{ urn: 'urn:uuid:a', xaddr: 'http://192.168.1.20/onvif/device_service', name: 'Cổng chợ' }]);
    // a scan answered late, older than what is known
    await store.onDiscovered('e1', 15_000, [{ urn: 'urn:uuid:b', xaddr: 'http://192.168.1.11/onvif/device_service' }]);
    await store.onDiscovered('e1', 30_000, []);
    expect(await store.discovered('e1')).toEqual([
      { urn: 'urn:uuid:a', xaddr: 'http://192.168.1.20/onvif/device_service', name: 'Cổng chợ', firstSeenAt: 10_000, lastSeenAt: 20_000 },
      { urn: 'urn:uuid:b', xaddr: 'http://192.168.1.11/onvif/device_service', firstSeenAt: 10_000, lastSeenAt: 15_000 },
    ]);
  });
});
