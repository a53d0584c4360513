/**
 * The SSRF guard of Web Push: the server sends requests to the endpoint a browser gave it, so
 * an endpoint must be https on a known push service, never an address inside the cluster.
 */
export const defaultPushOrigins = [
  'https://fcm.googleapis.com',
  'https://updates.push.services.mozilla.com',
  'https://web.push.apple.com',
  'https://*.notify.windows.com',
  'https://*.push.services.mozilla.com',
];

export class PushEndpointError extends Error {
  override name = 'PushEndpointError';
}

/** Parses WEB_PUSH_ALLOWED_ORIGINS: comma-separated origins, `*.` allowed as the first label. */
export function parseAllowedOrigins(list: string): string[] {
  return list
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
}

const matches = (origin: string, allowed: string) => {
  const wildcard = /^https:\/\/\*\.(.+)$/.exec(allowed);
  if (!wildcard) return origin === allowed;
  return origin.startsWith('https://') && origin.endsWith(`.${wildcard[1] ?? ''}`);
};

/** The endpoint if it may be sent to; a PushEndpointError saying why not otherwise. */
export function checkPushEndpoint(endpoint: string, allowedOrigins: string[]): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new PushEndpointError('must be an absolute URL');
  }
  if (url.protocol !== 'https:') throw new PushEndpointError('must be an https URL');
  if (url.username || url.password) throw new PushEndpointError('must not carry credentials');
  if (!allowedOrigins.some((allowed) => matches(url.origin, allowed)))
    throw new PushEndpointError(`${url.origin} is not a known push service`);
  return url;
}
