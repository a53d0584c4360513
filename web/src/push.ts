// "Tell me when it's ready": this browser subscribes to the café's Web Push notifications
// through the app's service worker and the server's VAPID key.
import { api } from './api.ts';

export type PushState = 'unsupported' | 'denied' | 'off' | 'on';

const supported = () =>
  'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

export async function pushState(): Promise<PushState> {
  if (!supported()) return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  const registration = await navigator.serviceWorker.getRegistration('/');
  return (await registration?.pushManager.getSubscription()) ? 'on' : 'off';
}

/** Asks for permission, subscribes with the server's key and hands the subscription to it. */
export async function enablePush(): Promise<PushState> {
  if (!supported()) return 'unsupported';
  if ((await Notification.requestPermission()) !== 'granted') return 'denied';
  const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  await navigator.serviceWorker.ready;
  const { publicKey } = await api<{ publicKey: string }>('/v1/push/vapid-public-key');
  const subscription =
    (await registration.pushManager.getSubscription()) ??
    (await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: Uint8Array.from(
        atob(publicKey.replaceAll('-', '+').replaceAll('_', '/')),
        (char) => char.charCodeAt(0),
      ),
    }));
  await api('/v1/push/subscriptions', { method: 'POST', body: subscription.toJSON() });
  return 'on';
}
