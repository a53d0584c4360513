// One order's journey with tracing on, the three services as real processes exporting over
// OTLP/gRPC to a real receiver: one trace id must connect the HTTP request, the order
// service, the workflow's activities, the Kafka publish and the customer service's consumer.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { callJson } from '@everything/test-support/http';
import { metricNames, monitoringQueries } from './support/monitoring.ts';
import { OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver.ts';
import { eventually, ServiceProcess, waitForPort, waitForReady } from './support/processes.ts';
import { servicesEnv } from './support/services-env.ts';

const ports = {
  server: Number(process.env.SERVER_PORT ?? 28080) + 40,
  order: Number(process.env.ORDER_PORT ?? 25051) + 40,
  customer: Number(process.env.CUSTOMER_PORT ?? 25052) + 40,
};
const run = `trace-${randomUUID().slice(0, 8)}`;
const topic = `${run}.orders.v1`;
const admin = { email: `${run}-admin@example.com`, password: 'admin password' };
const base = `http://127.0.0.1:${ports.server}`;
// What the journey sends that must never reach a span or a log line.
const journey = { email: `${run}@example.com`, tokens: [] as string[] };
const metricsPorts = {
  server: ports.server + 1,
  order: Number(process.env.ORDER_PORT ?? 25051) + 43,
  customer: Number(process.env.CUSTOMER_PORT ?? 25052) + 43,
};

/** The sum of a metric's samples on a service's /metrics whose labels include `labels`. */
async function metric(
  service: keyof typeof metricsPorts,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPorts[service]}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([\w:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const present = match[2] ?? '';
    if (Object.entries(labels).every(([key, value]) => present.includes(`${key}="${value}"`)))
      sum += Number(match[3]);
  }
  return sum;
}

const call = (
  method: string,
  route: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) => callJson(base, method, route, options);

describe('tracing an order end to end', () => {
  const receiver = new OtlpReceiver();
  const services: ServiceProcess[] = [];

  before(async () => {
    const endpoint = `http://127.0.0.1:${await receiver.start()}`;
    const env = servicesEnv(run, ports);
    const extra = (service: keyof typeof metricsPorts) => ({
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      LOG_LEVEL: 'debug',
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: String(metricsPorts[service]),
    });
    Object.assign(env.customer, extra('customer'));
    Object.assign(env.order, extra('order'));
    Object.assign(env.server, extra('server'), {
      BOOTSTRAP_ADMIN_EMAIL: admin.email,
      BOOTSTRAP_ADMIN_PASSWORD: admin.password,
    });
    for (const name of ['customer', 'order', 'server'] as const) {
      services.push(new ServiceProcess(name, env[name]));
      await waitForPort(ports[name], 60_000);
    }
    await waitForReady(ports.server);
  });

  after(async () => {
    for (const service of services.toReversed()) await service.stop();
    await receiver.stop();
  });

  test('one trace id connects server, order service, activity, Kafka publish and consumer', async (t) => {
    const registered = await call('POST', '/v1/auth/register', {
      body: { email: journey.email, password: 'correct horse', displayName: 'Ada' },
    });
    assert.equal(registered.status, 201);
    const customer = registered.body as { accessToken: string; refreshToken: string };
    journey.tokens.push(customer.accessToken, customer.refreshToken);
    const menu = (await call('GET', '/v1/menu')).body as { items: { id: string }[] };
    const placement = await call('POST', '/v1/orders', {
      token: customer.accessToken,
      headers: { 'idempotency-key': randomUUID() },
      body: { items: [{ menuItemId: menu.items[0]?.id, quantity: 1 }] },
    });
    assert.equal(placement.status, 201, JSON.stringify(placement.body));
    const placed = placement.body as { id: string };

    const placing = () =>
      receiver.spans.find(
        (span) =>
          span.service === 'server' &&
          span.kind === 'server' &&
          span.attributes['http.request.method'] === 'POST' &&
          span.attributes['http.route'] === '/v1/orders',
      );
    const inTrace = (traceId: string, match: (span: ReceivedSpan) => boolean) =>
      receiver.spans.some((span) => span.traceId === traceId && match(span));
    await eventually(
      'the placement trace reaches every hop',
      () => {
        const root = placing();
        if (!root) return Promise.resolve(false);
        const hops = [
          (span: ReceivedSpan) =>
            span.service === 'order' &&
            span.kind === 'server' &&
            span.attributes['rpc.method'] === 'PlaceOrder',
          (span: ReceivedSpan) => span.service === 'order' && span.name.startsWith('RunActivity:'),
          (span: ReceivedSpan) =>
            span.service === 'order' &&
            span.kind === 'producer' &&
            span.attributes['messaging.destination.name'] === topic,
          (span: ReceivedSpan) =>
            span.service === 'customer' &&
            span.kind === 'consumer' &&
            span.attributes['messaging.destination.name'] === topic,
        ];
        return Promise.resolve(hops.every((hop) => inTrace(root.traceId, hop)));
      },
      30_000,
    );
    // The workflow's own span ends with the order: finish it, then the trace is whole.
    const barista = (await call('POST', '/v1/auth/login', { body: admin })).body as {
      accessToken: string;
    };
    journey.tokens.push(barista.accessToken);
    for (const [action, token] of [
      ['accept', barista.accessToken],
      ['ready', barista.accessToken],
      ['pickup', customer.accessToken],
    ] as const) {
      const response = await call(`POST`, `/v1/orders/${placed.id}/${action}`, { token });
      assert.equal(response.status, 200, `${action}: ${JSON.stringify(response.body)}`);
    }
    const traceId = placing()?.traceId ?? '';
    const trace = () => receiver.spans.filter((span) => span.traceId === traceId);
    // Every span of the trace hangs under another one of it, except the request's own.
    const orphans = () => {
      const ids = new Set(trace().map((span) => span.spanId));
      return trace().filter((span) => span.parentSpanId !== '' && !ids.has(span.parentSpanId));
    };
    await eventually(
      'the workflow span arrives and the trace has no orphans',
      () => Promise.resolve(orphans().length === 0),
      30_000,
    ).catch(() =>
      assert.deepEqual(
        orphans().map((span) => `${span.service} ${span.name}`),
        [],
        'spans whose parent is missing from the trace',
      ),
    );
    // Log lines written while serving the order carry its trace id.
    const order = services.find((service) => service.name === 'order');
    assert.match(order?.output ?? '', new RegExp(`"trace_id":"${traceId}"`));
    assert.deepEqual([...new Set(trace().map((span) => span.service))].sort(), [
      'customer',
      'order',
      'server',
    ]);
    t.diagnostic(`the placement trace has ${trace().length} spans`);
    t.diagnostic(
      [...new Set(trace().map((span) => `${span.service} ${span.kind} ${span.name}`))].join('; '),
    );
  });

  test('no span attribute or log line holds the e-mail, name, password or a token', (t) => {
    assert.ok(journey.tokens.length >= 2, 'the journey did not run');
    const secrets = [journey.email, 'correct horse', admin.password, ...journey.tokens];
    const names = ['Ada'];
    for (const span of receiver.spans)
      for (const [key, value] of Object.entries(span.attributes))
        for (const secret of [...secrets, ...names])
          assert.ok(
            !String(value).includes(secret),
            `${span.service} span "${span.name}" has ${key}=${String(value)}`,
          );
    for (const service of services)
      for (const secret of secrets)
        assert.ok(!service.output.includes(secret), `${service.name} logged ${secret}`);
    t.diagnostic(`${receiver.spans.length} spans and ${services.length} logs checked`);
  });

  test('the journey shows in the metrics: funnel, waits, events, activities, calls', async () => {
    const counts = {
      placed: await metric('order', 'everything_order_transitions_total', { status: 'placed' }),
      completed: await metric('order', 'everything_order_transitions_total', {
        status: 'completed',
      }),
      drinks: await metric('order', 'everything_drinks_ordered_total'),
      waits: [
        await metric('order', 'everything_order_stage_duration_count', {
          stage: 'placed_to_accepted',
        }),
        await metric('order', 'everything_order_stage_duration_count', {
          stage: 'accepted_to_ready',
        }),
        await metric('order', 'everything_order_stage_duration_count', {
          stage: 'ready_to_picked_up',
        }),
      ],
      menuMisses: await metric('order', 'everything_cache_requests_total', { result: 'miss' }),
      charges: await metric('order', 'everything_temporal_activity_duration_count', {
        activity: 'chargeTab',
        outcome: 'completed',
      }),
      placeOrderCalls: await metric('order', 'rpc_server_call_duration_count', {
        rpc_method: 'PlaceOrder',
        rpc_grpc_status_code: '0',
      }),
      placements: await metric('server', 'http_server_request_duration_count', {
        http_route: '/v1/orders',
        http_response_status_code: '201',
      }),
    };
    assert.deepEqual(counts, {
      placed: 1,
      completed: 1,
      drinks: 1,
      waits: [1, 1, 1],
      menuMisses: 1,
      charges: 1,
      placeOrderCalls: 1,
      placements: 1,
    });
    // The five events (placed, accepted, customer_notified of the acceptance, ready, completed)
    // reach the customer service once each.
    let seen = {};
    await eventually('every event applied, the outbox empty', async () => {
      const applied = await metric('customer', 'everything_order_events_handled_total', {
        result: 'applied',
      });
      const backlog = await metric('order', 'everything_outbox_backlog');
      seen = { applied, backlog };
      return applied === 5 && backlog === 0;
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}: last seen ${JSON.stringify(seen)}`);
    });
  });

  test('after the journey, every metric a dashboard or an alert rule reads is exported', async () => {
    const { exprs, recorded } = await monitoringQueries();
    // From kube-state-metrics, the kubelet (cAdvisor), Prometheus itself and the collector's
    // spanmetrics connector, in the cluster; not from the services.
    const elsewhere = /^(kube_|container_|up$|traces_span_metrics_)/;
    const wanted = new Set(
      exprs.flatMap(metricNames).filter((name) => !recorded.has(name) && !elsewhere.test(name)),
    );
    assert.ok(wanted.size >= 15, `only ${wanted.size} metric names found in the queries`);
    let missing: string[] = [];
    // Consumer lag is polled every 10 s, so it may take one round to appear.
    await eventually(
      'every metric exported',
      async () => {
        const exported = new Set<string>();
        for (const port of Object.values(metricsPorts)) {
          const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
          for (const line of text.split('\n'))
            if (line && !line.startsWith('#')) exported.add(line.split(/[{ ]/, 1)[0] ?? '');
        }
        missing = [...wanted].filter((name) => !exported.has(name));
        return missing.length === 0;
      },
      30_000,
    ).catch(() =>
      assert.deepEqual(missing, [], 'metrics the dashboards or rules read but no service exports'),
    );
  });
});
