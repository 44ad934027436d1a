import { fileTypeFromBuffer } from "file-type";
import { extensionOf } from "./filename.ts";

export type MediaKind = "image" | "video" | "audio" | "document";

export type DetectedMedia = { mimeType: string; mediaType: MediaKind; ext: string };

export type MediaHint = { mimeType?: string | null; filename?: string | null };

const OCTET_STREAM = "application/octet-stream";

/** Each row: the canonical mime type, its preferred extension, then other extensions that map to it. */
const MIME_TABLE: ReadonlyArray<readonly [string, string, ...string[]]> = [
  ["image/jpeg", "jpg", "jpeg", "jpe", "jfif"],
  ["image/png", "png"],
  ["image/gif", "gif"],
  ["image/webp", "webp"],
  ["image/bmp", "bmp"],
  ["image/tiff", "tif", "tiff"],
  ["image/heic", "heic"],
  ["image/heif", "heif"],
  ["image/avif", "avif"],
  ["image/svg+xml", "svg"],
  ["video/mp4", "mp4", "m4v"],
  ["video/3gpp", "3gp"],
  ["video/3gpp2", "3g2"],
  ["video/quicktime", "mov", "qt"],
  ["video/webm", "webm"],
  ["video/x-matroska", "mkv"],
  ["video/x-msvideo", "avi"],
  ["video/mpeg", "mpeg", "mpg"],
  ["video/ogg", "ogv"],
  ["audio/ogg", "ogg", "oga", "opus"],
  ["audio/mpeg", "mp3"],
  ["audio/mp4", "m4a"],
  ["audio/aac", "aac"],
  ["audio/3gpp", "3gp"],
  ["audio/wav", "wav"],
  ["audio/aiff", "aiff", "aif"],
  ["audio/amr", "amr"],
  ["audio/amr-wb", "awb"],
  ["audio/flac", "flac"],
  ["audio/midi", "mid", "midi"],
  ["audio/webm", "weba"],
  ["application/pdf", "pdf"],
  ["application/zip", "zip"],
  ["application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"],
  ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"],
  ["application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"],
  ["application/vnd.oasis.opendocument.text", "odt"],
  ["application/vnd.oasis.opendocument.spreadsheet", "ods"],
  ["application/vnd.oasis.opendocument.presentation", "odp"],
  ["application/epub+zip", "epub"],
  ["application/java-archive", "jar"],
  ["application/vnd.android.package-archive", "apk"],
  ["application/msword", "doc"],
  ["application/vnd.ms-excel", "xls"],
  ["application/vnd.ms-powerpoint", "ppt"],
  ["application/vnd.ms-outlook", "msg"],
  ["application/rtf", "rtf"],
  ["application/gzip", "gz"],
  ["application/x-7z-compressed", "7z"],
  ["application/vnd.rar", "rar"],
  ["application/x-tar", "tar"],
  ["application/json", "json"],
  ["application/xml", "xml"],
  ["text/plain", "txt", "text", "log"],
  ["text/csv", "csv"],
  ["text/html", "html", "htm"],
  ["text/calendar", "ics"],
  ["text/vcard", "vcf", "vcard"],
];

/** Non-standard names seen in the wild for the types above. */
const MIME_ALIASES: Readonly<Record<string, string>> = {
  "image/jpg": "image/jpeg",
  "image/pjpeg": "image/jpeg",
  "image/x-ms-bmp": "image/bmp",
  "video/x-m4v": "video/mp4",
  "audio/mp3": "audio/mpeg",
  "audio/mpeg3": "audio/mpeg",
  "audio/x-mp3": "audio/mpeg",
  "audio/x-mpeg": "audio/mpeg",
  "audio/x-wav": "audio/wav",
  "audio/wave": "audio/wav",
  "audio/vnd.wave": "audio/wav",
  "audio/x-aiff": "audio/aiff",
  "audio/m4a": "audio/mp4",
  "audio/x-m4a": "audio/mp4",
  "audio/x-aac": "audio/aac",
  "audio/aacp": "audio/aac",
  "audio/opus": "audio/ogg",
  "audio/x-flac": "audio/flac",
  "application/x-pdf": "application/pdf",
  "application/x-zip-compressed": "application/zip",
  "application/x-gzip": "application/gzip",
  "application/x-rar-compressed": "application/vnd.rar",
  "text/x-vcard": "text/vcard",
  "text/xml": "application/xml",
};

const GENERIC_MIMES = new Set([
  OCTET_STREAM,
  "binary/octet-stream",
  "application/unknown",
  "application/binary",
]);

const EXT_BY_MIME = new Map<string, string>();
const MIME_BY_EXT = new Map<string, string>();
for (const [mime, preferred, ...others] of MIME_TABLE) {
  EXT_BY_MIME.set(mime, preferred);
  for (const ext of [preferred, ...others]) {
    // The first row that claims an extension owns it (3gp is video before audio).
    if (!MIME_BY_EXT.has(ext)) MIME_BY_EXT.set(ext, mime);
  }
}

/** Lower-cases, drops parameters and resolves aliases; null when it is not a `type/subtype`. */
function canonicalMime(mime: string | null | undefined): string | null {
  if (!mime) return null;
  const bare = mime.split(";")[0]?.trim().toLowerCase() ?? "";
  if (!/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(bare)) return null;
  return MIME_ALIASES[bare] ?? bare;
}

export function extensionForMime(mime: string): string | null {
  const canonical = canonicalMime(mime);
  return canonical ? (EXT_BY_MIME.get(canonical) ?? null) : null;
}

export function mimeForExtension(ext: string): string | null {
  return MIME_BY_EXT.get(ext.replace(/^\./, "").toLowerCase()) ?? null;
}

export function mediaKindForMime(mime: string): MediaKind {
  if (mime.startsWith("image/")) return "image";
  if (mime.startsWith("video/")) return "video";
  if (mime.startsWith("audio/")) return "audio";
  return "document";
}

/**
 * A sniffed type. `refinements` lists the more specific types a container format may really be
 * (an mp4 that only carries audio, a zip that is an .apk); a declared type among them wins.
 */
type Sniffed = { mime: string; refinements?: readonly string[] };

const ZIP_REFINEMENTS = [
  "application/epub+zip",
  "application/java-archive",
  "application/vnd.android.package-archive",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  "application/vnd.oasis.opendocument.text",
  "application/vnd.oasis.opendocument.spreadsheet",
  "application/vnd.oasis.opendocument.presentation",
];

const OLE_REFINEMENTS = [
  "application/msword",
  "application/vnd.ms-excel",
  "application/vnd.ms-powerpoint",
  "application/vnd.ms-outlook",
];

/** file-type's names for what our table calls otherwise, and the containers a declared type may refine. */
const SNIFFED: Readonly<Record<string, Sniffed>> = {
  "audio/x-m4a": { mime: "audio/mp4" },
  "audio/ogg; codecs=opus": { mime: "audio/ogg" },
  "audio/opus": { mime: "audio/ogg" },
  "audio/x-wav": { mime: "audio/wav" },
  "audio/x-flac": { mime: "audio/flac" },
  "application/x-cfb": { mime: "application/x-ole-storage", refinements: OLE_REFINEMENTS },
  "video/mp4": { mime: "video/mp4", refinements: ["audio/mp4", "audio/aac"] },
  "video/3gpp": { mime: "video/3gpp", refinements: ["audio/3gpp"] },
  "video/webm": { mime: "video/webm", refinements: ["audio/webm"] },
};

const latin1 = new TextDecoder("latin1");
const contains = (bytes: Uint8Array, text: string, to = bytes.length) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(to, bytes.length)).indexOf(text, 0, "latin1") >= 0;

/** A zip: OOXML part names give the Office type even when file-type cannot (a minimal or unusual archive). */
function zipKind(bytes: Uint8Array): Sniffed {
  if (contains(bytes, "word/document")) return { mime: ZIP_REFINEMENTS[3]! };
  if (contains(bytes, "xl/workbook")) return { mime: ZIP_REFINEMENTS[4]! };
  if (contains(bytes, "ppt/presentation")) return { mime: ZIP_REFINEMENTS[5]! };
  return { mime: "application/zip", refinements: ZIP_REFINEMENTS };
}

/** The type the bytes say, through `file-type` (magic numbers of some 150 formats). */
async function sniff(bytes: Uint8Array): Promise<Sniffed | null> {
  let found = await fileTypeFromBuffer(bytes);
  // "BM" alone is too common in text; a bitmap also has a known DIB header size.
  if (found?.mime === "image/bmp" && ![12, 40, 52, 56, 108, 124].includes(bytes[14] ?? -1)) found = undefined;
  if (found) {
    if (found.mime === "application/zip") return zipKind(bytes);
    return SNIFFED[found.mime] ?? { mime: canonicalMime(found.mime) ?? found.mime };
  }
  // Some generators put a BOM or junk before the header; readers accept it within the first KiB.
  if (contains(bytes, "%PDF-", 1024)) return { mime: "application/pdf" };
  if (/^(\ufeff)?BEGIN:VCARD\r?\n/i.test(latin1.decode(bytes.subarray(0, 16)))) return { mime: "text/vcard" };
  return null;
}

function detected(mimeType: string, ext: string | null): DetectedMedia {
  return { mimeType, mediaType: mediaKindForMime(mimeType), ext: ext ?? extensionForMime(mimeType) ?? "bin" };
}

/**
 * Works out what a file is: magic bytes first (clients mislabel files), then the declared mime
 * type unless it is the generic octet-stream, then the file name's extension.
 */
export async function detectMedia(bytes: Uint8Array, hint?: MediaHint): Promise<DetectedMedia> {
  const declared = canonicalMime(hint?.mimeType);
  const declaredMime = declared && !GENERIC_MIMES.has(declared) ? declared : null;
  const filenameExt = extensionOf(hint?.filename);
  const filenameMime = filenameExt ? mimeForExtension(filenameExt) : null;

  const sniffed = await sniff(bytes);
  if (sniffed) {
    const refined = [declaredMime, filenameMime].find((m) => m && sniffed.refinements?.includes(m));
    const mime = refined ?? sniffed.mime;
    const ext = extensionForMime(mime) ?? (filenameMime === mime ? filenameExt : null);
    return detected(mime, ext);
  }
  if (declaredMime) {
    return detected(declaredMime, extensionForMime(declaredMime) ?? filenameExt);
  }
  if (filenameMime) return detected(filenameMime, null);
  return detected(OCTET_STREAM, null);
}
