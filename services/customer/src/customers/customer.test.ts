import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateRegistration, ValidationError } from './customer.ts';

const valid = { email: ' Ada@Example.COM ', password: 'long enough', displayName: ' Ada ' };

test('a registration is normalized: email lower-cased and trimmed, name trimmed', () => {
  assert.deepEqual(validateRegistration(valid), {
    email: 'ada@example.com',
    password: 'long enough',
    displayName: 'Ada',
  });
});

for (const [field, change, message] of [
  ['email', { email: 'not-an-email' }, 'email: must be an email address'],
  ['password', { password: 'short' }, 'password: must have at least 8 characters'],
  ['password', { password: 'x'.repeat(257) }, 'password: must have at most 256 characters'],
  ['displayName', { displayName: '   ' }, 'displayName: must have 1 to 80 characters'],
] as const) {
  test(`a registration with a bad ${field} is rejected naming it (${message})`, () => {
    assert.throws(
      () => validateRegistration({ ...valid, ...change }),
      (error: unknown) =>
        error instanceof ValidationError && error.field === field && error.message === message,
    );
  });
}
