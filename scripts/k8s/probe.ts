// `probe grpc://host:port` or `probe http://host:port/path`: exits 0 when the target reports
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

if (import.meta.main) {
  const target = process.argv[2];
  if (!target) {
    console.error('usage: probe grpc://host:port | http://host:port/path');
    process.exit(2);
  }
  const { healthy, detail } = await probe(target);
  console.log(`${target}: ${detail}`);
  process.exit(healthy ? 0 : 1);
}
