/**
 * The fast path's one door: a `/v1` route reads its body once, through its FastPath, and gets the request parsed,
 * checked and ready to translate. What makes it fast stays in here:
 *
 * - the body's strings are byte strings (byte-strings.ts): never decoded from UTF-8, written back undecoded, so
 *   the request comes with its {@link FastBody.strings} form for the translators to measure and cut it by;
 * - the tool definitions a key sent before are not parsed or checked again (kept-tools.ts): the kept, frozen
 *   definitions are put into the checked request, so what is computed from them is computed once.
 *
 * A bad body is a 400 (`invalid_json`, or `invalid_request` naming the field); its message quotes values as text,
 * and is the same whether the tools were kept or not. Figures: bench/results/.
 */
import { isRecord } from '../../../shared/json';
import type { StringForm } from '../../translate/strings';
import type { ProxyContext } from '../context';
import { AppError } from '../errors';
import { BYTE_STRINGS } from './byte-strings';
import { KeptTools, parseWithKeptTools } from './kept-tools';
import { parseJson, readRawBody } from './read-body';

/** A check's outcome: the typed request, or what is wrong (`param`: the field's path, for OpenAI errors). */
export type BodyCheck<R> = { ok: true; value: R } | { ok: false; message: string; param?: string | null };

/** What one route's bodies are: its schema check and where its tool definitions sit in a checked request. */
export interface BodyContract<R, T> {
  /** Checks a parsed body (its strings are byte strings, or text when the failure is being worded). */
  check(json: unknown): BodyCheck<R>;
  /** The checked request's tool definitions. */
  tools(request: R): readonly T[] | undefined;
  /** Puts kept (checked, frozen) definitions into a checked request. */
  setTools(request: R, tools: readonly T[]): void;
}

/** A body read through the door. */
export interface FastBody<R> {
  /** The checked request; its strings are byte strings. */
  request: R;
  /** The form of its strings, for the translators (`toChatRequest`, `estimateTokens`). */
  strings: StringForm;
  /** The parsed body before the check (its `tools` is `[]` when they were kept). */
  json: Record<string, unknown>;
  /** The bytes the client sent. */
  raw: Buffer;
  /** The JSON text (byte string) of its `tools` array, when it has one. */
  toolsText?: string;
}

/** One route's door: its contract and its kept tool definitions (one per route and app). */
export class FastPath<R, T> {
  readonly #contract: BodyContract<R, T>;
  /** The tool definitions kept between this route's requests. */
  readonly kept: KeptTools<T>;

  constructor(contract: BodyContract<R, T>, kept: KeptTools<T> = new KeptTools<T>()) {
    this.#contract = contract;
    this.kept = kept;
  }

  /** Reads the request body of an authenticated request (size limit: 413) and {@link parse}s it. */
  async read(ctx: ProxyContext & { state: { key: { id: number } } }): Promise<FastBody<R>> {
    return this.parse(await readRawBody(ctx), String(ctx.state.key.id));
  }

  /** Parses and checks a body sent with API key `keyId` (see the module notes). */
  parse(raw: Buffer, keyId: string): FastBody<R> {
    const read = parseWithKeptTools(raw, keyId, this.kept);
    const result = this.#contract.check(read.json);
    if (!result.ok) {
      // The message may quote the offending value: take it from the body read as text.
      const asText = this.#contract.check(parseJson(raw));
      const { message, param } = asText.ok ? result : asText;
      throw new AppError(400, 'invalid_request', message, param === undefined ? {} : { param });
    }
    const request = result.value;
    if (read.kept) this.#contract.setTools(request, read.kept);
    else read.keep(this.#contract.tools(request));
    return {
      request,
      strings: BYTE_STRINGS,
      json: isRecord(read.json) ? read.json : {},
      raw,
      ...(read.toolsText !== undefined ? { toolsText: read.toolsText } : {}),
    };
  }
}
