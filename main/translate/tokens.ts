/**
 * Token counts of a request, two ways:
 *
 * - {@link countTokens}: a real tokenizer (gpt-tokenizer, o200k_base) over the text a backend will
 *   see: system text, message text, tool calls (name + JSON input), tool results, tool definitions
 *   (name + description + JSON schema), plus {@link IMAGE_TOKENS} per image and small per-message
 *   and per-tool overheads. For `/v1/messages/count_tokens`; costs milliseconds on a large request, cut into
 *   slices that let other requests run in between (long runs of one kind of character are counted from samples:
 *   see {@link MAX_RUN_CHARS}).
 *   Backends use other tokenizers, so it is an approximation of their count, not an exact figure.
 * - {@link estimateTokens}: the same walk with UTF-8 bytes / {@link BYTES_PER_TOKEN} per string
 *   instead of a tokenizer: cheap enough to run on every request, for
 *   `message_start` and for usage when a backend reports none. Within ~10% of `countTokens` on
 *   English prose and JSON schemas (its cost is in bench/results/); CJK text counts ~0.7 tokens
 *   per character.
 *
 * Earlier thinking is not counted (Anthropic drops it from context), nor base64 image data.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { AnthropicAnyTool, AnthropicDocumentBlockParam, CountTokensRequest } from './anthropic-schema';
import { documentPart } from './documents';
import { searchCallText, searchResultText } from './search-history';
import { FrozenMemo } from './frozen';
import { systemText } from './request-messages';
import type { StringForm } from './strings';

/** Tokens counted per image, whatever its size (Anthropic's cost of a ~1.15-megapixel image). */
export const IMAGE_TOKENS = 1600;
/** Tokens added per message (role and separators). */
export const MESSAGE_OVERHEAD = 4;
/** Tokens added per tool definition (wrapping of name, description and schema). */
export const TOOL_OVERHEAD = 8;
/** PDF bytes per token counted for a PDF sent as a file (a text-heavy PDF page: ~3 KB, ~700 tokens). */
export const PDF_BYTES_PER_TOKEN = 4;
/** UTF-8 bytes per token assumed by the estimate. */
export const BYTES_PER_TOKEN = 4.2;

type TextCounter = (text: string) => number;
/** Counts the text `parts.join('\n')` (the estimate sums the parts' lengths instead of building the text). */
type PartsCounter = (parts: readonly string[]) => number;

/** Walks everything in a request that reaches the backend, summing `count` over its texts. */
function walk(req: CountTokensRequest, count: TextCounter, countParts: PartsCounter): number {
  let total = 0;
  const system = systemText(req.system);
  if (system) total += count(system) + MESSAGE_OVERHEAD;
  for (const message of req.messages) {
    total += MESSAGE_OVERHEAD;
    if (typeof message.content === 'string') {
      total += count(message.content);
      continue;
    }
    for (const block of message.content) {
      switch (block.type) {
        case 'text':
          total += count(block.text);
          break;
        case 'image':
          total += IMAGE_TOKENS;
          break;
        case 'tool_use':
          total += count(block.name) + count(JSON.stringify(block.input));
          break;
        case 'tool_result':
          if (typeof block.content === 'string') total += count(block.content);
          else for (const part of block.content ?? []) total += part.type === 'text' ? count(part.text) : part.type === 'image' ? IMAGE_TOKENS : documentTokens(part, count);
          break;
        case 'document':
          total += documentTokens(block, count);
          break;
        case 'server_tool_use':
          total += count(searchCallText(block.input));
          break;
        case 'web_search_tool_result':
          total += count(searchResultText(block.content, 'text'));
          break;
        default:
          break; // thinking, redacted_thinking
      }
    }
  }
  return total + (req.tools ? toolsTokens(req.tools, countParts) : 0);
}

/** A document as it is sent (documents.ts): its text, or for a PDF file its decoded size / {@link PDF_BYTES_PER_TOKEN}. */
function documentTokens(doc: AnthropicDocumentBlockParam, count: TextCounter): number {
  const part = documentPart(doc);
  if (part.type === 'text') return count(part.text);
  return doc.source.type === 'base64' ? Math.ceil((doc.source.data.length * 3) / 4 / PDF_BYTES_PER_TOKEN) : 0;
}

function toolsTokens(tools: readonly AnthropicAnyTool[], countParts: PartsCounter): number {
  let total = 0;
  for (const tool of tools) {
    // A server tool (web search) reaches the backend as the proxy's own small function.
    total += TOOL_OVERHEAD + ('input_schema' in tool ? countParts([tool.name, tool.description ?? '', JSON.stringify(tool.input_schema)]) : countParts([tool.name]));
  }
  return total;
}

/** Estimates of frozen tool definitions (frozen.ts), per kind of strings. */
const toolEstimates = new FrozenMemo<readonly AnthropicAnyTool[], number>();

/** Tokens of a text by the o200k tokenizer; special-token markers in user text are counted as text. */
const NO_SPECIAL = { disallowedSpecial: new Set<string>() };

type Tokenize = typeof import('gpt-tokenizer').countTokens;
let loaded: Tokenize | undefined;

/**
 * gpt-tokenizer, loaded on the first count rather than at startup: its o200k ranks and encoder take ~70 MB of memory,
 * which a proxy that is never asked to count tokens does not need. The literal `require()` is what bundlers (esbuild,
 * for the desktop app) include and still evaluate lazily; unbundled ESM (tsx) has no `require`, so one is made.
 */
function tokenize(text: string, options: typeof NO_SPECIAL): number {
  loaded ??= (
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the literal require() is the point (above)
    (typeof require === 'function' ? require('gpt-tokenizer') : createRequire(import.meta.url)('gpt-tokenizer')) as typeof import('gpt-tokenizer')
  ).countTokens;
  return loaded(text, options);
}

/**
 * Counts of long texts that repeat from request to request (tool definitions, system prompt), by a SHA-256 of the
 * text: the cache holds {@link CACHE_SIZE} numbers and hashes, never the texts.
 */
const cache = new Map<string, number>();
const CACHE_MIN_LENGTH = 512;
const CACHE_SIZE = 512;

/**
 * The tokenizer's merge step is quadratic in the length of one pre-token (a run of letters, of digits and
 * punctuation, or of blanks): 40,000 repeated CJK characters took ~8 s, and even 128 of them take ~1 ms. A
 * pre-token never holds blanks and non-blanks mixed past its first character, so a run of one kind longer than
 * {@link MAX_RUN_CHARS} (base64, minified code, a repeated character) is the only slow case: such a run is counted
 * from samples ({@link SAMPLE_CHARS} at its start and middle, scaled to its length) instead of whole.
 */
export const MAX_RUN_CHARS = 128;
const SAMPLE_CHARS = 32;
/** Characters tokenized in one turn of the event loop (a few ms) before other work is let in. */
export const SLICE_CHARS = 32 * 1024;
/** Characters tokenized per request at most; texts beyond are estimated by bytes (bounds the CPU one count takes). */
export const MAX_TOKENIZED_CHARS = 4 * 1024 * 1024;

const LONG_RUN = new RegExp(`\\S{${MAX_RUN_CHARS + 1},}|\\s{${MAX_RUN_CHARS + 1},}`, 'g');

/** A part of a text: tokenized whole, or (a long run) counted from samples. */
export interface TextPiece {
  text: string;
  longRun: boolean;
}

/** `text` as pieces in order: long runs alone, the rest in spans of at most {@link SLICE_CHARS}. */
export function* tokenizerPieces(text: string): Generator<TextPiece> {
  let at = 0;
  for (const m of text.matchAll(LONG_RUN)) {
    yield* spans(text, at, m.index);
    yield { text: m[0], longRun: true };
    at = m.index + m[0].length;
  }
  yield* spans(text, at, text.length);
}

/** `text[from, to)` in spans of at most {@link SLICE_CHARS}, cut before a space where one is near. */
function* spans(text: string, from: number, to: number): Generator<TextPiece> {
  while (to - from > SLICE_CHARS) {
    const space = text.lastIndexOf(' ', from + SLICE_CHARS);
    const cut = space > from ? space : from + SLICE_CHARS;
    yield { text: text.slice(from, cut), longRun: false };
    from = cut;
  }
  if (to > from) yield { text: text.slice(from, to), longRun: false };
}

/** Tokens of a long run of one kind of character, from two samples scaled to its length. */
function longRunTokens(run: string): number {
  const middle = Math.floor(run.length / 2);
  const sampled = tokenize(run.slice(0, SAMPLE_CHARS), NO_SPECIAL) + tokenize(run.slice(middle, middle + SAMPLE_CHARS), NO_SPECIAL);
  return Math.max(1, Math.round((sampled * run.length) / (2 * SAMPLE_CHARS)));
}

/** Lets other requests run: the rest of the count continues on a later turn of the event loop. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Tokens of one text, tokenized piece by piece, yielding to the event loop every {@link SLICE_CHARS} characters. */
async function tokenizeText(text: string, done: { chars: number }): Promise<number> {
  const id = text.length >= CACHE_MIN_LENGTH ? createHash('sha256').update(text).digest('base64') : undefined;
  const hit = id === undefined ? undefined : cache.get(id);
  if (hit !== undefined) return hit;
  let n = 0;
  for (const piece of tokenizerPieces(text)) {
    n += piece.longRun ? longRunTokens(piece.text) : tokenize(piece.text, NO_SPECIAL);
    done.chars += piece.longRun ? 2 * SAMPLE_CHARS : piece.text.length;
    if (done.chars >= SLICE_CHARS) {
      done.chars = 0;
      await nextTurn();
    }
  }
  if (id !== undefined) {
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value ?? '');
    cache.set(id, n);
  }
  return n;
}

/**
 * Counts a request's input tokens with a real tokenizer (see the module notes). Never holds the event loop for more
 * than one slice of text; beyond {@link MAX_TOKENIZED_CHARS} characters, texts are estimated instead.
 */
export async function countTokens(req: CountTokensRequest): Promise<number> {
  const texts: string[] = [];
  const fixed = walk(
    req,
    (text) => (texts.push(text), 0),
    (parts) => (texts.push(parts.join('\n')), 0),
  );
  let total = fixed;
  let budget = MAX_TOKENIZED_CHARS;
  const done = { chars: 0 };
  for (const text of texts) {
    if (text.length > budget) {
      total += estimateTextTokens(text);
      continue;
    }
    budget -= text.length;
    total += await tokenizeText(text, done);
  }
  return total;
}

/** Fast estimate of the tokens of one text (UTF-8 bytes / {@link BYTES_PER_TOKEN}); at least 1 for non-empty text. */
export function estimateTextTokens(text: string): number {
  return text === '' ? 0 : tokensForBytes(Buffer.byteLength(text, 'utf8'));
}

/** Estimated tokens of text that was `bytes` long in UTF-8 (for output counted chunk by chunk). */
export const tokensForBytes = (bytes: number): number => (bytes > 0 ? Math.max(1, Math.round(bytes / BYTES_PER_TOKEN)) : 0);

/** Fast estimate of a request's input tokens (see the module notes); at least 1. `strings`: the request's string form. */
export function estimateTokens(req: CountTokensRequest, strings: StringForm): number {
  const utf8Length = strings.utf8Length;
  const text = (s: string): number => tokensForBytes(utf8Length(s));
  // The UTF-8 length of `parts.join('\n')`, without joining them.
  const parts = (list: readonly string[]): number => tokensForBytes(list.reduce((n, part) => n + utf8Length(part), list.length - 1));
  const { tools, ...rest } = req;
  const toolsEstimate = tools ? toolEstimates.get(tools, strings.name, () => toolsTokens(tools, parts)) : 0;
  return Math.max(1, walk(rest, text, parts) + toolsEstimate);
}
