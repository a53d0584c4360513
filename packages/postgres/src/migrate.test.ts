import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, connect } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { createLogger } from '@everything/logger';
import { scratchDatabase } from '@everything/test-support';
import { migrate, type MigrateOptions, type PostgresConfig } from './index.ts';

const logger = createLogger('migrate-test', 'silent');
let migrationsDir: string;

before(async () => {
  migrationsDir = await mkdtemp(path.join(tmpdir(), 'migrations-'));
  // Neither migration can run twice: a second application fails loudly.
  await writeFile(
    path.join(migrationsDir, '1_drinks.sql'),
    '-- Up Migration\nCREATE TABLE drinks (id int PRIMARY KEY);\n-- Down Migration\nDROP TABLE drinks;\n',
  );
  await writeFile(
    path.join(migrationsDir, '2_seed.sql'),
    '-- Up Migration\nINSERT INTO drinks VALUES (1), (2);\nSELECT pg_sleep(0.2);\n',
  );
});

const scratch: { drop: () => Promise<void> }[] = [];
after(() => Promise.all(scratch.map((database) => database.drop())));

async function freshDatabase(): Promise<PostgresConfig> {
  const database = await scratchDatabase('order_service');
  scratch.push(database);
  return database.config;
}

async function query(config: PostgresConfig, sql: string): Promise<unknown[]> {
  const client = new pg.Client({
    host: config.DB_HOST,
    port: config.DB_PORT,
    database: config.DB_NAME,
    user: config.DB_USER,
    password: config.DB_PASSWORD,
  });
  await client.connect();
  try {
    return (await client.query(sql)).rows as unknown[];
  } finally {
    await client.end();
  }
}

function options(config: PostgresConfig, overrides: Partial<MigrateOptions> = {}): MigrateOptions {
  return {
    config,
    migrationsDir,
    assumeYes: true,
    logger,
    output: new PassThrough(),
    ...overrides,
  };
}

test('without -y the plan is shown and a "no" applies nothing', async () => {
  const config = await freshDatabase();
  const output = new PassThrough();
  let shown = '';
  output.on('data', (chunk: Buffer) => (shown += chunk.toString()));
  const result = await migrate(
    options(config, { assumeYes: false, input: Readable.from(['n\n']), output }),
  );
  assert.deepEqual(result, { pending: ['1_drinks', '2_seed'], applied: [], declined: true });
  assert.match(
    shown,
    /Pending migrations for scratch_\w+ on 127\.0\.0\.1:\d+:\n {2}1_drinks\n {2}2_seed\n/,
  );
  assert.deepEqual(await query(config, "SELECT to_regclass('drinks') AS t"), [{ t: null }]);
});

test('without -y a "y" applies the plan', async () => {
  const config = await freshDatabase();
  const result = await migrate(
    options(config, { assumeYes: false, input: Readable.from(['y\n']) }),
  );
  assert.deepEqual(result.applied, ['1_drinks', '2_seed']);
  assert.deepEqual(await query(config, 'SELECT id FROM drinks ORDER BY id'), [
    { id: 1 },
    { id: 2 },
  ]);
});

test('without -y and no answer at all, nothing is applied', async () => {
  const config = await freshDatabase();
  const result = await migrate(options(config, { assumeYes: false, input: Readable.from([]) }));
  assert.equal(result.declined, true);
  assert.deepEqual(await query(config, "SELECT to_regclass('drinks') AS t"), [{ t: null }]);
});

test('running twice applies each migration once', async () => {
  const config = await freshDatabase();
  assert.deepEqual((await migrate(options(config))).applied, ['1_drinks', '2_seed']);
  assert.deepEqual(await migrate(options(config)), { pending: [], applied: [], declined: false });
});

test('concurrent runs queue on the lock and apply each migration exactly once', async () => {
  const config = await freshDatabase();
  const results = await Promise.all([1, 2, 3].map(() => migrate(options(config))));
  const applied = results.flatMap((result) => result.applied).sort();
  assert.deepEqual(applied, ['1_drinks', '2_seed']);
  assert.deepEqual(await query(config, 'SELECT count(*)::int AS n FROM drinks'), [{ n: 2 }]);
  assert.deepEqual(await query(config, 'SELECT count(*)::int AS n FROM schema_migrations'), [
    { n: 2 },
  ]);
});

test('a failing migration leaves nothing half-written and is reported', async () => {
  const config = await freshDatabase();
  const dir = await mkdtemp(path.join(tmpdir(), 'migrations-'));
  await writeFile(path.join(dir, '1_ok.sql'), '-- Up Migration\nCREATE TABLE ok (id int);\n');
  await writeFile(
    path.join(dir, '2_broken.sql'),
    '-- Up Migration\nCREATE TABLE half (id int);\nINSERT INTO missing_table VALUES (1);\n',
  );
  await assert.rejects(migrate(options(config, { migrationsDir: dir })), /missing_table/);
  assert.deepEqual(
    await query(config, "SELECT to_regclass('ok') IS NOT NULL AS ok, to_regclass('half') AS half"),
    [{ ok: true, half: null }],
  );
  assert.deepEqual(await query(config, 'SELECT name FROM schema_migrations'), [{ name: '1_ok' }]);
});

test('a migration waiting on a lock gives up after lock_timeout, leaves nothing behind and applies on retry', async () => {
  const config = await freshDatabase();
  await migrate(options(config));
  const dir = await mkdtemp(path.join(tmpdir(), 'migrations-'));
  await writeFile(
    path.join(dir, '1_drinks.sql'),
    await readFile(path.join(migrationsDir, '1_drinks.sql')),
  );
  await writeFile(
    path.join(dir, '2_seed.sql'),
    await readFile(path.join(migrationsDir, '2_seed.sql')),
  );
  await writeFile(
    path.join(dir, '3_sizes.sql'),
    '-- Up Migration\nALTER TABLE drinks ADD COLUMN size text;\n',
  );
  // A long transaction that reads drinks, as the service does while serving.
  const reader = new pg.Client({
    host: config.DB_HOST,
    port: config.DB_PORT,
    database: config.DB_NAME,
    user: config.DB_USER,
    password: config.DB_PASSWORD,
  });
  await reader.connect();
  try {
    await reader.query('BEGIN');
    await reader.query('SELECT * FROM drinks');
    const started = Date.now();
    await assert.rejects(
      migrate(options(config, { migrationsDir: dir, lockTimeoutMs: 300 })),
      /canceling statement due to lock timeout/,
    );
    assert.ok(Date.now() - started < 5_000, 'gave up within seconds');
    await reader.query('ROLLBACK');
  } finally {
    await reader.end();
  }
  assert.deepEqual(
    await query(
      config,
      "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'drinks' AND column_name = 'size'",
    ),
    [{ n: 0 }],
  );
  const retried = await migrate(options(config, { migrationsDir: dir, lockTimeoutMs: 300 }));
  assert.deepEqual(retried.applied, ['3_sizes']);
});

test('a statement running past statement_timeout is cancelled and nothing of its migration stays', async () => {
  const config = await freshDatabase();
  const dir = await mkdtemp(path.join(tmpdir(), 'migrations-'));
  await writeFile(
    path.join(dir, '1_slow.sql'),
    '-- Up Migration\nCREATE TABLE slow (id int);\nSELECT pg_sleep(5);\n',
  );
  await assert.rejects(
    migrate(options(config, { migrationsDir: dir, statementTimeoutMs: 200 })),
    /canceling statement due to statement timeout/,
  );
  assert.deepEqual(await query(config, "SELECT to_regclass('slow') AS slow"), [{ slow: null }]);
});

test('a database that becomes reachable only after a few seconds is waited for, not failed', async () => {
  const config = await freshDatabase();
  // A port that refuses connections for 2 s, then forwards them to the real server.
  const forwarder = createServer((socket) => {
    const upstream = connect(config.DB_PORT, config.DB_HOST);
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
  const opening = setTimeout(() => forwarder.listen(port, '127.0.0.1'), 2_000);
  try {
    const started = Date.now();
    const result = await migrate(options({ ...config, DB_PORT: port }));
    assert.deepEqual(result.applied, ['1_drinks', '2_seed']);
    assert.ok(Date.now() - started >= 2_000, 'it waited for the database');
  } finally {
    clearTimeout(opening);
    forwarder.close();
  }
});
