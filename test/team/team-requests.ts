/**
 * Client requests for the team tests, by plain fetch: the three kinds a team sends (Anthropic messages, Chat
 * Completions streamed and not), each returning its status and the tokens the client was told it used.
 */
export type RequestKind = 'messages' | 'chat' | 'chat-stream';

export interface Answer {
  status: number;
  tokens: number;
  /** The error's type when refused (`rate_limit_error`…). */
  errorType?: string;
  retryAfter?: string | null;
}

export async function send(baseUrl: string, apiKey: string, kind: RequestKind, maxTokens = 50, prompt = 'hello'): Promise<Answer> {
  const messages = [{ role: 'user', content: prompt }];
  const res =
    kind === 'messages'
      ? await fetch(`${baseUrl}/v1/messages`, {
          method: 'POST',
          headers: { 'x-api-key': apiKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: maxTokens, messages }),
        })
      : await fetch(`${baseUrl}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'scripted-model',
            max_tokens: maxTokens,
            messages,
            ...(kind === 'chat-stream' ? { stream: true, stream_options: { include_usage: true } } : {}),
          }),
        });
  const text = await res.text();
  if (res.status !== 200) {
    let errorType: string | undefined;
    try {
      const body = JSON.parse(text) as { error?: { type?: string } };
      errorType = body.error?.type;
    } catch {
      /* not JSON */
    }
    return { status: res.status, tokens: 0, errorType, retryAfter: res.headers.get('retry-after') };
  }
  if (kind === 'chat-stream') {
    let tokens = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith('data: {')) continue;
      const usage = (JSON.parse(line.slice(6)) as { usage?: { prompt_tokens: number; completion_tokens: number } | null }).usage;
      if (usage) tokens = usage.prompt_tokens + usage.completion_tokens;
    }
    return { status: 200, tokens };
  }
  const body = JSON.parse(text) as {
    usage: { input_tokens?: number; output_tokens?: number; prompt_tokens?: number; completion_tokens?: number };
  };
  const u = body.usage;
  return { status: 200, tokens: (u.input_tokens ?? u.prompt_tokens ?? 0) + (u.output_tokens ?? u.completion_tokens ?? 0) };
}
