// The console's service worker (served at /sw.js, scope "/"): shows the cloud's Web Push notifications
// and opens the item a notification is about when it is tapped. It caches nothing: the console needs
// the server anyway, and a stale page is worse than an "offline" notice.

const APP_NAME = 'Xã thông minh';
const ICON = '/assets/console/icon.svg';

/** Only a path of this console: a push can never send the person to another site. */
function safePath(url) {
  return typeof url === 'string' && url.startsWith('/') && !url.startsWith('//') && !url.includes('\\') ? url : '/';
}

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let data;
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { body: event.data ? event.data.text() : '' };
  }
  const title = typeof data.title === 'string' && data.title ? data.title : APP_NAME;
  const options = {
    body: typeof data.body === 'string' ? data.body : '',
    icon: ICON,
    badge: ICON,
    lang: 'vi',
    data: { url: safePath(data.url), kind: data.kind ?? null },
  };
  if (typeof data.tag === 'string' && data.tag) {
    // the same item's newer news (a box back online) replaces the older one, and still rings
    options.tag = data.tag;
    options.renotify = true;
  }
  if (typeof data.at === 'number') options.timestamp = data.at;
  event.waitUntil(self.registration.showNotification(title, options));
});

/** Focuses a console window on the item, navigating one already open, else opens a new one. */
async function openItem(path) {
  const target = new URL(safePath(path), self.location.origin).href;
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const same = windows.find((w) => w.url === target);
  // focusing needs the tap's user activation; without it the window is still navigated
  if (same) return same.focus().catch(() => same);
  const open = windows.find((w) => new URL(w.url).origin === self.location.origin && 'navigate' in w);
  if (open) {
    await open.focus().catch(() => undefined);
    return open.navigate(target);
  }
  return self.clients.openWindow(target);
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  // started before waitUntil, which keeps the worker alive until the window is open
  const opened = openItem(event.notification.data?.url);
  event.waitUntil(opened);
});
