import { describe, expect, test } from "bun:test";
import { detectMedia, extensionForMime, mimeForExtension } from "../../src/media/media-type.ts";
import { bytesOf, SAMPLES } from "./samples.ts";

describe("detectMedia from magic bytes", () => {
  test.each([
    ["jpeg", SAMPLES.jpeg, "image/jpeg", "image", "jpg"],
    ["png", SAMPLES.png, "image/png", "image", "png"],
    ["gif", SAMPLES.gif, "image/gif", "image", "gif"],
    ["webp", SAMPLES.webp, "image/webp", "image", "webp"],
    ["heic", SAMPLES.heic, "image/heic", "image", "heic"],
    ["avif", SAMPLES.avif, "image/avif", "image", "avif"],
    ["mp4", SAMPLES.mp4, "video/mp4", "video", "mp4"],
    ["3gp", SAMPLES.threeGp, "video/3gpp", "video", "3gp"],
    ["mov", SAMPLES.mov, "video/quicktime", "video", "mov"],
    ["webm", SAMPLES.webm, "video/webm", "video", "webm"],
    ["m4a", SAMPLES.m4a, "audio/mp4", "audio", "m4a"],
    ["ogg opus", SAMPLES.oggOpus, "audio/ogg", "audio", "ogg"],
    ["ogg vorbis", SAMPLES.oggVorbis, "audio/ogg", "audio", "ogg"],
    ["mp3 with an ID3 tag", SAMPLES.mp3WithId3, "audio/mpeg", "audio", "mp3"],
    ["mp3 starting with a frame", SAMPLES.mp3Frame, "audio/mpeg", "audio", "mp3"],
    ["aac in ADTS", SAMPLES.aacAdts, "audio/aac", "audio", "aac"],
    ["wav", SAMPLES.wav, "audio/wav", "audio", "wav"],
    ["amr", SAMPLES.amr, "audio/amr", "audio", "amr"],
    ["flac", SAMPLES.flac, "audio/flac", "audio", "flac"],
    ["pdf", SAMPLES.pdf, "application/pdf", "document", "pdf"],
    [
      "docx",
      SAMPLES.docx,
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      "document",
      "docx",
    ],
    [
      "xlsx",
      SAMPLES.xlsx,
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      "document",
      "xlsx",
    ],
    [
      "pptx",
      SAMPLES.pptx,
      "application/vnd.openxmlformats-officedocument.presentationml.presentation",
      "document",
      "pptx",
    ],
    ["odt", SAMPLES.odt, "application/vnd.oasis.opendocument.text", "document", "odt"],
    ["plain zip", SAMPLES.zip, "application/zip", "document", "zip"],
    ["gzip", SAMPLES.gzip, "application/gzip", "document", "gz"],
    ["vcard", SAMPLES.vcard, "text/vcard", "document", "vcf"],
  ])("recognises %s", async (_name, bytes, mimeType, mediaType, ext) => {
    expect(await detectMedia(bytes)).toEqual({ mimeType, mediaType, ext } as Awaited<
      ReturnType<typeof detectMedia>
    >);
  });

  test("trusts the bytes over a wrong declared type and file name", async () => {
    expect(await detectMedia(SAMPLES.png, { mimeType: "image/jpeg", filename: "photo.jpg" })).toEqual({
      mimeType: "image/png",
      mediaType: "image",
      ext: "png",
    });
  });

  test("treats an mp4 container declared as audio as audio", async () => {
    expect(await detectMedia(SAMPLES.mp4, { mimeType: "audio/mp4" })).toEqual({
      mimeType: "audio/mp4",
      mediaType: "audio",
      ext: "m4a",
    });
  });

  test("names a legacy Office file by its extension, since the container is shared by Word and Excel", async () => {
    expect(await detectMedia(SAMPLES.ole, { filename: "budget.xls" })).toEqual({
      mimeType: "application/vnd.ms-excel",
      mediaType: "document",
      ext: "xls",
    });
  });

  test("ignores a declared type that the container cannot be", async () => {
    expect((await detectMedia(SAMPLES.zip, { mimeType: "application/pdf" })).mimeType).toBe(
      "application/zip",
    );
  });

  test("does not take text starting with BM for a bitmap", async () => {
    expect((await detectMedia(bytesOf("BM is short for bowel movement"))).mimeType).toBe(
      "application/octet-stream",
    );
  });
});

describe("detectMedia without recognisable bytes", () => {
  test("uses the declared mime type without its parameters", async () => {
    expect(
      await detectMedia(SAMPLES.text, { mimeType: "Text/CSV; charset=utf-8", filename: "x.txt" }),
    ).toEqual({
      mimeType: "text/csv",
      mediaType: "document",
      ext: "csv",
    });
  });

  test("maps a non-standard alias to the standard mime type", async () => {
    expect(await detectMedia(SAMPLES.text, { mimeType: "image/jpg" })).toEqual({
      mimeType: "image/jpeg",
      mediaType: "image",
      ext: "jpg",
    });
  });

  test("skips a generic octet-stream type and falls back to the file name", async () => {
    expect(
      await detectMedia(SAMPLES.text, { mimeType: "application/octet-stream", filename: "contacts.CSV" }),
    ).toEqual({
      mimeType: "text/csv",
      mediaType: "document",
      ext: "csv",
    });
  });

  test("keeps an unknown declared type and takes the extension from the file name", async () => {
    expect(
      await detectMedia(SAMPLES.text, { mimeType: "application/x-custom", filename: "data.custom" }),
    ).toEqual({
      mimeType: "application/x-custom",
      mediaType: "document",
      ext: "custom",
    });
  });

  test("ignores a malformed declared type", async () => {
    expect((await detectMedia(SAMPLES.text, { mimeType: "../../etc", filename: "a.txt" })).mimeType).toBe(
      "text/plain",
    );
  });

  test("falls back to an octet-stream document when nothing is known", async () => {
    expect(await detectMedia(SAMPLES.text)).toEqual({
      mimeType: "application/octet-stream",
      mediaType: "document",
      ext: "bin",
    });
    expect(await detectMedia(new Uint8Array(0), { mimeType: null, filename: null })).toEqual({
      mimeType: "application/octet-stream",
      mediaType: "document",
      ext: "bin",
    });
  });
});

describe("extension and mime type tables", async () => {
  test("give the preferred extension for a mime type with parameters or an alias", async () => {
    expect([
      extensionForMime("audio/ogg; codecs=opus"),
      extensionForMime("IMAGE/JPEG"),
      extensionForMime("audio/x-m4a"),
      extensionForMime("application/x-unknown"),
    ]).toEqual(["ogg", "jpg", "m4a", null]);
  });

  test("give the mime type for an extension in any case, with or without the dot", async () => {
    expect([
      mimeForExtension("JPEG"),
      mimeForExtension(".pdf"),
      mimeForExtension("3gp"),
      mimeForExtension("zzz"),
    ]).toEqual(["image/jpeg", "application/pdf", "video/3gpp", null]);
  });
});
