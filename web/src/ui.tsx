import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, messageOf, UnreachableError } from './api.ts';

export function Loading({ what }: { what: string }) {
  return (
    <p class="state" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="state empty">{children}</div>;
}

/** What went wrong, in words, and a way to try again. */
export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  const offline =
    error instanceof UnreachableError || (error instanceof ApiError && error.status >= 502);
  return (
    <div class="state error" role="alert">
      <p>
        <strong>{offline ? 'The café’s server is not answering.' : 'That did not work.'}</strong>{' '}
        {offline ? 'This page retries by itself and catches up when it is back.' : messageOf(error)}
      </p>
      {retry && (
        <button type="button" class="secondary" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  return message ? (
    <p id={id} class="field-error">
      {message}
    </p>
  ) : null;
}

/**
 * Full screen for the barista's tablet and the kitchen TV: no browser bars, no sleep-inducing
 * clutter. Hidden where the browser cannot do it (an iPhone) and while already full screen.
 */
export function FullScreenButton({ class: className }: { class?: string }) {
  const [full, setFull] = useState(document.fullscreenElement !== null);
  useEffect(() => {
    const onChange = () => setFull(document.fullscreenElement !== null);
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  }, []);
  if (!document.fullscreenEnabled || full) return null;
  return (
    <button
      type="button"
      class={className ?? 'secondary'}
      onClick={() => void document.documentElement.requestFullscreen().catch(() => undefined)}
    >
      Full screen
    </button>
  );
}
