/**
 * The backend's request bytes, written from byte strings (byte-strings.ts) without decoding a text. What repeats
 * from request to request is serialised once: tool definitions kept by kept-tools.ts are frozen, and so are their
 * translations (translate/tools.ts), whose JSON is kept per frozen object (translate/frozen.ts).
 */
import type { ChatCompletionRequest } from '../../translate';
import { FrozenMemo } from '../../translate/frozen';
import { encodeJsonBytes, encodeJsonBytesWith } from './byte-strings';
import type { FastBody } from './fast-path';

const toolsJson = new FrozenMemo<readonly object[], string>();

/** The JSON bytes of a translated request whose strings are byte strings; frozen tools serialised once. */
export function encodeChatRequest(req: ChatCompletionRequest): Buffer {
  const { tools, ...rest } = req;
  if (!tools || !Object.isFrozen(tools)) return encodeJsonBytes(req);
  return encodeJsonBytesWith(rest, 'tools', toolsJson.get(tools, '', () => JSON.stringify(tools)));
}

/**
 * A client's body with `changes` made to root members (values whose strings are byte strings). The tools go out as
 * the client wrote them: they may have been kept rather than parsed.
 */
export function rewriteBody(body: FastBody<unknown>, changes: Record<string, unknown>): Buffer {
  if (body.toolsText === undefined) return encodeJsonBytes({ ...body.json, ...changes });
  const { tools: _parsed, ...rest } = body.json;
  return encodeJsonBytesWith({ ...rest, ...changes }, 'tools', body.toolsText);
}

/** A client's body with one member (`"name":value,` as JSON bytes) put first: its other bytes as they came. */
export function withFirstMember(raw: Buffer, member: Buffer): Buffer {
  const open = raw.indexOf('{') + 1;
  return Buffer.concat([raw.subarray(0, open), member, raw.subarray(open)]);
}
