// The app's service worker: shows the café's Web Push notifications (order accepted, declined,
// ready) while the page is closed, and opens the order when one is tapped.
self.addEventListener('push', (event) => {
  const message = event.data ? event.data.json() : {};
  event.waitUntil(
    self.registration.showNotification(message.title || 'Everything', {
      body: message.body || '',
      tag: message.orderId,
      icon: '/icon-192.png',
      data: { url: message.url || '/' },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data.url));
});
