/**
 * The I/O around StreamTranslator: reads a backend's Chat Completions SSE body, writes the Anthropic events to the
 * client as each backend chunk arrives (no buffering beyond what the translator itself must hold: tool calls), and
 * keeps a quiet stream alive with `ping` events.
 *
 * Backpressure is honoured (the backend is paused while the client's socket is full). A backend failure after the
 * stream started ends it with an Anthropic `error` event. After `data: [DONE]` the client's stream ends at once and
 * the backend body is drained, so its keep-alive connection can be reused.
 */
import type { Readable, Writable } from 'node:stream';
import type { AnthropicErrorType, StreamTranslator, TranslatedUsage } from '../translate';
import { SseParser } from '../translate';
import { UpstreamError } from '../upstream/client';

/** How a translated stream ended. */
export interface TranslatedStreamResult {
  usage: TranslatedUsage;
  /** The stream ended with an `error` event (backend failure or error chunk). */
  failed: boolean;
  /** What went wrong, for the request log; null on success. */
  error: string | null;
}

export interface TranslatedStreamOptions {
  /** A `ping` is written after this long without any other event. */
  pingIntervalMs: number;
  /** True once the client has gone (its failures are not the backend's). */
  clientGone(): boolean;
}

/** Pipes `source` (backend SSE bytes) through `translator` into `sink`; resolves when the stream is over. */
export function pipeTranslatedStream(
  source: Readable,
  translator: StreamTranslator,
  sink: Writable,
  opts: TranslatedStreamOptions,
): Promise<TranslatedStreamResult> {
  return new Promise((resolve) => {
    const parser = new SseParser();
    let settled = false;
    let wroteSincePing = true;
    let error: string | null = null;

    const write = (text: string): void => {
      if (text === '' || sink.destroyed || sink.writableEnded) return;
      wroteSincePing = true;
      if (!sink.write(text) && !source.isPaused()) {
        source.pause();
        sink.once('drain', () => source.resume());
      }
    };
    const pinger = setInterval(() => {
      if (!wroteSincePing) write(translator.ping());
      wroteSincePing = false;
    }, opts.pingIntervalMs);
    pinger.unref();

    const settle = (): void => {
      if (settled) return;
      settled = true;
      clearInterval(pinger);
      if (!sink.destroyed && !sink.writableEnded) sink.end();
      resolve({ usage: translator.usage, failed: translator.failed, error });
    };
    const fail = (type: AnthropicErrorType, message: string): void => {
      error ??= message;
      write(translator.fail(type, message));
      source.destroy();
      settle();
    };

    sink.on('error', () => source.destroy());
    write(translator.start());

    source.on('data', (chunk: Buffer) => {
      if (settled) return;
      // The events of one backend chunk go out in one write.
      let out = '';
      for (const payload of parser.push(chunk)) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(payload);
        } catch {
          write(out);
          fail('api_error', `The backend sent a stream event that is not JSON: ${payload.slice(0, 120)}`);
          return;
        }
        out += translator.push(parsed as Parameters<StreamTranslator['push']>[0]);
        if (translator.ended) break;
      }
      if (translator.ended || parser.done) {
        write(out + translator.finish());
        if (translator.failed) error ??= 'the backend reported an error mid-stream';
        settle();
        source.resume(); // drain the rest (usually nothing) so the connection can be reused
      } else {
        write(out);
      }
    });
    source.on('end', () => {
      if (settled) return;
      write(translator.finish());
      settle();
    });
    source.on('error', (err: Error) => {
      if (settled) return;
      if (opts.clientGone()) {
        error = 'client closed the connection';
        settle();
        return;
      }
      const timeout = err instanceof UpstreamError && err.kind === 'timeout';
      fail(
        timeout ? 'timeout_error' : 'api_error',
        err instanceof UpstreamError ? err.message : `The backend connection failed mid-stream: ${err.message}`,
      );
    });
    source.on('close', () => {
      if (settled) return;
      if (opts.clientGone()) error = 'client closed the connection';
      else fail('api_error', 'The backend closed the stream unexpectedly.');
      settle();
    });
  });
}
