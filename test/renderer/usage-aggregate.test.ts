import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { UsageRow } from '../../shared/types';
import { sumRows, usageByKey, usageByModel, usageByProvider, usageByUser } from '../../renderer/lib/usage-aggregate';

function row(partial: Partial<UsageRow>): UsageRow {
  const input = partial.input_tokens ?? 0;
  const output = partial.output_tokens ?? 0;
  return {
    user_id: 1,
    username: 'ada',
    key_id: 1,
    key_name: 'laptop',
    model: 'claude-opus-4-8',
    provider: 'default',
    endpoint: '/v1/messages',
    requests: 1,
    errors: 0,
    cache_read_input_tokens: 0,
    ...partial,
    input_tokens: input,
    output_tokens: output,
    total_tokens: input + output,
  };
}

const rows: UsageRow[] = [
  row({ user_id: 1, username: 'ada', key_id: 1, key_name: 'laptop', model: 'claude-opus-4-8', input_tokens: 100, output_tokens: 50, requests: 2 }),
  row({ user_id: 1, username: 'ada', key_id: 1, key_name: 'laptop', model: 'gpt-4o', endpoint: '/v1/chat/completions', input_tokens: 10, output_tokens: 5 }),
  row({ user_id: 1, username: 'ada', key_id: 2, key_name: 'ci', model: 'claude-opus-4-8', input_tokens: 1000, output_tokens: 0, errors: 1 }),
  row({ user_id: 2, username: 'grace', key_id: 3, key_name: '', model: 'gpt-4o', input_tokens: 300, output_tokens: 300, cache_read_input_tokens: 40 }),
];

describe('usage aggregation', () => {
  test('per user sums every row of the user, most tokens first', () => {
    const byUser = usageByUser(rows);
    assert.deepEqual(
      byUser.map((g) => [g.label, g.requests, g.input_tokens, g.output_tokens, g.total_tokens, g.errors]),
      [
        ['ada', 4, 1110, 55, 1165, 1],
        ['grace', 1, 300, 300, 600, 0],
      ],
    );
  });

  test('per key keeps the owner as detail and names unnamed keys', () => {
    const byKey = usageByKey(rows);
    assert.deepEqual(
      byKey.map((g) => [g.label, g.detail, g.total_tokens]),
      [
        ['ci', 'ada', 1000],
        ['Key 3', 'grace', 600],
        ['laptop', 'ada', 165],
      ],
    );
  });

  test('per model merges endpoints and users', () => {
    const byModel = usageByModel(rows);
    assert.deepEqual(
      byModel.map((g) => [g.label, g.requests, g.total_tokens, g.cache_read_input_tokens]),
      [
        ['claude-opus-4-8', 3, 1150, 0],
        ['gpt-4o', 2, 615, 40],
      ],
    );
  });

  test('the groups of every kind add up to the same totals', () => {
    const total = sumRows(rows);
    for (const groups of [usageByUser(rows), usageByKey(rows), usageByModel(rows)]) {
      assert.equal(groups.reduce((s, g) => s + g.total_tokens, 0), total.total_tokens);
      assert.equal(groups.reduce((s, g) => s + g.requests, 0), total.requests);
    }
    assert.equal(total.total_tokens, 1765);
  });

  test('no rows, no groups', () => {
    assert.deepEqual(usageByUser([]), []);
    assert.equal(sumRows([]).requests, 0);
  });

  test('per provider: the provider that answered; rows of none (older usage) apart', () => {
    const mixed = [
      row({ provider: 'deepseek', input_tokens: 10, output_tokens: 10 }),
      row({ provider: 'glm', input_tokens: 500, output_tokens: 0 }),
      row({ provider: 'deepseek', model: 'gpt-4o', input_tokens: 5, output_tokens: 0, requests: 3 }),
      row({ provider: '', input_tokens: 1, output_tokens: 0 }),
    ];
    assert.deepEqual(
      usageByProvider(mixed).map((g) => [g.label, g.requests, g.total_tokens]),
      [
        ['glm', 1, 500],
        ['deepseek', 4, 25],
        ['(none)', 1, 1],
      ],
    );
  });
});
