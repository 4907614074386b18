import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fromDateInput, lastDays, rangeQuery, toDateInput } from '../../renderer/lib/date-range';

describe('date range', () => {
  test('inputs are local calendar days', () => {
    assert.equal(toDateInput(new Date(2025, 0, 5, 23, 59)), '2025-01-05');
    assert.equal(fromDateInput('2025-01-05')?.getTime(), new Date(2025, 0, 5).getTime());
    assert.equal(fromDateInput('2025-01-31', 1)?.getTime(), new Date(2025, 1, 1).getTime());
  });

  test('impossible dates are rejected', () => {
    assert.equal(fromDateInput('2025-02-30'), undefined);
    assert.equal(fromDateInput('2025-13-01'), undefined);
    assert.equal(fromDateInput(''), undefined);
  });

  test('the query runs from From at midnight to the day after To', () => {
    assert.deepEqual(rangeQuery('2025-01-01', '2025-01-07'), {
      ok: true,
      since: new Date(2025, 0, 1).toISOString(),
      until: new Date(2025, 0, 8).toISOString(),
    });
    const single = rangeQuery('2025-03-04', '2025-03-04');
    assert.ok(single.ok);
  });

  test('a reversed or broken range says why', () => {
    assert.deepEqual(rangeQuery('2025-01-08', '2025-01-07'), { ok: false, message: 'From must be on or before To.' });
    assert.deepEqual(rangeQuery('x', '2025-01-07'), { ok: false, message: 'From is not a valid date.' });
    assert.deepEqual(rangeQuery('2025-01-07', ''), { ok: false, message: 'To is not a valid date.' });
  });

  test('lastDays counts today', () => {
    assert.deepEqual(lastDays(7, new Date(2025, 0, 3, 15)), { from: '2024-12-28', to: '2025-01-03' });
    assert.deepEqual(lastDays(1, new Date(2025, 0, 3)), { from: '2025-01-03', to: '2025-01-03' });
  });
});
