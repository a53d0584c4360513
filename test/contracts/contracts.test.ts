// Each contract check of `make contracts` fails on a deliberate break with its tool's own
// message, and lets the contracts as they are (and a compatible change) through. The breaks
// are made in copies of this tree's contracts, never in the tree itself.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

const root = fileURLToPath(new URL('../../', import.meta.url));
const scratch: string[] = [];
after(() => Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true }))));

async function scratchDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'contracts-'));
  scratch.push(dir);
  return dir;
}

/** Runs one of scripts/contracts/*.sh; resolves with its exit code and everything it printed. */
async function check(script: string, ...args: string[]) {
  const child = spawn('bash', [path.join(root, 'scripts/contracts', script), ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  // Tools colour their output when the environment asks for it (FORCE_COLOR in CI); the
  // assertions read the words.
  return { code, output: stripVTControlCharacters(output) };
}

/** A copy of `files` of this tree, with `edit` applied to the text of `file`. */
async function treeWith(
  files: string[],
  file: string,
  edit: (text: string) => string,
): Promise<string> {
  const dir = await scratchDir();
  for (const entry of files)
    await cp(path.join(root, entry), path.join(dir, entry), { recursive: true });
  const text = await readFile(path.join(dir, file), 'utf8');
  const edited = edit(text);
  assert.notEqual(edited, text, `the edit changed ${file}`);
  await writeFile(path.join(dir, file), edited);
  return dir;
}

describe('gRPC: buf', () => {
  test('the contracts as they are pass lint and have no breaking change', async () => {
    const { code, output } = await check('grpc.sh', root, root);
    assert.equal(code, 0, output);
  });

  test('a renumbered field fails with buf breaking’s message', async () => {
    const renumbered = await treeWith(
      ['buf.yaml', 'proto'],
      'proto/everything/order/v1/orders.proto',
      (text) =>
        text.replace(/(message PlaceOrderRequest \{[^}]*string customer_id = )2;/, '$1100;'),
    );
    const { code, output } = await check('grpc.sh', root, renumbered);
    assert.notEqual(code, 0, output);
    assert.match(
      output,
      /Previously present field "2" with name "customer_id" on message "PlaceOrderRequest" was deleted/,
    );
  });
});

describe('Kafka events: JSON Schema, json-schema-diff', () => {
  const schema = 'packages/events/schemas/order-event.v1.schema.json';

  test('the schemas as they are are compatible', async () => {
    const { code, output } = await check('events.sh', root, root);
    assert.equal(code, 0, output);
  });

  test('an optional field added is a compatible change', async () => {
    const added = await treeWith(['packages/events/schemas'], schema, (text) => {
      const json = JSON.parse(text) as { properties: Record<string, unknown> };
      json.properties.source = { type: 'string' };
      return JSON.stringify(json, null, 2);
    });
    const { code, output } = await check('events.sh', root, added);
    assert.equal(code, 0, output);
  });

  test('a renamed field fails with json-schema-diff’s report', async () => {
    const renamed = await treeWith(['packages/events/schemas'], schema, (text) =>
      text.replace('"customerId": {', '"clientId": {').replace('"customerId",', '"clientId",'),
    );
    const { code, output } = await check('events.sh', root, renamed);
    assert.notEqual(code, 0, output);
    assert.match(output, /Breaking changes found between the two schemas/);
    assert.match(output, /order-event\.v1\.schema\.json: breaking change against the baseline/);
  });

  test('a major version removed while consumers may still read it fails', async () => {
    const dir = await scratchDir();
    const { code, output } = await check('events.sh', root, dir);
    assert.notEqual(code, 0, output);
    assert.match(output, /order-event\.v1\.schema\.json: removed, but consumers may still read/);
  });
});

describe('OpenAPI: oasdiff', () => {
  let baseline: string;

  before(async () => {
    baseline = path.join(await scratchDir(), 'openapi.json');
    const child = spawn(
      process.execPath,
      [
        path.join(root, 'scripts/contracts/openapi-document.ts'),
        path.join(root, 'services/server/src/app.ts'),
        baseline,
      ],
      { cwd: root, stdio: 'inherit' },
    );
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
  });

  /** The document with `edit` applied to every response schema of an order. */
  async function documentWith(edit: (order: OrderSchema) => void): Promise<string> {
    const document = JSON.parse(await readFile(baseline, 'utf8')) as unknown;
    let edited = 0;
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(visit);
      if (typeof node !== 'object' || node === null) return;
      const candidate = node as OrderSchema;
      if (candidate.properties?.customerName && candidate.properties.placedAt) {
        edit(candidate);
        edited += 1;
      }
      Object.values(node).forEach(visit);
    };
    visit(document);
    assert.ok(edited > 0, 'the document has order schemas to edit');
    const file = path.join(await scratchDir(), 'openapi.json');
    await writeFile(file, JSON.stringify(document));
    return file;
  }

  interface OrderSchema {
    properties?: Record<string, unknown>;
    required?: string[];
  }

  test('the API as it is has no breaking change', async () => {
    const { code, output } = await check('openapi.sh', baseline, baseline);
    assert.equal(code, 0, output);
  });

  test('a response field removed fails with oasdiff’s message', async () => {
    const removed = await documentWith((order) => {
      delete order.properties?.customerName;
      order.required = order.required?.filter((name) => name !== 'customerName');
    });
    const { code, output } = await check('openapi.sh', baseline, removed);
    assert.notEqual(code, 0, output);
    assert.match(
      output,
      /\[response-required-property-removed\][^\n]*\n\tin API GET \/v1\/orders\/\{id\}\n\t\tremoved the required property `customerName` from the response with the `200` status/,
    );
  });
});

describe('commit messages: commitlint', () => {
  /** A scratch repository whose commits after the first have these messages. */
  async function repositoryWith(...messages: string[]): Promise<string> {
    const dir = await scratchDir();
    const git = async (...args: string[]) => {
      const child = spawn(
        'git',
        ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args],
        {
          cwd: dir,
          stdio: 'ignore',
        },
      );
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0, `git ${args.join(' ')}`);
    };
    await git('init', '--quiet');
    for (const message of ['chore: the release before', ...messages])
      await git('commit', '--quiet', '--allow-empty', '--message', message);
    return dir;
  }
  const since = (messages: string[]) => `HEAD~${messages.length}`;

  test('Conventional Commits since the release pass', async () => {
    const messages = ['feat(order): rounds for the table', 'fix: a refund lands once'];
    const { code, output } = await check(
      'commits.sh',
      since(messages),
      await repositoryWith(...messages),
    );
    assert.equal(code, 0, output);
  });

  test('a message without a type fails with commitlint’s own message', async () => {
    const messages = ['feat: fine', 'Updated stuff'];
    const { code, output } = await check(
      'commits.sh',
      since(messages),
      await repositoryWith(...messages),
    );
    assert.notEqual(code, 0);
    assert.match(output, /Updated stuff/);
    assert.match(output, /type may not be empty \[type-empty\]/);
  });
});
