/** Leading bytes of real files of each type, as the encoders that made them wrote them. */

const encoder = new TextEncoder();

export function bytesOf(...parts: Array<string | number[] | Uint8Array>): Uint8Array<ArrayBuffer> {
  const chunks = parts.map((part) =>
    typeof part === "string" ? Uint8Array.from(part, (c) => c.charCodeAt(0)) : Uint8Array.from(part),
  );
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function u16(n: number): number[] {
  return [n & 0xff, (n >> 8) & 0xff];
}

function u32(n: number): number[] {
  return [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
}

/** A valid stored (uncompressed) zip archive with the given entries, in order. */
export function zipOf(entries: Array<[name: string, content: string]>): Uint8Array<ArrayBuffer> {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const [name, content] of entries) {
    const data = encoder.encode(content);
    const crc = Bun.hash.crc32(data);
    const common = [
      ...u16(20),
      ...u16(0),
      ...u16(0),
      ...u16(0),
      ...u16(0x21),
      ...u32(crc),
      ...u32(data.length),
      ...u32(data.length),
      ...u16(name.length),
    ];
    const local = bytesOf("PK\u0003\u0004", common, u16(0), name, data);
    centrals.push(
      bytesOf("PK\u0001\u0002", u16(20), common, u16(0), u16(0), u16(0), u16(0), u32(0), u32(offset), name),
    );
    locals.push(local);
    offset += local.length;
  }
  const central = bytesOf(...centrals);
  const end = bytesOf(
    "PK\u0005\u0006",
    u16(0),
    u16(0),
    u16(entries.length),
    u16(entries.length),
    u32(central.length),
    u32(offset),
    u16(0),
  );
  return bytesOf(...locals, central, end);
}

function ftyp(major: string, ...compatible: string[]): Uint8Array<ArrayBuffer> {
  const size = 16 + compatible.length * 4;
  return bytesOf([0, 0, 0, size], "ftyp", major, [0, 0, 2, 0], compatible.join(""), [0, 0, 0, 8], "free");
}

function riff(form: string, firstChunk: string): Uint8Array<ArrayBuffer> {
  return bytesOf("RIFF", u32(1024), form, firstChunk, u32(16), new Uint8Array(16));
}

const ooxmlTypes =
  '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>';

export const SAMPLES = {
  jpeg: bytesOf(
    [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10],
    "JFIF\u0000",
    [0x01, 0x01, 0x00, 0x00, 0x48, 0x00, 0x48, 0x00, 0x00],
  ),
  png: bytesOf(
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d],
    "IHDR",
    [0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0],
  ),
  gif: bytesOf("GIF89a", [1, 0, 1, 0, 0x80, 0, 0]),
  webp: riff("WEBP", "VP8 "),
  heic: ftyp("heic", "mif1", "heic"),
  avif: ftyp("avif", "avif", "mif1", "miaf"),
  mp4: ftyp("isom", "isom", "iso2", "avc1", "mp41"),
  threeGp: ftyp("3gp4", "isom", "3gp4"),
  mov: ftyp("qt  ", "qt  "),
  m4a: ftyp("M4A ", "M4A ", "mp42", "isom"),
  webm: bytesOf(
    [0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0xf7, 0x81, 0x01, 0x42, 0x82, 0x84],
    "webm",
  ),
  oggOpus: bytesOf("OggS", [0, 2], new Uint8Array(20), [1, 0x13], "OpusHead", [1, 1, 0x38, 1]),
  oggVorbis: bytesOf("OggS", [0, 2], new Uint8Array(20), [1, 0x1e, 0x01], "vorbis", [0, 0, 0, 0]),
  mp3WithId3: bytesOf("ID3", [4, 0, 0, 0, 0, 0, 0x23], "TSSE"),
  mp3Frame: bytesOf([0xff, 0xfb, 0x90, 0x64, 0x00, 0x00]),
  aacAdts: bytesOf([0xff, 0xf1, 0x50, 0x80, 0x02, 0x1f, 0xfc]),
  wav: riff("WAVE", "fmt "),
  amr: bytesOf("#!AMR\n", [0x3c, 0x48, 0xf5, 0x1f]),
  flac: bytesOf("fLaC", [0, 0, 0, 0x22]),
  pdf: bytesOf("%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n1 0 obj\n"),
  docx: zipOf([
    ["[Content_Types].xml", ooxmlTypes],
    ["_rels/.rels", "<Relationships/>"],
    ["word/document.xml", "<w:document/>"],
  ]),
  xlsx: zipOf([
    ["[Content_Types].xml", ooxmlTypes],
    ["xl/workbook.xml", "<workbook/>"],
  ]),
  pptx: zipOf([
    ["[Content_Types].xml", ooxmlTypes],
    ["ppt/presentation.xml", "<p:presentation/>"],
  ]),
  odt: zipOf([
    ["mimetype", "application/vnd.oasis.opendocument.text"],
    ["content.xml", "<office:document-content/>"],
  ]),
  zip: zipOf([["notes.txt", "hello"]]),
  ole: bytesOf([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], new Uint8Array(24)),
  gzip: bytesOf([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 3]),
  vcard: bytesOf("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana\r\nEND:VCARD\r\n"),
  text: bytesOf("name,phone\nAna,5491100000000\n"),
} as const;
