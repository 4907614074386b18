/**
 * A `/v1/messages` body read into a validated request, its strings as byte strings (translate/byte-strings.ts), its
 * tool definitions kept between requests (kept-tools.ts).
 */
import { parseMessagesRequest } from '../translate/anthropic-schema';
import type { AnthropicToolParam, MessagesRequest } from '../translate/anthropic-schema';
import { AppError } from './errors';
import { parseJson } from './http-body';
import { parseWithKeptTools } from './kept-tools';
import type { KeptTools } from './kept-tools';

/**
 * Parses and checks a `/v1/messages` body sent with API key `keyId`: 400 `invalid_json` or `invalid_request` (naming
 * the field, quoting values as text) when it is not a valid request.
 */
export function readMessagesBody(raw: Buffer, keyId: string, keptTools: KeptTools<AnthropicToolParam>): MessagesRequest {
  const body = parseWithKeptTools(raw, keyId, keptTools);
  const result = parseMessagesRequest(body.json);
  if (!result.ok) {
    // The message may quote the offending value: take it from the body read as text.
    const asText = parseMessagesRequest(parseJson(raw));
    throw new AppError(400, 'invalid_request', asText.ok ? result.message : asText.message);
  }
  const req = result.value;
  if (body.kept) req.tools = body.kept as AnthropicToolParam[];
  else body.keep(req.tools);
  return req;
}
