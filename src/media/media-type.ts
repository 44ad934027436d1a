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

const latin1 = new TextDecoder("latin1");

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return latin1.decode(bytes.subarray(start, Math.min(end, bytes.length)));
}

function hasBytes(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((b, i) => bytes[offset + i] === b);
}

function hasAscii(bytes: Uint8Array, text: string, offset = 0): boolean {
  return ascii(bytes, offset, offset + text.length) === text;
}

function indexOfAscii(bytes: Uint8Array, text: string, from = 0, to = bytes.length): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(to, bytes.length)).indexOf(
    text,
    from,
    "latin1",
  );
}

function sniffIsoBmff(bytes: Uint8Array): Sniffed | null {
  const box = ascii(bytes, 4, 8);
  if (box === "moov" || box === "mdat" || box === "wide") return { mime: "video/quicktime" };
  if (box !== "ftyp" || bytes.length < 12) return null;
  const brand = ascii(bytes, 8, 12);
  const boxSize = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
  const compatible = ascii(bytes, 16, Math.min(boxSize, 256));
  if (["heic", "heix", "heim", "heis", "hevc", "hevx"].includes(brand)) return { mime: "image/heic" };
  if (brand === "avif" || brand === "avis") return { mime: "image/avif" };
  if (brand === "mif1" || brand === "msf1") {
    return { mime: compatible.includes("avif") ? "image/avif" : "image/heif" };
  }
  if (brand === "qt  ") return { mime: "video/quicktime" };
  if (brand.startsWith("3g2")) return { mime: "video/3gpp2" };
  if (brand.startsWith("3g")) return { mime: "video/3gpp", refinements: ["audio/3gpp"] };
  if (["M4A ", "M4B ", "M4P ", "F4A ", "F4B "].includes(brand)) return { mime: "audio/mp4" };
  return { mime: "video/mp4", refinements: ["audio/mp4", "audio/aac"] };
}

function sniffZip(bytes: Uint8Array): Sniffed {
  // ODF and EPUB store an uncompressed `mimetype` entry first, so the type is readable at offset 38.
  if (hasAscii(bytes, "mimetype", 30)) {
    const declared = ascii(bytes, 38, 38 + 80);
    const match = ZIP_REFINEMENTS.find((mime) => declared.startsWith(mime));
    if (match) return { mime: match };
  }
  // OOXML part names appear in local headers and in the central directory at the end.
  if (indexOfAscii(bytes, "word/document") >= 0) return { mime: ZIP_REFINEMENTS[3]! };
  if (indexOfAscii(bytes, "xl/workbook") >= 0) return { mime: ZIP_REFINEMENTS[4]! };
  if (indexOfAscii(bytes, "ppt/presentation") >= 0) return { mime: ZIP_REFINEMENTS[5]! };
  if (indexOfAscii(bytes, "AndroidManifest.xml") >= 0)
    return { mime: "application/vnd.android.package-archive" };
  return { mime: "application/zip", refinements: ZIP_REFINEMENTS };
}

function isMpegAudioFrame(bytes: Uint8Array): Sniffed | null {
  const [b0, b1, b2] = bytes;
  if (b0 !== 0xff || b1 === undefined || b2 === undefined || (b1 & 0xe0) !== 0xe0) return null;
  const version = (b1 >> 3) & 0b11;
  const layer = (b1 >> 1) & 0b11;
  if (layer === 0) return (b1 & 0xf6) === 0xf0 ? { mime: "audio/aac" } : null;
  const bitrateIndex = b2 >> 4;
  const sampleRateIndex = (b2 >> 2) & 0b11;
  if (version === 1 || bitrateIndex === 0xf || sampleRateIndex === 0b11) return null;
  return { mime: "audio/mpeg" };
}

function sniff(bytes: Uint8Array): Sniffed | null {
  if (hasBytes(bytes, [0xff, 0xd8, 0xff])) return { mime: "image/jpeg" };
  if (hasBytes(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { mime: "image/png" };
  if (hasAscii(bytes, "GIF87a") || hasAscii(bytes, "GIF89a")) return { mime: "image/gif" };
  if (hasAscii(bytes, "RIFF")) {
    const form = ascii(bytes, 8, 12);
    if (form === "WEBP") return { mime: "image/webp" };
    if (form === "WAVE") return { mime: "audio/wav" };
    if (form === "AVI ") return { mime: "video/x-msvideo" };
  }
  if (hasAscii(bytes, "FORM") && ["AIFF", "AIFC"].includes(ascii(bytes, 8, 12)))
    return { mime: "audio/aiff" };
  if (hasAscii(bytes, "II*\u0000") || hasAscii(bytes, "MM\u0000*")) return { mime: "image/tiff" };
  // "BM" alone is too common in text; also require a known DIB header size.
  if (hasAscii(bytes, "BM") && bytes.length >= 18 && [12, 40, 52, 56, 108, 124].includes(bytes[14]!)) {
    return { mime: "image/bmp" };
  }
  const isoBmff = sniffIsoBmff(bytes);
  if (isoBmff) return isoBmff;
  if (hasAscii(bytes, "OggS")) {
    const codec = ascii(bytes, 28, 36);
    if (codec.includes("theora")) return { mime: "video/ogg" };
    return { mime: "audio/ogg" };
  }
  if (hasBytes(bytes, [0x1a, 0x45, 0xdf, 0xa3])) {
    const isWebm = indexOfAscii(bytes, "webm", 0, 64) >= 0;
    return isWebm ? { mime: "video/webm", refinements: ["audio/webm"] } : { mime: "video/x-matroska" };
  }
  if (hasBytes(bytes, [0x00, 0x00, 0x01, 0xba])) return { mime: "video/mpeg" };
  if (hasAscii(bytes, "#!AMR-WB\n")) return { mime: "audio/amr-wb" };
  if (hasAscii(bytes, "#!AMR\n")) return { mime: "audio/amr" };
  if (hasAscii(bytes, "fLaC")) return { mime: "audio/flac" };
  if (hasAscii(bytes, "MThd")) return { mime: "audio/midi" };
  if (hasAscii(bytes, "ID3")) return { mime: "audio/mpeg" };
  const mpegAudio = isMpegAudioFrame(bytes);
  if (mpegAudio) return mpegAudio;
  // Some generators put a BOM or junk before the header; readers accept it within the first KiB.
  if (indexOfAscii(bytes, "%PDF-", 0, 1024) >= 0) return { mime: "application/pdf" };
  if (hasAscii(bytes, "PK\u0003\u0004") || hasAscii(bytes, "PK\u0005\u0006")) return sniffZip(bytes);
  if (hasBytes(bytes, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) {
    return { mime: "application/x-ole-storage", refinements: OLE_REFINEMENTS };
  }
  if (hasAscii(bytes, "{\\rtf")) return { mime: "application/rtf" };
  if (hasBytes(bytes, [0x1f, 0x8b])) return { mime: "application/gzip" };
  if (hasBytes(bytes, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return { mime: "application/x-7z-compressed" };
  if (hasAscii(bytes, "Rar!\u001a\u0007")) return { mime: "application/vnd.rar" };
  if (hasAscii(bytes, "ustar", 257)) return { mime: "application/x-tar" };
  if (/^(\ufeff)?BEGIN:VCARD\r?\n/i.test(ascii(bytes, 0, 16))) return { mime: "text/vcard" };
  return null;
}

function detected(mimeType: string, ext: string | null): DetectedMedia {
  return { mimeType, mediaType: mediaKindForMime(mimeType), ext: ext ?? extensionForMime(mimeType) ?? "bin" };
}

/**
 * Works out what a file is: magic bytes first (clients mislabel files), then the declared mime
 * type unless it is the generic octet-stream, then the file name's extension.
 */
export function detectMedia(bytes: Uint8Array, hint?: MediaHint): DetectedMedia {
  const declared = canonicalMime(hint?.mimeType);
  const declaredMime = declared && !GENERIC_MIMES.has(declared) ? declared : null;
  const filenameExt = extensionOf(hint?.filename);
  const filenameMime = filenameExt ? mimeForExtension(filenameExt) : null;

  const sniffed = sniff(bytes);
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
