import { expect, test } from "bun:test";
import { ERROR_STATUS } from "../../src/errors";
import { en, es } from "../../src/panel/app/i18n";

test("every error code the API can answer has a panel text in Spanish and English", () => {
  const codes = Object.keys(ERROR_STATUS);
  const missing = codes.flatMap((code) =>
    [
      ["en", en],
      ["es", es],
    ].flatMap(([lang, dict]) =>
      (dict as Record<string, string>)[`err.${code}`] ? [] : [`${lang}: err.${code}`],
    ),
  );
  expect(missing).toEqual([]);
});

test("both languages have the same keys and no empty text", () => {
  expect(Object.keys(es).sort()).toEqual(Object.keys(en).sort());
  expect(Object.entries(es).filter(([, v]) => !v.trim())).toEqual([]);
});
