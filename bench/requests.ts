/**
 * The benchmark's requests: Claude Code-sized Anthropic Messages bodies (built on the real captured request in
 * test/fixtures/claude-code-request.json: its 24 tool schemas, its system prompt in cache_control blocks, its
 * mid-conversation system message), a ~1 MB long-context one, a tiny one, and for each the equivalent Chat
 * Completions body (what the proxy itself sends the backend, from main/translate), which the backend-direct floor is
 * measured with. Everything is deterministic, so runs compare.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_SETTINGS } from '../main/core/config';
import { chatRequestOptions, parseMessagesRequest, toChatRequest } from '../main/translate';
import { TEXT_STRINGS } from '../main/translate/strings';

/** The backend model every target is configured with. */
export const BACKEND_MODEL = 'scripted-model';

/** One kind of request the benchmark loads each target with. */
export interface BenchCase {
  /** Short id used by `--only` and in the JSON, e.g. `messages-80k-stream`. */
  name: string;
  /** What the row says, e.g. `/v1/messages 80 KB streamed`. */
  label: string;
  path: '/v1/messages' | '/v1/chat/completions';
  /** The body clients send to the proxy (and the peer). */
  body: string;
  /** The body sent to the backend directly (the floor): the same request as the backend gets it. */
  directBody: string;
  stream: boolean;
  /** The peer serves this path (claude-code-router has no `/v1/chat/completions`). */
  peer: boolean;
}

type Json = Record<string, unknown>;
type Message = { role: string; content: unknown };

interface Fixture {
  system: unknown[];
  tools: unknown[];
  messages: Message[];
  metadata: unknown;
  thinking: unknown;
  context_management: unknown;
  output_config: unknown;
}

const FIXTURE_URL = new URL('../test/fixtures/claude-code-request.json', import.meta.url);

/** All cases, in the order the table shows them. */
export function benchCases(): BenchCase[] {
  const fixture = JSON.parse(readFileSync(FIXTURE_URL, 'utf8')) as Fixture;
  const cc80 = claudeCodeRequest(fixture, codingTurns(3, 700), true);
  const cc80Plain = { ...cc80, stream: false };
  const long = claudeCodeRequest(fixture, codingTurns(46, 19_500), true);
  const tiny = { model: 'claude-haiku-4-5', max_tokens: 256, messages: [{ role: 'user', content: 'Say hi in one word.' }] };
  const chat80 = toChat(cc80);
  delete chat80.stream_options; // as OpenAI SDK clients send it: the proxy adds include_usage itself
  return [
    messagesCase('messages-80k-stream', '80 KB streamed', cc80),
    messagesCase('messages-80k', '80 KB not streamed', cc80Plain),
    messagesCase('messages-1m-stream', '1 MB streamed', long),
    messagesCase('messages-tiny', 'tiny not streamed', tiny),
    {
      name: 'chat-80k-stream',
      label: 'chat pass-through 80 KB streamed',
      path: '/v1/chat/completions',
      body: JSON.stringify(chat80),
      directBody: JSON.stringify(chat80),
      stream: true,
      peer: false,
    },
  ];
}

function messagesCase(name: string, what: string, body: Json): BenchCase {
  return {
    name,
    label: `messages ${what}`,
    path: '/v1/messages',
    body: JSON.stringify(body),
    directBody: JSON.stringify(toChat(body)),
    stream: body.stream === true,
    peer: true,
  };
}

/** The Chat Completions body the proxy sends for `body` with default settings. */
function toChat(body: Json): Json {
  const parsed = parseMessagesRequest(body);
  if (!parsed.ok) throw new Error(`bench request is not a valid Messages request: ${parsed.message}`);
  const options = chatRequestOptions(DEFAULT_SETTINGS, { model: BACKEND_MODEL }, TEXT_STRINGS);
  return toChatRequest(parsed.value, options) as unknown as Json;
}

/** Claude Code's request shape: the fixture's system, tools and opening messages, then `turns`. */
function claudeCodeRequest(fixture: Fixture, turns: Message[], stream: boolean): Json {
  return {
    model: 'claude-opus-4-8',
    messages: [...fixture.messages, ...turns],
    system: fixture.system,
    tools: fixture.tools,
    metadata: fixture.metadata,
    max_tokens: 32_000,
    thinking: fixture.thinking,
    context_management: fixture.context_management,
    output_config: fixture.output_config,
    stream,
  };
}

/**
 * `count` tool rounds of a coding session (assistant text + tool_use, user tool_result with about `resultBytes` of
 * file or command output), ending with a user message carrying cache_control, as Claude Code sends it.
 */
function codingTurns(count: number, resultBytes: number): Message[] {
  const out: Message[] = [];
  for (let i = 0; i < count; i++) {
    const id = `toolu_bench_${String(i).padStart(4, '0')}`;
    const file = `src/proxy/module-${i}.ts`;
    const call =
      i % 3 === 0
        ? { name: 'Bash', input: { command: `grep -rn "maxBodyBytes" src/ | head -40`, description: 'Find the body size limit' } }
        : i % 3 === 1
          ? { name: 'Read', input: { file_path: `/home/dev/project/${file}` } }
          : { name: 'Edit', input: { file_path: `/home/dev/project/${file}`, old_string: 'const limit = 32;', new_string: 'const limit = 64;' } };
    out.push({
      role: 'assistant',
      content: [
        { type: 'text', text: `Let me look at ${file} to see how the limit is applied before changing it.` },
        { type: 'tool_use', id, ...call },
      ],
    });
    out.push({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: id, content: sourceText(file, resultBytes), is_error: false }],
    });
  }
  out.push({
    role: 'user',
    content: [{ type: 'text', text: 'Good. Now raise the limit to 64 MB everywhere and update the README.', cache_control: { type: 'ephemeral' } }],
  });
  return out;
}

/** About `bytes` of numbered TypeScript-looking lines, as the Read tool returns them. */
function sourceText(file: string, bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  for (let n = 1; size < bytes; n++) {
    const line = `${String(n).padStart(6)}\t${LINES[n % LINES.length]!.replace('$F', file).replace('$N', String(n))}`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n');
}

const LINES = [
  "import { readFile } from 'node:fs/promises';",
  '/** Reads the body of $F up to the configured limit (line $N). */',
  'export async function readBody(req: IncomingMessage, limit = 32 * 1024 * 1024): Promise<Buffer> {',
  '  const chunks: Buffer[] = [];',
  '  let total = 0;',
  '  for await (const chunk of req) {',
  '    total += chunk.length;',
  "    if (total > limit) throw new HttpError(413, 'request_too_large', `Body over ${limit} bytes`);",
  '    chunks.push(chunk);',
  '  }',
  '  return Buffer.concat(chunks, total);',
  '}',
  '',
  'const settings = { timeoutMs: 300_000, retries: 2, keepAlive: true, "model": "claude-opus-4-8" };',
];
