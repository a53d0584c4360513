import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  instantOf,
  isTimeZone,
  isWithinHours,
  nextOccurrence,
  type Recurrence,
} from './recurrence.ts';

const weekdaysAt = (time: string, timeZone: string): Recurrence => ({
  timeZone,
  time,
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
});

/** Every occurrence from `from` up to `until`, following nextOccurrence as a schedule does. */
function occurrences(recurrence: Recurrence, from: string, until: string) {
  const found = [];
  let after = new Date(from);
  for (;;) {
    const next = nextOccurrence(recurrence, after);
    if (!next || next.dueAt > new Date(until)) return found;
    found.push(next);
    after = next.dueAt;
  }
}

const localTime = (instant: Date, timeZone: string) =>
  instant.toLocaleTimeString('en-GB', { timeZone, hour: '2-digit', minute: '2-digit' });

describe('a weekday morning schedule across daylight-saving changes', () => {
  for (const [timeZone, from, until] of [
    // Europe springs forward on Sunday 29 March 2026 and falls back on Sunday 25 October.
    ['Europe/Berlin', '2026-03-23T00:00:00Z', '2026-04-04T00:00:00Z'],
    ['Europe/Berlin', '2026-10-19T00:00:00Z', '2026-10-31T00:00:00Z'],
    // The United States change on Sundays 8 March and 1 November 2026.
    ['America/New_York', '2026-03-02T00:00:00Z', '2026-03-14T12:00:00Z'],
    ['America/New_York', '2026-10-26T00:00:00Z', '2026-11-07T12:00:00Z'],
  ] as const) {
    test(`is due at 07:30 local on each of ten weekdays, once, in ${timeZone} from ${from}`, () => {
      const found = occurrences(weekdaysAt('07:30', timeZone), from, until);
      assert.equal(found.length, 10, found.map((run) => run.key).join(' '));
      assert.equal(new Set(found.map((run) => run.key)).size, 10);
      for (const run of found) assert.equal(localTime(run.dueAt, timeZone), '07:30', run.key);
      const gaps = found
        .slice(1)
        .map((run, index) => run.dueAt.getTime() - (found[index]?.dueAt.getTime() ?? 0));
      // Consecutive weekdays are 23, 24 or 25 hours apart, or a weekend later: never 0 or a day lost.
      for (const gap of gaps)
        assert.ok(gap >= 23 * 3_600_000 && gap <= 73 * 3_600_000, String(gap));
    });
  }

  test('knows the offset changed: 07:30 in Berlin is 06:30 UTC before and 05:30 UTC after', () => {
    const [friday, monday] = occurrences(
      weekdaysAt('07:30', 'Europe/Berlin'),
      '2026-03-27T00:00:00Z',
      '2026-03-31T00:00:00Z',
    );
    assert.equal(friday?.dueAt.toISOString(), '2026-03-27T06:30:00.000Z');
    assert.equal(monday?.dueAt.toISOString(), '2026-03-30T05:30:00.000Z');
  });
});

describe('a time the clocks skip or repeat', () => {
  test('a time that does not exist (02:30 on the spring-forward night) is the gap later, once', () => {
    const found = occurrences(
      { timeZone: 'Europe/Berlin', time: '02:30', days: ['sat', 'sun', 'mon'] },
      '2026-03-27T00:00:00Z',
      '2026-03-31T00:00:00Z',
    );
    assert.deepEqual(
      found.map((run) => [run.key, run.dueAt.toISOString()]),
      [
        ['2026-03-28', '2026-03-28T01:30:00.000Z'],
        ['2026-03-29', '2026-03-29T01:30:00.000Z'], // 03:30 summer time
        ['2026-03-30', '2026-03-30T00:30:00.000Z'],
      ],
    );
  });

  test('a time that happens twice (02:30 on the fall-back night) is its first happening only', () => {
    const found = occurrences(
      { timeZone: 'Europe/Berlin', time: '02:30', days: ['sun'] },
      '2026-10-24T00:00:00Z',
      '2026-10-26T00:00:00Z',
    );
    assert.deepEqual(
      found.map((run) => run.dueAt.toISOString()),
      ['2026-10-25T00:30:00.000Z'],
    );
  });

  test('instantOf is stable for an ordinary date', () => {
    assert.equal(
      instantOf({ year: 2026, month: 12, day: 1 }, 8, 15, 'Asia/Kolkata').toISOString(),
      '2026-12-01T02:45:00.000Z',
    );
  });
});

describe('the next occurrence', () => {
  test('is later the same day when the time has not come, else on the next chosen day', () => {
    const recurrence = weekdaysAt('07:30', 'Europe/Berlin');
    // Tuesday 1 December 2026, 06:00 in Berlin.
    assert.equal(nextOccurrence(recurrence, new Date('2026-12-01T05:00:00Z'))?.key, '2026-12-01');
    // Friday 4 December, 08:00 in Berlin: Monday next.
    assert.equal(nextOccurrence(recurrence, new Date('2026-12-04T07:00:00Z'))?.key, '2026-12-07');
  });

  test('uses the local date, not the UTC one, far from Greenwich', () => {
    // 23:00 UTC on Sunday is already Monday 10:00 in Sydney.
    const next = nextOccurrence(
      weekdaysAt('07:30', 'Australia/Sydney'),
      new Date('2026-12-06T23:00:00Z'),
    );
    assert.ok(next);
    assert.equal(next.key, '2026-12-08');
    assert.equal(localTime(next.dueAt, 'Australia/Sydney'), '07:30');
  });

  test('is none without days', () => {
    assert.equal(
      nextOccurrence({ timeZone: 'UTC', time: '07:30', days: [] }, new Date()),
      undefined,
    );
  });
});

test('time zones are IANA names, not offsets or inventions', () => {
  assert.ok(isTimeZone('Europe/Berlin'));
  assert.ok(isTimeZone('UTC'));
  assert.ok(!isTimeZone('Mars/Olympus_Mons'));
  assert.ok(!isTimeZone('+01:00'));
});

test('opening hours are local and may pass midnight', () => {
  const noonBerlin = new Date('2026-12-01T11:00:00Z');
  assert.ok(isWithinHours(noonBerlin, '07:00-19:00', 'Europe/Berlin'));
  assert.ok(!isWithinHours(noonBerlin, '13:00-19:00', 'Europe/Berlin'));
  assert.ok(isWithinHours(new Date('2026-12-01T23:30:00Z'), '22:00-02:00', 'Europe/Berlin'));
});
