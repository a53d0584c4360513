import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { openApiContract } from './openapi-contract.ts';
import { serverTestStack } from './testing.ts';

let stack: Awaited<ReturnType<typeof serverTestStack>>;
let app: FastifyInstance;

before(async () => {
  stack = await serverTestStack();
  app = await stack.build();
});
after(() => stack.close());

test('the contract check accepts what the API answers and names what breaks the document', async () => {
  const contract = await openApiContract(app);
  const menu = (await app.inject({ method: 'GET', url: '/v1/menu' })).json<unknown>();
  assert.deepEqual(contract('GET', '/v1/menu', 200, menu), []);
  assert.match(
    contract('GET', '/v1/menu', 200, { items: [{ name: 'Latte' }] }).join('\n'),
    /must have required property 'id'/,
  );
  assert.deepEqual(contract('GET', '/v1/menu', 418, {}), [
    'GET /v1/menu answered 418, which the document does not list',
  ]);
  assert.deepEqual(contract('GET', '/v1/nowhere', 200, {}), [
    'GET /v1/nowhere is not in the OpenAPI document',
  ]);
});
