import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, env, loadConfig } from './index.ts';

const shape = {
  DB_HOST: env.string(),
  DB_PORT: env.port().default(5432),
  ORDER_SERVICE_ADDRESS: env.address(),
  VALKEY_URL: env.url(['redis', 'rediss']),
  LOG_LEVEL: env.logLevel(),
};

test('a complete environment parses into typed values with defaults', () => {
  const config = loadConfig(shape, {
    DB_HOST: 'postgresql.infra.svc.cluster.local',
    ORDER_SERVICE_ADDRESS: 'order.staging.svc.cluster.local:50051',
    VALKEY_URL: 'redis://valkey.infra.svc.cluster.local:6379',
  });
  assert.deepEqual(config, {
    DB_HOST: 'postgresql.infra.svc.cluster.local',
    DB_PORT: 5432,
    ORDER_SERVICE_ADDRESS: 'order.staging.svc.cluster.local:50051',
    VALKEY_URL: 'redis://valkey.infra.svc.cluster.local:6379',
    LOG_LEVEL: 'info',
  });
});

test('every missing or malformed variable is named in one error', () => {
  assert.throws(
    () =>
      loadConfig(shape, {
        DB_PORT: 'five',
        ORDER_SERVICE_ADDRESS: 'order',
        VALKEY_URL: 'http://x',
        LOG_LEVEL: 'loud',
      }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /DB_HOST: is required/);
      assert.match(error.message, /DB_PORT: must be an integer from 1 to 65535/);
      assert.match(error.message, /ORDER_SERVICE_ADDRESS: must be host:port/);
      assert.match(error.message, /VALKEY_URL: must be a redis or rediss URL/);
      assert.match(error.message, /LOG_LEVEL: must be one of/);
      return true;
    },
  );
});

test('an empty variable counts as missing, not as an empty value', () => {
  assert.throws(
    () => loadConfig({ DB_HOST: env.string() }, { DB_HOST: '' }),
    /DB_HOST: is required/,
  );
});

test('a port out of range is rejected', () => {
  assert.throws(
    () => loadConfig({ P: env.port() }, { P: '70000' }),
    /P: must be an integer from 1 to 65535/,
  );
});
