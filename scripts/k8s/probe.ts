// `probe grpc://host:port` or `probe http://host:port/path` [--within SECONDS]: exits 0 when the target reports
// healthy (grpc.health.v1 SERVING for the whole server, or an HTTP 2xx), 1 otherwise. The Helm
// test pods of the app charts run it from the service's own image (`helm test`, `make verify`).
import { checkHealth } from '@everything/grpc';

const timeoutMs = 5_000;

export async function probe(target: string): Promise<{ healthy: boolean; detail: string }> {
  const url = new URL(target);
  if (url.protocol === 'grpc:') {
    const status = await checkHealth(url.host).status(timeoutMs);
    return { healthy: status === 'SERVING', detail: status };
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      return { healthy: response.ok, detail: `HTTP ${response.status} ${await response.text()}` };
    } catch (error) {
      return { healthy: false, detail: String(error) };
    }
  }
  return { healthy: false, detail: `unsupported target ${target}: use grpc:// or http://` };
}

/**
 * Probes until the target is healthy or `withinSeconds` have passed. A pod's first connections
 * can be refused for a few seconds while the NetworkPolicy engine admits its new address (k3s
 * and kube-router do so asynchronously), so a one-shot test pod would fail by chance.
 */
export async function probeWithin(
  target: string,
  withinSeconds: number,
): Promise<{ healthy: boolean; detail: string }> {
  const deadline = Date.now() + withinSeconds * 1000;
  for (;;) {
    const result = await probe(target);
    if (result.healthy || Date.now() >= deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

if (import.meta.main) {
  const [target, flag, seconds] = process.argv.slice(2);
  const within = flag === '--within' ? Number(seconds) : 0;
  if (
    !target ||
    (flag !== undefined && (flag !== '--within' || !Number.isFinite(within) || within < 0))
  ) {
    console.error('usage: probe grpc://host:port | http://host:port/path [--within SECONDS]');
    process.exit(2);
  }
  const { healthy, detail } = await probeWithin(target, within);
  console.log(`${target}: ${detail}`);
  process.exit(healthy ? 0 : 1);
}
