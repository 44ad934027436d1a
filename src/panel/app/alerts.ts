import { useEffect, useState } from "preact/hooks";
import { t } from "./i18n";

/**
 * Sound and desktop notification for a customer's new message in the agent's work. The choice is per user:
 * kept in this browser, keyed by the signed-in user (or "token" for an API-token session).
 */
const KEY = "chasqui.alerts";
let owner = "token";
let on = false;
const listeners = new Set<(on: boolean) => void>();

const storageKey = () => `${KEY}.${owner}`;

/** Loads the choice of whoever signed in; `fallback` is the user's stored setting, used until they choose here. */
export function loadAlerts(user: string, fallback = false) {
  owner = user;
  const stored = localStorage.getItem(storageKey());
  on = stored === null ? fallback : stored === "on";
  for (const l of listeners) l(on);
}

export const alertsOn = () => on;

export async function setAlerts(next: boolean) {
  on = next;
  localStorage.setItem(storageKey(), next ? "on" : "off");
  for (const l of listeners) l(on);
  // Asked on the agent's click: browsers only show the permission prompt after a user gesture.
  if (next && "Notification" in window && Notification.permission === "default")
    await Notification.requestPermission();
}

export function useAlerts() {
  const [value, setValue] = useState(on);
  useEffect(() => {
    listeners.add(setValue);
    setValue(on);
    return () => {
      listeners.delete(setValue);
    };
  }, []);
  return value;
}

let audio: AudioContext | null = null;

/** A short two-tone chime made with WebAudio: no sound file in the bundle. */
function chime() {
  try {
    audio ??= new AudioContext();
    const ctx = audio;
    const gain = ctx.createGain();
    gain.connect(ctx.destination);
    gain.gain.setValueAtTime(0.0001, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.2, ctx.currentTime + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.45);
    for (const [freq, at] of [
      [880, 0],
      [1320, 0.12],
    ] as const) {
      const osc = ctx.createOscillator();
      osc.frequency.value = freq;
      osc.connect(gain);
      osc.start(ctx.currentTime + at);
      osc.stop(ctx.currentTime + at + 0.3);
    }
  } catch {
    // No audio device or autoplay blocked: the desktop notification still goes.
  }
}

/**
 * Alerts about a new message on `ticketId` unless alerts are off or the agent is looking at that very
 * conversation. Clicking the notification opens the ticket.
 */
export function alertNewMessage(ticketId: number, from: string, body: string) {
  if (!on) return;
  const viewing = location.hash === `#/inbox/${ticketId}` && document.visibilityState === "visible";
  if (viewing) return;
  chime();
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  const n = new Notification(t("alerts.newMessage", { name: from }), {
    body: body.slice(0, 140),
    tag: `ticket-${ticketId}`,
  });
  n.onclick = () => {
    window.focus();
    location.hash = `#/inbox/${ticketId}`;
    n.close();
  };
}
