/**
 * The console's answers: one line each, `OK <what> key=value …` or `ERR <code> <message>`, so a
 * program splits on the first two spaces and a person reads the rest.
 */
export type ReplyValue = string | number | boolean;

export function okReply(what: string, fields: Readonly<Record<string, ReplyValue | undefined>> = {}): string {
  return `OK ${withFields(what, fields)}`;
}

/** `text` followed by ` key=value` for each field that has a value. */
export function withFields(text: string, fields: Readonly<Record<string, ReplyValue | undefined>>): string {
  let line = text;
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (value !== undefined) line += ` ${key}=${replyValue(value)}`;
  }
  return line;
}

export function errReply(code: string, message: string): string {
  return `ERR ${code} ${message}`;
}

/** Values with spaces, quotes or `=` are quoted, as the serial log does. */
export function replyValue(value: ReplyValue): string {
  const text = String(value);
  return /^[^\s"=]+$/.test(text) ? text : quoteBytes(asciiBytes(text));
}

/** Any bytes as one printable quoted string: `"` and `\` escaped, the rest outside ASCII as \xHH. */
export function quoteBytes(bytes: Uint8Array): string {
  let out = '"';
  for (const byte of bytes) {
    if (byte === 0x22 || byte === 0x5c) out += "\\" + String.fromCharCode(byte);
    else if (byte >= 0x20 && byte <= 0x7e) out += String.fromCharCode(byte);
    else out += "\\x" + byte.toString(16).padStart(2, "0");
  }
  return out + '"';
}

function asciiBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}
