/**
 * A backend's `content` (streamed `delta.content` or a response's `message.content`) as text and thinking pieces.
 *
 * Most backends send a string. Some send an array of typed parts: Mistral's Magistral sends
 * `[{"type":"thinking","thinking":[{"type":"text","text":"…"}]}]` and `[{"type":"text","text":"…"}]` (the
 * `thinking` member may also be a plain string). Text parts become text, thinking parts thinking; parts of other
 * types (images, references…) carry nothing a client can show and are skipped.
 */
import { isRecord } from '../../shared/json';

/** A run of text or thinking, in the order the backend sent it. */
export interface ContentPiece {
  kind: 'text' | 'thinking';
  text: string;
}

/** The text of a part's `text` or nested `[{type: "text", text}]` member. */
function nestedText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return '';
  let out = '';
  for (const part of value) {
    if (typeof part === 'string') out += part;
    else if (isRecord(part) && typeof part.text === 'string') out += part.text;
  }
  return out;
}

/** The pieces of a content value: a string is one text piece; empty pieces are left out. */
export function contentPieces(content: unknown): ContentPiece[] {
  if (typeof content === 'string') return content === '' ? [] : [{ kind: 'text', text: content }];
  if (!Array.isArray(content)) return [];
  const out: ContentPiece[] = [];
  for (const part of content) {
    if (typeof part === 'string') {
      if (part !== '') out.push({ kind: 'text', text: part });
      continue;
    }
    if (!isRecord(part)) continue;
    const type = part.type;
    const piece: ContentPiece | undefined =
      type === 'thinking' || type === 'reasoning'
        ? { kind: 'thinking', text: nestedText(part.thinking ?? part.reasoning ?? part.text) }
        : type === 'text' || type === undefined
          ? { kind: 'text', text: nestedText(part.text) }
          : undefined;
    if (piece && piece.text !== '') out.push(piece);
  }
  return out;
}
