/**
 * Request bodies. The `/v1` routes read theirs through a {@link FastPath} (fast-path.ts: byte strings and kept tool
 * definitions behind one door); other routes read plain JSON with {@link readJsonBody}.
 */
export { FastPath, type BodyCheck, type BodyContract, type FastBody } from './fast-path';
export { bytesOf, textOf } from './byte-strings';
export { encodeChatRequest, rewriteBody, withFirstMember } from './write';
export { MAX_BODY_BYTES, MAX_JSON_DEPTH, parseJson, readRawBody } from './read-body';
