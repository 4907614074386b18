/**
 * Where the web search loop puts its blocks: written to the client as SSE events as each one is complete
 * (streamed requests, with a `ping` while the loop waits), or collected into one Message (`stream: false`).
 */
import type { AuthedContext } from '../context';
import { PING_INTERVAL_MS, setStreamHeaders } from '../messages-answer';
import { type AnswerBlock, blockEvents, errorEvent, messageEndEvents, messageStartEvent, pingEvent } from './blocks';

export interface AnswerUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  server_tool_use: { web_search_requests: number };
}

export class AnswerSink {
  readonly blocks: AnswerBlock[] = [];
  #started = false;
  #pinger: NodeJS.Timeout | undefined;
  #wrote = false;

  constructor(
    private readonly ctx: AuthedContext,
    private readonly stream: boolean,
    private readonly message: { id: string; model: string; estimatedInput: number },
  ) {}

  /** True once the client has been sent something (a failure must then be an `error` event). */
  get started(): boolean {
    return this.#started;
  }

  /** Starts the answer (SSE headers and `message_start` when streamed). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    if (!this.stream) return;
    setStreamHeaders(this.ctx);
    this.ctx.respond = false;
    this.#write(messageStartEvent(this.message.id, this.message.model, this.message.estimatedInput));
    this.#pinger = setInterval(() => {
      if (!this.#wrote) this.#write(pingEvent());
      this.#wrote = false;
    }, PING_INTERVAL_MS);
    this.#pinger.unref();
  }

  add(block: AnswerBlock): void {
    this.start();
    if (this.stream) this.#write(blockEvents(this.blocks.length, block));
    this.blocks.push(block);
  }

  /** Ends the answer with its stop reason and usage. */
  end(stopReason: 'end_turn' | 'tool_use', usage: AnswerUsage): void {
    this.start();
    this.#stop();
    if (this.stream) {
      this.#write(messageEndEvents(stopReason, usage));
      this.ctx.res.end();
      return;
    }
    this.ctx.status = 200;
    this.ctx.body = {
      id: this.message.id,
      type: 'message',
      role: 'assistant',
      model: this.message.model,
      content: this.blocks,
      stop_reason: stopReason,
      stop_sequence: null,
      usage,
    };
  }

  /** Ends a started stream with an `error` event. */
  fail(type: string, message: string): void {
    this.#stop();
    this.#write(errorEvent(type, message));
    this.ctx.res.end();
  }

  /** Stops the keep-alive pings (the answer ended, or the client went away). */
  dispose(): void {
    this.#stop();
  }

  #stop(): void {
    if (this.#pinger) clearInterval(this.#pinger);
    this.#pinger = undefined;
  }

  #write(text: string): void {
    const res = this.ctx.res;
    if (res.destroyed || res.writableEnded) return;
    this.#wrote = true;
    res.write(text);
  }
}
