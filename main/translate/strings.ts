/**
 * How a request holds its strings. The translators work on either form; what they measure or cut depends on it, so
 * every caller names the form its request is in (there is no default to forget):
 *
 * - the proxy's `/v1` routes parse bodies into byte strings (one char per UTF-8 byte, never decoded), whose form is
 *   `BYTE_STRINGS` in proxy/body/ (the fast path's one door hands it out with the request it read);
 * - {@link TEXT_STRINGS}: ordinary JS text, for requests built in code (tests, the doctor, the bench).
 */
export interface StringForm {
  /** Names the form, so results cached per request (frozen.ts) are kept apart per form. */
  readonly name: 'text' | 'bytes';
  /** The UTF-8 length of a string in this form. */
  utf8Length(s: string): number;
  /** The longest start of `s` within `max` units (characters of text, bytes of byte strings), whole characters only. */
  cut(s: string, max: number): string;
  /** A text (e.g. a model name from the settings) in this form. */
  fromText(text: string): string;
}

/** Strings held as JS text. */
export const TEXT_STRINGS: StringForm = {
  name: 'text',
  utf8Length: (s) => Buffer.byteLength(s, 'utf8'),
  cut: (s, max) => s.slice(0, max),
  fromText: (text) => text,
};
