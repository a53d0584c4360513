import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Data a page shows: loaded on mount and whenever `key` changes, reloadable by events. A reload
 * keeps the last data on screen (no flicker) and a failed one keeps it too, with the error.
 */
export function useResource<T>(
  load: (signal: AbortSignal) => Promise<T>,
  key: string,
): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const controller = new AbortController();
    setState((previous) => ({ ...previous, loading: true }));
    loadRef.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ data, loading: false });
      },
      (error: unknown) => {
        if (!controller.signal.aborted)
          setState((previous) => ({ data: previous.data, error, loading: false }));
      },
    );
    return () => controller.abort();
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((count) => count + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** The current time, ticking every `ms`: countdowns and ages. */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/** Calls `callback` every `ms` and when the page becomes visible again. */
export function useRefresh(callback: () => void, ms: number): void {
  const ref = useRef(callback);
  ref.current = callback;
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') ref.current();
    }, ms);
    const onVisible = () => {
      if (document.visibilityState === 'visible') ref.current();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [ms]);
}

/** Sets the document title, so screen readers and tabs say where the user is. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Everything`;
  }, [title]);
}

/** `fn` at most once per `ms`, however many events asked for it: a burst of events, one fetch. */
export function coalesce(fn: () => void, ms = 100): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      fn();
    }, ms);
  };
}
