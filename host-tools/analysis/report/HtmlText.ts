const ENTITIES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/**
 * Text from the lake (thing names, health strings) or from a forecast, made safe for HTML and SVG
 * element content and for quoted attribute values alike, so a call site cannot pick the wrong one.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
