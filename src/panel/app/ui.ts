import { html } from "htm/preact";
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { errorText } from "./api";
import { t } from "./i18n";

// ── toasts ──────────────────────────────────────────────────────────────────

type Toast = { id: number; text: string; kind: "ok" | "error" };
let toasts: Toast[] = [];
let nextId = 1;
const toastListeners = new Set<(t: Toast[]) => void>();
const publish = () => {
  for (const l of toastListeners) l(toasts);
};

export function notify(text: string, kind: Toast["kind"] = "ok") {
  const toast = { id: nextId++, text, kind };
  toasts = [...toasts, toast];
  publish();
  setTimeout(
    () => {
      toasts = toasts.filter((x) => x !== toast);
      publish();
    },
    kind === "error" ? 8000 : 3000,
  );
}

export const notifyError = (err: unknown) => notify(errorText(err), "error");

export function Toasts() {
  const [list, setList] = useState(toasts);
  useEffect(() => {
    toastListeners.add(setList);
    return () => {
      toastListeners.delete(setList);
    };
  }, []);
  return html`<div class="toasts">
    ${list.map(
      (x) =>
        html`<div key=${x.id} class=${`toast ${x.kind}`} role=${x.kind === "error" ? "alert" : "status"}>
          ${x.text}
        </div>`,
    )}
  </div>`;
}

// ── data loading ────────────────────────────────────────────────────────────

/**
 * Loads data, keeps the last good value while reloading, and exposes the error message. Only the latest
 * request may set the data: live events trigger overlapping reloads, and a slow older answer must not
 * overwrite a newer one (an unread badge coming back after the ticket was read).
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const latest = useRef(0);
  const reload = useCallback(async () => {
    const seq = ++latest.current;
    setLoading(true);
    try {
      const value = await load();
      if (seq !== latest.current) return;
      setData(value);
      setError(null);
    } catch (err) {
      if (seq === latest.current) setError(errorText(err));
    } finally {
      if (seq === latest.current) setLoading(false);
    }
  }, deps);
  useEffect(() => {
    reload();
  }, [reload]);
  return { data, error, loading, reload, setData };
}

/** Runs an action with a busy flag and reports its error as a toast. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const run = async <T>(fn: () => Promise<T>, ok?: string): Promise<T | undefined> => {
    setBusy(true);
    try {
      const r = await fn();
      if (ok) notify(ok);
      return r;
    } catch (err) {
      notifyError(err);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { busy, run };
}

// ── small components ────────────────────────────────────────────────────────

export const ErrorBox = ({ error }: { error: string | null }) =>
  error ? html`<p class="error-box" role="alert">${error}</p>` : null;

export const Empty = ({ children }: { children: ComponentChildren }) =>
  html`<p class="empty">${children}</p>`;

export const Loading = () => html`<p class="muted" aria-busy="true">${t("common.loading")}</p>`;

export function CopyBox({ value, label, testId }: { value: string; label: string; testId?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      // Clipboard refused (http origin): select the text so Ctrl+C works.
      const el = document.getElementById(`copy-${testId}`) as HTMLInputElement | null;
      el?.select();
    }
    setCopied(true);
  };
  return html`<div class="copy-box" role="status">
    <p>${label}</p>
    <div class="row">
      <input id=${`copy-${testId}`} data-testid=${testId} readonly value=${value} onFocus=${(e: Event) =>
        (e.target as HTMLInputElement).select()} />
      <button type="button" onClick=${copy}>${copied ? t("common.copied") : t("common.copy")}</button>
    </div>
  </div>`;
}

export const StatusBadge = ({ status }: { status: string }) =>
  html`<span class=${`badge status-${status.toLowerCase()}`} data-status=${status}>${status}</span>`;

export const Swatch = ({ color }: { color: string }) =>
  html`<span class="swatch" style=${{ background: color }} aria-hidden="true"></span>`;
