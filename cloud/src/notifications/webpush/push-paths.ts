/*
 * The cloud's Web Push addresses in one place: the API the console page calls, the service worker
 * and the page itself, and the console pages a notification opens. The edge never uses them, so
 * they live here and not in shared/.
 */

export const PUSH_API = {
  key: '/notifications/push/key',
  subscriptions: '/notifications/push/subscriptions',
  subscription: '/notifications/push/subscriptions/{id}',
  test: '/notifications/push/test',
  preferences: '/notifications/preferences',
} as const;

/** Served from the root so that its scope is the whole console (no Service-Worker-Allowed needed). */
export const SERVICE_WORKER_PATH = '/sw.js';

/** "Thông báo trên điện thoại", reached from the account links in the header. */
export const NOTIFICATIONS_PAGE = '/account/notifications';

/** The console page a notification opens: the item it is about. */
export const itemPath = {
  incident: (incidentId: string) => `/police/incidents/${encodeURIComponent(incidentId)}`,
  incidents: () => '/police/incidents',
  edge: (edgeId: string) => `/fleet/boxes/${encodeURIComponent(edgeId)}`,
  camera: (edgeId: string, cameraId: string) => `/fleet/boxes/${encodeURIComponent(edgeId)}/cameras/${encodeURIComponent(cameraId)}`,
  alert: (alertId: string) => `/radio/alerts#alert-${encodeURIComponent(alertId)}`,
  notifications: () => NOTIFICATIONS_PAGE,
  /** The loudspeaker zones page (operators and technicians both open it; the box page is technicians' only). */
  speakers: () => '/speakers',
};
