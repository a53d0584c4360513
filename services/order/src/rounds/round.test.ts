// The rules of a round that need no database: its codes, who submits, who pays.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  chargesByPayer,
  membersToSubmit,
  newRoundCode,
  normaliseRoundCode,
  ROUND_CODE_ALPHABET,
  type Round,
} from './round.ts';

describe('round codes', () => {
  test('are six characters with no look-alikes (0/O, 1/I/L)', () => {
    for (let i = 0; i < 500; i++) {
      const code = newRoundCode();
      assert.match(code, /^[2-9A-HJKMNP-Z]{6}$/);
    }
    for (const lookAlike of ['0', 'O', '1', 'I', 'L'])
      assert.ok(!ROUND_CODE_ALPHABET.includes(lookAlike), lookAlike);
  });

  test('are read whatever the case, spaces and dashes; anything else is not a code', () => {
    assert.equal(normaliseRoundCode(' k7m-2pq '), 'K7M2PQ');
    assert.equal(normaliseRoundCode('K7M2P'), undefined);
    assert.equal(normaliseRoundCode('K7M2P0'), undefined);
    assert.equal(normaliseRoundCode('K7M2PQQ'), undefined);
  });
});

const member = (customerId: string, drinks: number) => ({
  customerId,
  customerName: customerId,
  lines: Array.from({ length: drinks }, () => ({ menuItemId: 'm', quantity: 1, optionIds: [] })),
  orderId: undefined,
  orderStatus: undefined,
  joinedAt: new Date(0),
});
const round = (members: Round['members']): Round => ({
  id: 'r',
  code: 'K7M2PQ',
  starterId: 'ada',
  status: 'open',
  payer: 'each',
  members,
  createdAt: new Date(0),
  submittedAt: undefined,
});

describe('submitting a round', () => {
  test('places the drinks of members who have some, less those left out', () => {
    const table = round([member('ada', 1), member('bo', 0), member('cy', 2), member('di', 1)]);
    assert.deepEqual(
      membersToSubmit(table, new Set(['di'])).map((each) => each.customerId),
      ['ada', 'cy'],
    );
  });

  test('charges each member their own drinks, or the starter everything', () => {
    const subtotals = [
      { customerId: 'ada', cents: 400 },
      { customerId: 'bo', cents: 350 },
    ];
    assert.deepEqual(
      [...chargesByPayer('ada', 'each', subtotals)],
      [
        ['ada', 400],
        ['bo', 350],
      ],
    );
    assert.deepEqual([...chargesByPayer('ada', 'starter', subtotals)], [['ada', 750]]);
  });
});
