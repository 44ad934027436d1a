import { html } from "htm/preact";
import { useEffect, useRef, useState } from "preact/hooks";
import {
  api,
  type Connection,
  get,
  type Message,
  type Page,
  type Principal,
  type Queue,
  type Reaction,
  request,
  type Tag,
  type Ticket,
  type User,
} from "./api";
import { formatTime, t } from "./i18n";
import { type LiveEvent, useCoalesced, useLive } from "./live";
import { ContactNotes } from "./notes";
import { matchQuick, type QuickAnswer, quickAnswers } from "./quick";
import { Empty, ErrorBox, Loading, Swatch, useAction, useLoad } from "./ui";
import { workChanged } from "./work";

const PAGE = 30;
const STATUSES = ["", "pending", "open", "closed"] as const;
const TICKET_EVENTS = new Set([
  "message_received",
  "message_sent",
  "ticket_created",
  "ticket_updated",
  "ticket_closed",
  "contact_updated",
  "message_updated",
  "message_deleted",
  "message_failed",
  "reset",
]);
/** Changes to a message already shown: applied in place, whatever page it is on. */
const LIFECYCLE = new Set(["message_updated", "message_deleted", "message_reaction"]);
const EMOJIS = ["👍", "❤️", "😂", "😮", "😢", "🙏"];
/** "typing…" is sent at most this often while the agent types, and stopped after this long idle. */
const TYPING_EVERY_MS = 8_000;
const TYPING_IDLE_MS = 4_000;

/** Media is served by this same server: use its path, whatever PUBLIC_URL the links were built with. */
const localUrl = (url: string) => {
  try {
    const u = new URL(url);
    return u.pathname.startsWith("/public/") ? u.pathname : url;
  } catch {
    return url;
  }
};

const pick = (e: Event) => (e.target as HTMLSelectElement).value;
const idOrNull = (v: string) => (v ? Number(v) : null);

type View = "mine" | "queue" | "all";

export function InboxScreen({ ticketId, principal }: { ticketId: number | null; principal: Principal }) {
  // Tabs: Mine (a person's open work), Queue (pending, unassigned: waiting to be accepted), All they may see.
  const views: View[] = principal.kind === "user" ? ["mine", "queue", "all"] : ["queue", "all"];
  const [view, setView] = useState<View>(() => {
    const saved = sessionStorage.getItem("chasqui.view") as View | null;
    return saved && views.includes(saved) ? saved : principal.kind === "user" ? "mine" : "all";
  });
  const [status, setStatus] = useState<(typeof STATUSES)[number]>("");
  const [connectionId, setConnectionId] = useState("");
  const [queueId, setQueueId] = useState("");
  const [tagId, setTagId] = useState("");
  const [search, setSearch] = useState("");
  const [applied, setApplied] = useState("");
  const [pages, setPages] = useState(1);
  const connections = useLoad(() => get<Connection[]>("/connections"), []);
  const queues = useLoad(() => get<Queue[]>("/queues"), []);
  const users = useLoad(() => get<User[]>("/users"), []);
  const tags = useLoad(() => get<Tag[]>("/tags"), []);

  const filters = () => {
    const q = new URLSearchParams();
    if (status) q.set("status", status);
    if (connectionId) q.set("whatsappId", connectionId);
    if (queueId) q.set("queueId", queueId);
    if (tagId) q.set("tagId", tagId);
    if (applied) q.set("search", applied);
    return q;
  };
  const tickets = useLoad(() => {
    const q = filters();
    q.set("view", view);
    q.set("limit", String(Math.min(PAGE * pages, 100)));
    return get<Page<"tickets", Ticket>>(`/tickets?${q}`);
  }, [view, status, connectionId, queueId, tagId, applied, pages]);
  // How many tickets each tab holds, with the same filters (search aside: the counts do not take it).
  const counts = useLoad(() => {
    const q = filters();
    q.delete("search");
    return get<Record<View, number | null>>(`/tickets/counts?${q}`);
  }, [status, connectionId, queueId, tagId]);
  // What the server lets this principal see (an agent: their queues and tickets with none).
  const canSee = (tk: Ticket) =>
    principal.kind !== "user" ||
    principal.user.role !== "agent" ||
    tk.queueId === null ||
    principal.user.queueIds.includes(tk.queueId);
  const reload = useCoalesced(() => {
    tickets.reload();
    counts.reload();
    workChanged();
  });
  useLive((e) => {
    if (TICKET_EVENTS.has(e.event)) reload();
  });

  return html`<section class=${`inbox ${ticketId ? "has-ticket" : ""}`}>
    <aside class="ticket-pane" aria-label=${t("nav.inbox")}>
      <div class="tabs" role="tablist">
        ${views.map(
          (v) => html`<button type="button" role="tab" aria-selected=${view === v} data-view-tab=${v}
            onClick=${() => {
              setView(v);
              sessionStorage.setItem("chasqui.view", v);
              setPages(1);
            }}>${t(`inbox.view.${v}`)}${
              counts.data?.[v] != null &&
              html` <span class="count" data-count=${counts.data[v]}>${counts.data[v]}</span>`
            }</button>`,
        )}
      </div>
      <form class="row search-box" role="search" onSubmit=${(e: Event) => {
        e.preventDefault();
        setPages(1);
        setApplied(search.trim());
      }}>
        <input type="search" name="search" aria-label=${t("inbox.search")} placeholder=${t("inbox.search")}
          value=${search} onInput=${(e: Event) => {
            const v = (e.target as HTMLInputElement).value;
            setSearch(v);
            // Clearing the box (its ✕) shows every ticket again.
            if (!v) setApplied("");
          }} />
      </form>
      <div class="filters">
        <select aria-label=${t("common.status")} data-filter="status" value=${status} onChange=${(
          e: Event,
        ) => {
          setStatus(pick(e) as (typeof STATUSES)[number]);
          setPages(1);
        }}>
          ${STATUSES.map((s) => html`<option value=${s}>${t("common.status")}: ${s ? t(`ticket.${s}`) : t("common.all")}</option>`)}
        </select>
        <select aria-label=${t("inbox.connection")} value=${connectionId} onChange=${(e: Event) => setConnectionId(pick(e))}>
          <option value="">${t("inbox.connection")}: ${t("common.all")}</option>
          ${connections.data?.map((c) => html`<option value=${c.id}>${c.name}</option>`)}
        </select>
        <select aria-label=${t("inbox.queue")} value=${queueId} onChange=${(e: Event) => setQueueId(pick(e))}>
          <option value="">${t("inbox.queue")}: ${t("common.all")}</option>
          ${queues.data?.map((q) => html`<option value=${q.id}>${q.name}</option>`)}
        </select>
        <select aria-label=${t("inbox.tag")} data-filter="tag" value=${tagId} onChange=${(e: Event) => {
          setTagId(pick(e));
          setPages(1);
        }}>
          <option value="">${t("inbox.tag")}: ${t("common.all")}</option>
          ${tags.data?.map((g) => html`<option value=${g.id}>${g.name}</option>`)}
        </select>
      </div>
      <${ErrorBox} error=${tickets.error} />
      ${!tickets.data && !tickets.error && html`<${Loading} />`}
      ${tickets.data?.tickets.length === 0 && html`<${Empty}>${t("inbox.empty")}<//>`}
      <ul class="tickets">
        ${tickets.data?.tickets.map(
          (tk) => html`<li key=${tk.id}>
            <a href=${`#/inbox/${tk.id}`} class="ticket" data-ticket=${tk.id}
              aria-current=${tk.id === ticketId ? "true" : undefined}>
              <div class="row spread">
                <strong class="ellipsis">${tk.contact.name}</strong>
                ${tk.contact.isGroup && html`<span class="chip group" data-group title=${t("inbox.group")}>👥 ${t("inbox.group")}</span>`}
                ${
                  tk.unreadMessages > 0 &&
                  html`<span class="unread" data-unread=${tk.unreadMessages}
                    aria-label=${t("inbox.unread", { n: tk.unreadMessages })}>${tk.unreadMessages}</span>`
                }
              </div>
              <div class="ellipsis muted">${tk.lastMessage || "—"}</div>
              <div class="row small labels">
                ${
                  tk.queue &&
                  html`<span class="chip queue" data-queue=${tk.queue.name}><${Swatch} color=${tk.queue.color} />${tk.queue.name}</span>`
                }
                <span class="chip agent" data-agent=${tk.user?.name ?? ""}>👤 ${tk.user?.name ?? t("inbox.unassigned")}</span>
                ${tk.tags.map(
                  (g) =>
                    html`<span class="chip tag" data-tag=${g.name} style=${{ borderColor: g.color }}><${Swatch} color=${g.color} />${g.name}</span>`,
                )}
                ${tk.rating && html`<${Stars} n=${tk.rating} />`}
              </div>
              <div class="row spread small">
                <span class=${`badge status-${tk.status}`}>${t(`ticket.${tk.status}`)}</span>
                <span class="muted">${tk.whatsapp.name} · ${formatTime(tk.updatedAt)}</span>
              </div>
            </a>
          </li>`,
        )}
      </ul>
      ${
        tickets.data?.hasMore &&
        pages * PAGE < 100 &&
        html`<button type="button" class="ghost wide" onClick=${() => setPages(pages + 1)}>${t("common.loadMore")}</button>`
      }
    </aside>
    <div class="conversation-pane">
      ${
        ticketId
          ? html`<${Conversation} key=${ticketId} ticketId=${ticketId} queues=${queues.data ?? []}
              users=${users.data ?? []} tags=${tags.data ?? []} onChanged=${reload}
              canSee=${canSee} />`
          : html`<${Empty}>${t("inbox.pick")}<//>`
      }
    </div>
  </section>`;
}

/** The customer's rating of a closed ticket, as stars. */
const Stars = ({ n }: { n: number }) =>
  html`<span class="rating" data-rating=${n} title=${t("inbox.rating", { n })} aria-label=${t("inbox.rating", { n })}>${"★".repeat(n)}${"☆".repeat(5 - n)}</span>`;

const TICKS: Record<number, string> = { [-1]: "!", 0: "◷", 1: "✓", 2: "✓✓", 3: "✓✓", 4: "✓✓" };

function Ticks({ ack }: { ack: number }) {
  return html`<span class=${`ticks ack-${ack}`} data-ack=${ack} title=${t(`ack.${ack}`)}
    aria-label=${t(`ack.${ack}`)}>${TICKS[ack] ?? ""}</span>`;
}

function Media({ m }: { m: Message }) {
  if (!m.hasMedia || !m.mediaUrl) return null;
  const src = localUrl(m.mediaUrl);
  switch (m.mediaType) {
    case "image":
    case "sticker":
      return html`<a href=${src} target="_blank" rel="noopener"><img class="media" src=${src}
        alt=${m.filename ?? m.body ?? "image"} loading="lazy" /></a>`;
    case "audio":
      return html`<audio class="media" controls preload="none" src=${src}></audio>`;
    case "ptt":
      return html`<div class="voice" title=${t("inbox.voiceNote")}>
        <span aria-hidden="true">🎤</span>
        <audio class="media" controls preload="none" src=${src} aria-label=${t("inbox.voiceNote")}></audio>
      </div>`;
    case "video":
      return html`<video class="media" controls preload="metadata" src=${src}></video>`;
    default:
      return html`<a class="doc" href=${src} download=${m.filename ?? ""}>⤓ ${m.filename ?? t("inbox.document")}</a>`;
  }
}

const summary = (m: Message | undefined) =>
  m ? m.body || (m.hasMedia ? `[${m.mediaType}] ${m.filename ?? ""}` : "") : "…";

type LifecycleData = {
  body: string;
  previousBody: string | null;
  editedAt: string;
  deletedAt: string;
  emoji: string;
  removed: boolean;
  fromMe: boolean;
  reactor: { number: string | null; name: string | null } | null;
  timestamp: number;
};

/** A message_updated, message_deleted or message_reaction event applied to the message it names. */
function applyLifecycle(m: Message, e: LiveEvent): Message {
  const d = e.data as LifecycleData;
  if (e.event === "message_updated")
    return { ...m, body: d.body, previousBody: d.previousBody, isEdited: true, editedAt: d.editedAt };
  if (e.event === "message_deleted") return { ...m, isDeleted: true, deletedAt: d.deletedAt };
  // One reaction per person: theirs replaces (or, removed, drops) what they had.
  const number = d.fromMe ? null : (d.reactor?.number ?? null);
  const rest = m.reactions.filter((r) => r.fromMe !== d.fromMe || (!d.fromMe && r.number !== number));
  if (d.removed) return { ...m, reactions: rest };
  const r: Reaction = {
    emoji: d.emoji,
    fromMe: d.fromMe,
    number,
    name: d.reactor?.name ?? null,
    timestamp: d.timestamp,
  };
  return { ...m, reactions: [...rest, r] };
}

const whoReacted = (r: Reaction) => (r.fromMe ? t("inbox.you") : r.name || `+${r.number}`);

function Reactions({ list, onRemove }: { list: Reaction[]; onRemove: () => void }) {
  if (list.length === 0) return null;
  const byEmoji = new Map<string, Reaction[]>();
  for (const r of list) byEmoji.set(r.emoji, [...(byEmoji.get(r.emoji) ?? []), r]);
  return html`<div class="reactions">
    ${[...byEmoji].map(([emoji, rs]) => {
      const who = rs.map(whoReacted).join(", ");
      const count = rs.length > 1 ? html`<span class="count">${rs.length}</span>` : null;
      return rs.some((r) => r.fromMe)
        ? html`<button type="button" class="reaction mine" data-reaction=${emoji} data-mine
            title=${`${who} · ${t("inbox.removeReaction")}`} onClick=${onRemove}>${emoji}${count}</button>`
        : html`<span class="reaction" data-reaction=${emoji} title=${who}>${emoji}${count}</span>`;
    })}
  </div>`;
}

/** One message: its flags (edited, deleted, imported), reactions and the actions the agent may take. */
/** A transfer (or other history line) in the conversation: who moved it where, and their note. */
function SystemLine({ m }: { m: Message }) {
  const s = m.system;
  const to = [s?.toQueueName, s?.toUserName].filter(Boolean).join(" · ");
  return html`<div class="system-line" data-system=${s?.type ?? "note"} role="note">
    <span>${[
      (to ? t("inbox.transferTo", { to }) : m.body) +
        (s?.byName ? ` ${t("inbox.transferBy", { name: s.byName })}` : ""),
      formatTime(m.timestamp * 1000),
    ].join(" · ")}</span>
    ${s?.note && html`<q class="system-note">${s.note}</q>`}
  </div>`;
}

function Bubble({
  m,
  quoted,
  sender,
  now,
  onQuote,
  onChanged,
}: {
  m: Message;
  quoted: Message | undefined;
  sender: string | undefined;
  now: number;
  onQuote: (m: Message) => void;
  onChanged: (m: Message) => void;
}) {
  const [draft, setDraft] = useState<string | null>(null);
  const [picker, setPicker] = useState(false);
  const [showPrevious, setShowPrevious] = useState(false);
  const { busy, run } = useAction();
  const change = async (method: string, path: string, body?: unknown) => {
    const r = await run(() =>
      api<{ data: Message }>(method, `/messages/${encodeURIComponent(m.id)}${path}`, body),
    );
    if (r) onChanged(r.data);
    return r;
  };
  // The server says until when WhatsApp takes an edit or a delete; past it the action is hidden.
  const canEdit = m.editableUntil !== null && now < Date.parse(m.editableUntil);
  const canDelete = m.deletableUntil !== null && now < Date.parse(m.deletableUntil);
  const mine = m.reactions.find((r) => r.fromMe)?.emoji;
  const react = (emoji: string) => {
    setPicker(false);
    change("POST", "/reactions", { emoji });
  };
  const saveEdit = async (e: Event) => {
    e.preventDefault();
    if (!draft?.trim()) return;
    if (draft === m.body || (await change("PUT", "", { body: draft }))) setDraft(null);
  };
  const remove = () => {
    if (confirm(t("inbox.confirmDeleteForAll"))) change("DELETE", "");
  };
  const author = !m.fromMe && m.participant;

  return html`<div class=${`msg ${m.fromMe ? "out" : "in"}${m.isDeleted ? " deleted" : ""}`} data-message=${m.id}
    data-media=${m.mediaType}>
    ${
      author &&
      html`<div class="author" data-participant=${author.number}>
        ${author.name || `+${author.number}`}${author.name && html` <span class="muted">+${author.number}</span>`}
      </div>`
    }
    ${m.quotedMsgId && html`<blockquote class="quoted">${summary(quoted)}</blockquote>`}
    <${Media} m=${m} />
    ${
      draft !== null
        ? html`<form class="edit" onSubmit=${saveEdit}>
          <textarea class="edit-input" aria-label=${t("inbox.edit")} rows="2" value=${draft}
            onInput=${(e: Event) => setDraft((e.target as HTMLTextAreaElement).value)}
            onKeyDown=${(e: KeyboardEvent) => {
              if (e.key === "Enter" && !e.shiftKey) saveEdit(e);
              if (e.key === "Escape") setDraft(null);
            }}></textarea>
          <div class="row">
            <button type="submit" class="primary" disabled=${busy}>${t("common.save")}</button>
            <button type="button" onClick=${() => setDraft(null)}>${t("common.cancel")}</button>
          </div>
        </form>`
        : m.body && html`<p class="body">${m.isDeleted ? html`<del>${m.body}</del>` : m.body}</p>`
    }
    ${
      showPrevious &&
      m.previousBody !== null &&
      html`<p class="previous" data-testid="previous">${t("inbox.previous", { text: m.previousBody })}</p>`
    }
    <${Reactions} list=${m.reactions} onRemove=${() => react("")} />
    <div class="meta">
      ${m.isDeleted && html`<span class="flag" data-flag="deleted">⊘ ${t("inbox.deleted")}</span>`}
      ${
        m.isEdited &&
        html`<button type="button" class="link flag" data-flag="edited" aria-expanded=${showPrevious}
          title=${t("inbox.previous", { text: m.previousBody ?? "" })}
          onClick=${() => setShowPrevious(!showPrevious)}>${t("inbox.edited")}</button>`
      }
      ${m.isImported && html`<span class="flag" data-flag="imported" title=${t("inbox.importedHelp")}>${t("inbox.imported")}</span>`}
      ${sender && html`<span class="sender" data-sender=${sender} title=${t("inbox.sentBy", { name: sender })}>${sender}</span>`}
      <span>${formatTime(m.timestamp * 1000)}</span>
      ${
        m.fromMe &&
        m.status &&
        m.status !== "sent" &&
        html`<span class="flag" data-flag=${m.status}
          title=${m.error?.reason ?? (m.sendAt ? formatTime(Date.parse(m.sendAt)) : "")}>${t(`inbox.status.${m.status}`)}</span>`
      }
      ${m.fromMe && html`<${Ticks} ack=${m.ack} />`}
      ${
        !m.isDeleted &&
        html`<span class="tools">
          <button type="button" class="link" onClick=${() => onQuote(m)} aria-label=${t("inbox.reply")}
            title=${t("inbox.reply")}>↩</button>
          <button type="button" class="link" data-action="react" aria-label=${t("inbox.react")} title=${t("inbox.react")}
            aria-expanded=${picker} disabled=${busy} onClick=${() => setPicker(!picker)}>☺</button>
          ${
            canEdit &&
            html`<button type="button" class="link" data-action="edit" aria-label=${t("inbox.edit")}
              title=${t("inbox.edit")} onClick=${() => setDraft(m.body)}>✎</button>`
          }
          ${
            canDelete &&
            html`<button type="button" class="link" data-action="delete" aria-label=${t("inbox.deleteForAll")}
              title=${t("inbox.deleteForAll")} disabled=${busy} onClick=${remove}><svg aria-hidden="true" width="14"
                height="14" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"
                stroke-linecap="round"><path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3" /></svg></button>`
          }
        </span>`
      }
    </div>
    ${
      picker &&
      html`<div class="picker" role="group" aria-label=${t("inbox.react")}>
        ${EMOJIS.map(
          (e) => html`<button type="button" data-emoji=${e} aria-pressed=${e === mine}
            onClick=${() => react(e === mine ? "" : e)}>${e}</button>`,
        )}
        ${mine && html`<button type="button" class="link" data-emoji="" onClick=${() => react("")}>${t("inbox.removeReaction")}</button>`}
      </div>`
    }
  </div>`;
}

function Conversation({
  ticketId,
  queues,
  users,
  tags,
  onChanged,
  canSee,
}: {
  ticketId: number;
  queues: Queue[];
  users: User[];
  tags: Tag[];
  onChanged: () => void;
  canSee: (tk: Ticket) => boolean;
}) {
  const ticket = useLoad(() => get<Ticket>(`/tickets/${ticketId}`), [ticketId]);
  const [messages, setMessages] = useState<Message[]>([]);
  const [page, setPage] = useState(1);
  const [hasMore, setHasMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [quote, setQuote] = useState<Message | null>(null);
  const endRef = useRef<HTMLDivElement>(null);
  // Counts changes applied in place; a page answer that raced one is loaded again.
  const patches = useRef(0);
  const [now, setNow] = useState(Date.now());
  const { busy, run } = useAction();
  const [transferring, setTransferring] = useState(false);
  // Set while a transfer moves the ticket out of what I may see: nothing asks the server for it again.
  const leaving = useRef(false);

  // Edit and delete disappear when WhatsApp's windows close.
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 20_000);
    return () => clearInterval(timer);
  }, []);

  /** Merges a page into what is shown, by id; the API lists newest first, the view oldest first. */
  const merge = (incoming: Message[]) =>
    setMessages((prev) => {
      const byId = new Map(prev.map((m) => [m.id, m]));
      for (const m of incoming) {
        const old = byId.get(m.id);
        byId.set(m.id, old && old.ack > m.ack ? { ...m, ack: old.ack } : m);
      }
      return [...byId.values()].sort(
        (a, b) => a.timestamp - b.timestamp || a.createdAt.localeCompare(b.createdAt),
      );
    });
  const loadPage = async (p: number) => {
    const seen = patches.current;
    try {
      const r = await get<Page<"messages", Message>>(`/tickets/${ticketId}/messages?page=${p}&limit=50`);
      merge(r.messages);
      if (patches.current !== seen) reloadMessages();
      if (p >= page) setHasMore(r.hasMore);
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const reloadMessages = useCoalesced(() => {
    if (!leaving.current) loadPage(1);
  });
  const patch = (id: string, f: (m: Message) => Message) => {
    patches.current++;
    setMessages((prev) => prev.map((m) => (m.id === id ? f(m) : m)));
  };
  /** The message as an edit, delete or reaction of ours answered it. */
  const replace = (next: Message) => patch(next.id, (old) => ({ ...next, ack: Math.max(old.ack, next.ack) }));
  const reloadTicket = useCoalesced(() => {
    if (!leaving.current) ticket.reload();
  });

  useEffect(() => {
    loadPage(1).then(() => endRef.current?.scrollIntoView({ block: "end" }));
  }, [ticketId]);

  // Opening a ticket reads it: PUT marks it read (unreadMessages back to 0).
  useEffect(() => {
    if (ticket.data && ticket.data.unreadMessages > 0)
      api("PUT", `/tickets/${ticketId}`, {}).then(onChanged, () => {});
  }, [ticket.data?.unreadMessages]);

  useLive((e) => {
    if (e.event === "reset") {
      reloadMessages();
      reloadTicket();
      return;
    }
    if (e.data.ticketId !== ticketId) return;
    if (e.event === "message_ack") {
      const { messageId, ack } = e.data as { messageId: string; ack: number };
      setMessages((prev) => prev.map((m) => (m.id === messageId && ack > m.ack ? { ...m, ack } : m)));
    } else if (e.event === "message_received" || e.event === "message_sent" || e.event === "message_failed") {
      reloadMessages();
      reloadTicket();
      requestAnimationFrame(() => endRef.current?.scrollIntoView({ block: "end", behavior: "smooth" }));
    } else if (LIFECYCLE.has(e.event)) {
      patch(e.data.messageId as string, (m) => applyLifecycle(m, e));
    } else {
      reloadTicket();
    }
  });

  const update = async (body: Record<string, unknown>) => {
    const r = await run(() => api<{ ticket: Ticket }>("PUT", `/tickets/${ticketId}`, body));
    if (r) {
      ticket.setData(r.ticket);
      // Supersedes any reload still in flight with the state from before this change.
      ticket.reload();
      onChanged();
    }
    return r;
  };

  const tk = ticket.data;
  const byId = new Map(messages.map((m) => [m.id, m]));
  return html`<div class="conversation">
    <${ErrorBox} error=${ticket.error ?? error} />
    ${!tk && !ticket.error && html`<${Loading} />`}
    ${
      tk &&
      html`<header class="conv-head">
        <a class="back" href="#/inbox" aria-label=${t("common.back")}>←</a>
        <div class="who">
          <strong>${tk.contact.name}</strong>
          <span class="muted">${tk.contact.isGroup ? `👥 ${t("inbox.group")}` : `+${tk.contact.number}`} · ${tk.whatsapp.name}</span>
        </div>
        ${tk.rating && html`<${Stars} n=${tk.rating} />`}
        <span class=${`badge status-${tk.status}`} data-ticket-status=${tk.status}>${t(`ticket.${tk.status}`)}</span>
        <div class="row actions">
          ${tk.queue && html`<span class="chip queue" data-head-queue=${tk.queue.name}><${Swatch} color=${tk.queue.color} /> ${tk.queue.name}</span>`}
          <span class="chip agent" data-head-agent=${tk.user?.name ?? ""}>👤 ${tk.user?.name ?? t("inbox.unassigned")}</span>
          ${tk.status === "pending" && html`<button type="button" class="primary" disabled=${busy} onClick=${() => update({ status: "open" })}>${t("inbox.accept")}</button>`}
          ${tk.status !== "closed" && html`<button type="button" data-action="transfer" disabled=${busy} onClick=${() => setTransferring(true)}>${t("inbox.transfer")}</button>`}
          ${tk.status === "open" && html`<button type="button" disabled=${busy} onClick=${() => update({ status: "closed" })}>${t("inbox.close")}</button>`}
          ${tk.status === "closed" && html`<button type="button" disabled=${busy} onClick=${() => update({ status: "open" })}>${t("inbox.reopen")}</button>`}
        </div>
      </header>
      <${TagEditor} ticket=${tk} tags=${tags} busy=${busy}
        onChange=${(tagIds: number[]) => update({ tagIds })} />
      ${!tk.contact.isGroup && html`<${ContactNotes} key=${tk.contact.number} number=${tk.contact.number} />`}
      ${
        transferring &&
        html`<${TransferDialog} ticket=${tk} queues=${queues} users=${users} onClose=${() => setTransferring(false)}
          onStart=${(queueId: number | null) => {
            leaving.current = !canSee({ ...tk, queueId });
          }}
          onFailed=${() => {
            leaving.current = false;
          }}
          onDone=${(next: Ticket) => {
            setTransferring(false);
            // Transferred out of my queues: it is no longer mine to see.
            if (!canSee(next)) {
              onChanged();
              location.hash = "#/inbox";
              return;
            }
            ticket.setData(next);
            ticket.reload();
            reloadMessages();
            onChanged();
          }} />`
      }`
    }
    <div class="messages" role="log" aria-live="polite">
      ${
        hasMore &&
        html`<button type="button" class="ghost wide" onClick=${() => {
          setPage(page + 1);
          loadPage(page + 1);
        }}>${t("inbox.older")}</button>`
      }
      ${messages.length === 0 && html`<${Empty}>${t("inbox.noMessages")}<//>`}
      ${messages.map((m) =>
        m.isSystem
          ? html`<${SystemLine} key=${m.id} m=${m} />`
          : html`<${Bubble} key=${m.id} m=${m} quoted=${m.quotedMsgId ? byId.get(m.quotedMsgId) : undefined}
          sender=${m.userId ? users.find((u) => u.id === m.userId)?.name : undefined}
          now=${now} onQuote=${setQuote} onChanged=${replace} />`,
      )}
      <div ref=${endRef}></div>
    </div>
    ${
      tk &&
      html`<${ReplyBox} ticketId=${ticketId} status=${tk.status} quote=${quote} onClearQuote=${() => setQuote(null)}
      beforeSend=${async () => tk.status === "open" || Boolean(await update({ status: "open" }))}
      onSent=${() => {
        reloadMessages();
        requestAnimationFrame(() => endRef.current?.scrollIntoView({ block: "end" }));
      }} />`
    }
  </div>`;
}

/** One action: to a queue and/or an agent, with an optional note; the conversation gets a system line. */
function TransferDialog({
  ticket,
  queues,
  users,
  onClose,
  onDone,
  onStart,
  onFailed,
}: {
  ticket: Ticket;
  queues: Queue[];
  users: User[];
  onClose: () => void;
  onDone: (t: Ticket) => void;
  /** The queue the ticket is about to go to (before the request). */
  onStart: (queueId: number | null) => void;
  onFailed: () => void;
}) {
  const [queueId, setQueueId] = useState(ticket.queueId ? String(ticket.queueId) : "");
  const [userId, setUserId] = useState("");
  const [note, setNote] = useState("");
  const { busy, run } = useAction();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  const q = idOrNull(queueId);
  // Agents who work in the chosen queue first; supervisors and admins may take any ticket.
  const fits = (u: User) => q === null || u.role !== "agent" || (u.queueIds ?? []).includes(q);
  const submit = async (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = {};
    if (q !== ticket.queueId) body.queueId = q;
    if (userId) body.userId = Number(userId);
    if (Object.keys(body).length === 0) body.queueId = q;
    if (note.trim()) body.note = note.trim();
    onStart(q);
    const r = await run(
      () => api<{ ticket: Ticket }>("POST", `/tickets/${ticket.id}/transfer`, body),
      t("common.saved"),
    );
    if (r) onDone(r.ticket);
    else onFailed();
  };
  return html`<dialog ref=${ref} class="card dialog" data-testid="transfer" onClose=${onClose}
    aria-labelledby="transfer-title">
    <form class="form" onSubmit=${submit}>
      <h2 id="transfer-title">${t("inbox.transferTitle")}</h2>
      <p class="muted small">${t("inbox.transferHelp")}</p>
      <label>${t("inbox.queue")}
        <select name="queueId" value=${queueId} onChange=${(e: Event) => setQueueId(pick(e))}>
          <option value="">${t("inbox.noQueue")}</option>
          ${queues.map((x) => html`<option value=${x.id}>${x.name}</option>`)}
        </select>
      </label>
      <label>${t("inbox.user")}
        <select name="userId" value=${userId} onChange=${(e: Event) => setUserId(pick(e))}>
          <option value="">${t("inbox.keep")}</option>
          ${[
            [t("inbox.worksIn"), users.filter(fits)],
            [t("inbox.others"), users.filter((u) => !fits(u))],
          ].map(
            ([label, list]) =>
              (list as User[]).length > 0 &&
              html`<optgroup label=${label}>${(list as User[]).map(
                (u) => html`<option value=${u.id} disabled=${u.id === ticket.userId}>${u.name}</option>`,
              )}</optgroup>`,
          )}
        </select>
      </label>
      <label>${t("inbox.transferNote")}
        <textarea name="note" rows="2" maxlength="1000" value=${note}
          onInput=${(e: Event) => setNote((e.target as HTMLTextAreaElement).value)}></textarea>
      </label>
      <div class="row">
        <button class="primary" type="submit" disabled=${busy}>${t("inbox.transfer")}</button>
        <button type="button" onClick=${() => ref.current?.close()}>${t("common.cancel")}</button>
      </div>
    </form>
  </dialog>`;
}

/** The ticket's tags as removable chips, and a picker to add one of the tags it does not have yet. */
function TagEditor({
  ticket,
  tags,
  busy,
  onChange,
}: {
  ticket: Ticket;
  tags: Tag[];
  busy: boolean;
  onChange: (tagIds: number[]) => void;
}) {
  const have = ticket.tags.map((g) => g.id);
  const free = tags.filter((g) => !have.includes(g.id));
  return html`<div class="row tag-editor" data-testid="ticket-tags" aria-label=${t("inbox.tags")}>
    ${ticket.tags.map(
      (g) => html`<span class="chip tag" data-tag=${g.name} style=${{ borderColor: g.color }}>
        <${Swatch} color=${g.color} />${g.name}
        <button type="button" class="link" disabled=${busy} aria-label=${t("inbox.removeTag", { name: g.name })}
          title=${t("inbox.removeTag", { name: g.name })}
          onClick=${() => onChange(have.filter((id) => id !== g.id))}>✕</button>
      </span>`,
    )}
    ${
      free.length > 0 &&
      html`<select aria-label=${t("inbox.addTag")} data-action="add-tag" value="" disabled=${busy}
        onChange=${(e: Event) => {
          const id = Number(pick(e));
          (e.target as HTMLSelectElement).value = "";
          if (id) onChange([...have, id]);
        }}>
        <option value="">${t("inbox.addTag")}</option>
        ${free.map((g) => html`<option value=${g.id}>${g.name}</option>`)}
      </select>`
    }
  </div>`;
}

function ReplyBox(props: {
  ticketId: number;
  status: Ticket["status"];
  /** Accepts a pending or reopens a closed ticket before the reply goes; false stops the send. */
  beforeSend: () => Promise<boolean>;
  quote: Message | null;
  onClearQuote: () => void;
  onSent: () => void;
}) {
  const [text, setText] = useState("");
  const [answers, setAnswers] = useState<QuickAnswer[]>([]);
  const [picked, setPicked] = useState(0);
  const [dismissed, setDismissed] = useState(false);
  useEffect(() => {
    quickAnswers().then(setAnswers);
  }, []);
  // "/" at the start of an empty box offers the quick answers whose shortcut starts with what follows.
  const suggestions = dismissed ? [] : matchQuick(answers, text);
  // A quick answer's media goes with the text (sent from its URL by the server).
  const [quickMedia, setQuickMedia] = useState<string | null>(null);
  const pick = (q: QuickAnswer) => {
    setText(q.message);
    setQuickMedia(q.mediaUrl ?? null);
    setPicked(0);
  };
  const [files, setFiles] = useState<File[]>([]);
  const fileRef = useRef<HTMLInputElement>(null);
  const { busy, run } = useAction();

  // "typing…" on the customer's phone: composing at most every few seconds while the agent types, paused
  // when they stop, send or leave. Best effort: a failure never reaches the agent.
  const typing = useRef<{ since: number; idle?: ReturnType<typeof setTimeout> }>({ since: 0 });
  const presence = (state: "composing" | "paused") =>
    request("POST", `/tickets/${props.ticketId}/typing`, { state }).catch(() => {});
  const stopTyping = () => {
    clearTimeout(typing.current.idle);
    if (typing.current.since === 0) return;
    typing.current.since = 0;
    presence("paused");
  };
  const onType = (value: string) => {
    setText(value);
    if (!value.trim()) return stopTyping();
    const now = Date.now();
    if (now - typing.current.since >= TYPING_EVERY_MS) {
      typing.current.since = now;
      presence("composing");
    }
    clearTimeout(typing.current.idle);
    typing.current.idle = setTimeout(stopTyping, TYPING_IDLE_MS);
  };
  useEffect(() => stopTyping, []);

  const send = async (e?: Event) => {
    e?.preventDefault();
    if (!text.trim() && files.length === 0 && !quickMedia) return;
    stopTyping();
    if (!(await props.beforeSend())) return;
    const quotedMsgId = props.quote?.id;
    const ok = await run(() => {
      if (files.length === 0 && quickMedia)
        return api("POST", `/tickets/${props.ticketId}/messages/media-url`, {
          mediaUrl: quickMedia,
          ...(text.trim() ? { body: text } : {}),
          ...(quotedMsgId ? { quotedMsgId } : {}),
        });
      if (files.length === 0)
        return api("POST", `/tickets/${props.ticketId}/messages`, {
          body: text,
          ...(quotedMsgId ? { quotedMsgId } : {}),
        });
      const form = new FormData();
      for (const f of files) form.append("medias", f, f.name);
      if (text.trim()) form.append("body", text);
      if (quotedMsgId) form.append("quotedMsgId", quotedMsgId);
      return api("POST", `/tickets/${props.ticketId}/messages/media`, form);
    });
    if (ok) {
      setText("");
      setQuickMedia(null);
      setFiles([]);
      if (fileRef.current) fileRef.current.value = "";
      props.onClearQuote();
      props.onSent();
    }
  };

  return html`<form class="reply" onSubmit=${send}>
    ${
      props.status !== "open" &&
      html`<p class="reply-note" data-testid="reply-note" data-for=${props.status}>
        ${t(props.status === "pending" ? "inbox.pendingNote" : "inbox.closedNote")}</p>`
    }
    ${
      props.quote &&
      html`<div class="quoting" data-testid="quoting">
        <span class="muted">${t("inbox.quoting")}:</span> <span class="ellipsis">${summary(props.quote)}</span>
        <button type="button" class="link" onClick=${props.onClearQuote} aria-label=${t("common.cancel")}>✕</button>
      </div>`
    }
    ${
      quickMedia &&
      html`<ul class="files"><li data-testid="quick-media">📎 ${quickMedia.split("/").pop()}
        <button type="button" class="link" aria-label=${t("common.delete")} onClick=${() => setQuickMedia(null)}>✕</button></li></ul>`
    }
    ${
      files.length > 0 &&
      html`<ul class="files">${files.map(
        (f, i) => html`<li key=${f.name + i}>${f.name}
          <button type="button" class="link" aria-label=${t("common.delete")}
            onClick=${() => setFiles(files.filter((_, j) => j !== i))}>✕</button></li>`,
      )}</ul>`
    }
    ${
      suggestions.length > 0 &&
      html`<ul class="quick-list" id="quick-list" role="listbox" aria-label=${t("nav.quickAnswers")}>
        ${suggestions.map(
          (q, i) => html`<li key=${q.id} role="option" aria-selected=${i === picked} data-quick=${q.shortcut}
            onMouseDown=${(e: Event) => {
              e.preventDefault();
              pick(q);
            }}><code>/${q.shortcut.replace(/^\//, "")}</code> <span class="ellipsis muted">${q.message}</span></li>`,
        )}
      </ul>`
    }
    <div class="row">
      <label class="attach" title=${t("inbox.attach")}>
        <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor"
          stroke-width="2" stroke-linecap="round"><path d="M21 12.5 12.6 20.9a5.5 5.5 0 0 1-7.8-7.8l8.5-8.5a3.7 3.7 0 0 1 5.2 5.2l-8.5 8.5a1.8 1.8 0 0 1-2.6-2.6l7.8-7.8" /></svg><span class="sr-only">${t("inbox.attach")}</span>
        <input ref=${fileRef} type="file" multiple name="medias"
          onChange=${(e: Event) => setFiles([...files, ...Array.from((e.target as HTMLInputElement).files ?? [])])} />
      </label>
      <textarea name="body" rows="2" aria-label=${t("inbox.replyPlaceholder")} placeholder=${t("inbox.replyPlaceholder")}
        aria-autocomplete="list" aria-controls="quick-list" aria-expanded=${suggestions.length > 0}
        value=${text} onInput=${(e: Event) => {
          setDismissed(false);
          setPicked(0);
          onType((e.target as HTMLTextAreaElement).value);
        }}
        onKeyDown=${(e: KeyboardEvent) => {
          if (suggestions.length > 0) {
            const n = suggestions.length;
            if (e.key === "ArrowDown" || e.key === "ArrowUp") {
              e.preventDefault();
              setPicked((picked + (e.key === "ArrowDown" ? 1 : n - 1)) % n);
              return;
            }
            if (e.key === "Enter" || e.key === "Tab") {
              e.preventDefault();
              pick(suggestions[Math.min(picked, n - 1)]!);
              return;
            }
            if (e.key === "Escape") {
              setDismissed(true);
              return;
            }
          }
          if (e.key === "Enter" && !e.shiftKey) send(e);
        }}></textarea>
      <button class="primary" type="submit" disabled=${busy}>${t("inbox.send")}</button>
    </div>
  </form>`;
}
