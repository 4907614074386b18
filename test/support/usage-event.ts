/** A usage event as the routes record it, for store tests: `tokens` in and out, the rest plain. */
import type { UsageEvent } from '../../main/core/store/store';

export function usageEvent(key_id: number, tokens = 10, time = new Date()): UsageEvent {
  return {
    time,
    key_id,
    user_id: 1,
    endpoint: '/v1/messages',
    model: 'claude-x',
    backend_model: null,
    status: 200,
    latency_ms: 5,
    stream: false,
    input_tokens: tokens,
    output_tokens: tokens,
    cache_read_input_tokens: 0,
    usage_estimated: false,
    error: null,
  };
}
