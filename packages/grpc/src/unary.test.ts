import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { createLogger } from '@everything/logger';
import { unary } from './unary.ts';

interface Favorite {
  customerId: string;
  favorite: { menuItemId: string; optionIds: string[] };
}

const json = {
  serialize: (value: unknown) => Buffer.from(JSON.stringify(value)),
  deserialize: (bytes: Buffer) => JSON.parse(bytes.toString()) as unknown,
};
const save: grpc.MethodDefinition<Favorite, Favorite> = {
  path: '/test.v1.Favorites/Save',
  requestStream: false,
  responseStream: false,
  requestSerialize: json.serialize,
  requestDeserialize: json.deserialize as (bytes: Buffer) => Favorite,
  responseSerialize: json.serialize,
  responseDeserialize: json.deserialize as (bytes: Buffer) => Favorite,
};

const server = new grpc.Server();
const handled: Favorite[] = [];
let client: grpc.Client;

before(async () => {
  server.addService(
    { Save: save },
    {
      Save: unary(createLogger('unary-test', 'silent'), (request: Favorite) => {
        handled.push(request);
        return Promise.resolve(request);
      }),
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});
after(() => {
  client.close();
  server.forceShutdown();
});

const call = (request: Favorite) =>
  new Promise<grpc.ServiceError | null>((resolve) =>
    client.makeUnaryRequest(
      save.path,
      save.requestSerialize,
      save.responseDeserialize,
      request,
      (error) => resolve(error),
    ),
  );

test('a string holding NUL is refused as INVALID_ARGUMENT naming its field, before the handler runs', async () => {
  const error = await call({
    customerId: 'c1',
    favorite: { menuItemId: 'm1', optionIds: ['oat', 'sh\u0000ot'] },
  });
  assert.equal(error?.code, grpc.status.INVALID_ARGUMENT);
  assert.equal(error.details, 'favorite.optionIds[1]: must not contain the NUL character');
  assert.deepEqual(handled, []);

  assert.equal(
    await call({ customerId: 'c1', favorite: { menuItemId: 'm1', optionIds: [] } }),
    null,
  );
  assert.equal(handled.length, 1);
});

test('a call whose deadline passed while it waited is answered DEADLINE_EXCEEDED without running', async () => {
  let ran = false;
  const handler = unary(createLogger('unary-test', 'silent'), () => {
    ran = true;
    return Promise.resolve({});
  });
  const waited = {
    request: {},
    cancelled: false,
    getDeadline: () => new Date(Date.now() - 1),
    getPath: () => save.path,
  } as unknown as grpc.ServerUnaryCall<object, object>;
  const error = await new Promise<grpc.ServiceError | null>((resolve) =>
    handler(waited, (failure) => resolve(failure as grpc.ServiceError | null)),
  );
  assert.equal(error?.code, grpc.status.DEADLINE_EXCEEDED);
  assert.equal(ran, false);
});
