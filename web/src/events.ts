// Server-Sent Events over fetch rather than EventSource, which cannot send an Authorization
// header. Reconnects with Last-Event-ID so no event is missed or repeated, and says whether the
// stream is live so pages can show an outage and catch up when it ends.
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { refreshSession, serverReachable } from './api.ts';
import { session } from './session.ts';

export interface StreamHandlers {
  /** An event: the page usually refetches what it shows. */
  onEvent(type: string, data: string): void;
  /** The stream is (re)connected: anything may have changed while it was not. */
  onOpen?(): void;
  onDown?(): void;
  /** The server refused the stream (403, 404, a key revoked…): retrying cannot help. */
  onRefused?(status: number): void;
}

/** The server's answer that ends the stream for good, as opposed to an outage. */
class Refused extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`stream refused with ${status}`);
    this.status = status;
  }
}

const FIRST_DELAY_MS = 2_000;
const MAX_DELAY_MS = 15_000;
/** A stream that lasted this long was healthy: the next reconnect starts without backoff. */
const HEALTHY_MS = 10_000;

export function followStream(
  path: string,
  handlers: StreamHandlers,
  token?: () => string | undefined,
): () => void {
  const controller = new AbortController();
  // A function, not the property: it changes while this code awaits.
  const stopped = () => controller.signal.aborted;
  let lastEventId: string | undefined;

  const connectOnce = async (): Promise<void> => {
    const bearer = token ? token() : session.get()?.accessToken;
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    if (lastEventId) headers['last-event-id'] = lastEventId;
    const response = await fetch(path, { headers, signal: controller.signal });
    if (response.status === 401 && !token && (await refreshSession())) return;
    // 4xx other than a rate limit will not get better by asking again.
    if (response.status >= 400 && response.status < 500 && response.status !== 429)
      throw new Refused(response.status);
    if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
    serverReachable.set(true);
    handlers.onOpen?.();
    const events = response.body
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream());
    // A reader rather than `for await`: Safari cannot iterate a ReadableStream.
    const reader = events.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      if (value.id) lastEventId = value.id;
      handlers.onEvent(value.event ?? 'message', value.data);
    }
  };

  void (async () => {
    let failures = 0;
    while (!stopped()) {
      const startedAt = Date.now();
      try {
        await connectOnce();
        // A stream that ends at once (its upstream is down) is a failure too: keep backing off.
        failures = Date.now() - startedAt >= HEALTHY_MS ? 0 : failures + 1;
      } catch (error) {
        if (stopped()) return;
        if (error instanceof Refused) {
          handlers.onRefused?.(error.status);
          return;
        }
        failures += 1;
        serverReachable.set(false);
      }
      if (stopped()) return;
      handlers.onDown?.();
      // Backs off while the server stays away, with jitter so a restart is not met by a stampede.
      const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, failures - 1));
      await new Promise((resolve) => setTimeout(resolve, delay * (0.75 + Math.random() / 2)));
    }
  })();

  return () => controller.abort();
}
