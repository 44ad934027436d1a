const MAX_FILENAME_LENGTH = 200;

/**
 * Reduces an untrusted file name (multipart field, Content-Disposition, URL path) to its last
 * path segment without control characters, or null when nothing usable is left.
 */
export function sanitizeFilename(name: string | null | undefined): string | null {
  if (!name) return null;
  const lastSegment = name.split(/[/\\]/).pop() ?? "";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const cleaned = lastSegment.replace(/[\u0000-\u001f\u007f]/g, "").trim();
  if (cleaned === "" || /^\.+$/.test(cleaned)) return null;
  // Count code points, not UTF-16 units, so truncation never splits a surrogate pair.
  const chars = Array.from(cleaned);
  if (chars.length <= MAX_FILENAME_LENGTH) return cleaned;
  const dot = chars.lastIndexOf(".");
  const ext = dot > 0 && chars.length - dot <= 11 ? chars.slice(dot) : [];
  return [...chars.slice(0, MAX_FILENAME_LENGTH - ext.length), ...ext].join("");
}

/** The lower-case extension of a file name without the dot, if it looks like one. */
export function extensionOf(name: string | null | undefined): string | null {
  if (!name) return null;
  const dot = name.lastIndexOf(".");
  if (dot < 0) return null;
  const ext = name.slice(dot + 1).toLowerCase();
  return /^[a-z0-9]{1,10}$/.test(ext) ? ext : null;
}
