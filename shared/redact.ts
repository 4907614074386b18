/**
 * Redaction of configured secrets (backend and provider keys) from texts the proxy relays or records: backend error
 * bodies and pages sent to clients, the request log, log lines, connection-test reports. One rule for every caller.
 *
 * Every occurrence of a secret is replaced by its masked form (`sk-…a1b2`, as the admin shows keys), also when it
 * appears JSON-escaped (`\/`, `\u…`) or URL-encoded. Secrets shorter than {@link MIN_REDACTED_LENGTH} characters are
 * not searched for: such values (`ollama`, `EMPTY`, `none`) are placeholders of keyless local backends, and replacing
 * them would garble ordinary words.
 */

/** Secrets shorter than this are not redacted (see the module comment). */
export const MIN_REDACTED_LENGTH = 8;

/** How a redacted secret is shown: its first 3 and last 4 characters (only `…` for secrets under 12 characters). */
export function secretMask(secret: string): string {
  if (!secret) return '';
  if (secret.length < 12) return '…';
  return `${secret.slice(0, 3)}…${secret.slice(-4)}`;
}

/** The forms a secret takes in a text: as is, JSON-escaped and URL-encoded (each once). */
function formsOf(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const forms = new Set([secret, json, json.replace(/\//g, '\\/'), encodeURIComponent(secret)]);
  return [...forms];
}

/** `text` with every configured secret in it masked. Cheap when no secret occurs (one indexOf per form). */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const raw of secrets) {
    const secret = raw.trim();
    if (secret.length < MIN_REDACTED_LENGTH) continue;
    for (const form of formsOf(secret)) {
      if (out.includes(form)) out = out.split(form).join(secretMask(secret));
    }
  }
  return out;
}

/** A redactor bound to a live list of secrets (read on each call, so a changed key applies at once). */
export function secretRedactor(secrets: () => readonly string[]): (text: string) => string {
  return (text) => redactSecrets(text, secrets());
}
