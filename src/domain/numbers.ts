import { AppError } from "../errors";

/** Digits only after stripping `+`, spaces, dashes, dots and parentheses; 8–15 digits (E.164). */
export function normalizeNumber(input: unknown): string {
  const raw = typeof input === "number" ? String(input) : typeof input === "string" ? input : "";
  const digits = raw.replace(/[\s+\-.()]/g, "");
  if (!/^\d{8,15}$/.test(digits)) {
    throw new AppError(
      "ERR_INVALID_NUMBER",
      "Invalid number: use digits only, with the country code (8 to 15 digits)",
    );
  }
  return digits;
}
