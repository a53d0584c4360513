import { metrics } from '@opentelemetry/api';

// Created when the module loads, which the services' main.ts orders after telemetry started.
const requests = metrics.getMeter('everything.valkey').createCounter('everything.cache.requests', {
  description:
    'Cache look-ups by cache and result: hit or miss (a failed read counts as error and as miss)',
});

/** Counts one look-up of a Valkey cache, for the hit ratio on the database and cache dashboard. */
export function countCacheLookup(cache: string, result: 'hit' | 'miss' | 'error'): void {
  requests.add(1, { cache, result });
}
