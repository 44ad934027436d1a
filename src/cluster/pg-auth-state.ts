/**
 * Baileys' auth state on PostgreSQL, fenced by the connection's lease (docs/CLUSTER.md §4): the twin of
 * src/whatsapp/baileys/sqlite-auth-state.ts (same rows in `wa_auth`: one per connection, key type and key id,
 * values in Baileys' BufferJSON), where every write — `keys.set`, `saveCreds`, `clear` — is one transaction
 * that first checks the lease under `FOR KEY SHARE` ({@link fencedWrite}). A node that lost the lease gets
 * {@link LeaseLost} and writes nothing, so the session keys of a connection are only ever written by the node
 * whose socket is the live one. Reads are not fenced (they change nothing).
 */
import {
  type AuthenticationCreds,
  type AuthenticationState,
  BufferJSON,
  initAuthCreds,
  proto,
  type SignalDataSet,
  type SignalDataTypeMap,
} from "@whiskeysockets/baileys";
import type { SQL } from "bun";
import { fencedWrite, type Lease, LeaseLost } from "./leases";

const CREDS = "creds";

export type PostgresAuthStateOptions = {
  /** Called when a write finds the lease lost, before the error is thrown: close the socket there. */
  onLeaseLost?: (err: LeaseLost) => void;
};

/** Loads the connection's creds (new ones if it never linked) and returns a fenced auth state over `sql`. */
export async function usePostgresAuthState(sql: SQL, lease: Lease, options: PostgresAuthStateOptions = {}) {
  const connectionId = lease.connectionId;
  const read = async (type: string, id: string) => {
    const [row] = (await sql`select value from wa_auth
      where connection_id = ${connectionId} and type = ${type} and key_id = ${id}`) as { value: string }[];
    return row ? JSON.parse(row.value, BufferJSON.reviver) : null;
  };
  const fenced = async <T>(fn: (tx: SQL) => Promise<T>): Promise<T> => {
    try {
      return await fencedWrite(sql, lease, fn);
    } catch (err) {
      if (err instanceof LeaseLost) options.onLeaseLost?.(err);
      throw err;
    }
  };
  const upsert = (tx: SQL, type: string, id: string, json: string) =>
    tx`insert into wa_auth (connection_id, type, key_id, value) values (${connectionId}, ${type}, ${id}, ${json})
       on conflict (connection_id, type, key_id) do update set value = excluded.value`;

  const creds: AuthenticationCreds = (await read(CREDS, CREDS)) ?? initAuthCreds();

  const state: AuthenticationState = {
    creds,
    keys: {
      get: async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
        const out: { [id: string]: SignalDataTypeMap[T] } = {};
        if (ids.length === 0) return out;
        const rows = (await sql`select key_id, value from wa_auth
          where connection_id = ${connectionId} and type = ${type} and key_id = any(${ids}::text[])`) as {
          key_id: string;
          value: string;
        }[];
        for (const r of rows) {
          let value = JSON.parse(r.value, BufferJSON.reviver);
          if (type === "app-state-sync-key" && value)
            value = proto.Message.AppStateSyncKeyData.fromObject(value);
          out[r.key_id] = value;
        }
        return out;
      },
      // Two statements per key type, whatever the number of keys: the transaction holds the lease row FOR KEY SHARE
      // and a takeover waits for it. One round trip per key — Baileys sets 800+ pre-keys at a first link — held the
      // row for seconds on a loaded node (when the fence was FOR SHARE, the owner's own renewals waited too, past
      // the self-fencing deadline).
      set: async (data: SignalDataSet) => {
        const batches = Object.entries(data).map(([type, entries]) => {
          const upserts: Record<string, string> = {};
          const deletes: string[] = [];
          for (const [id, value] of Object.entries(entries ?? {})) {
            if (value === null || value === undefined) deletes.push(id);
            else upserts[id] = JSON.stringify(value, BufferJSON.replacer);
          }
          return { type, upserts: Object.keys(upserts).length ? JSON.stringify(upserts) : null, deletes };
        });
        await fenced(async (tx) => {
          for (const { type, upserts, deletes } of batches) {
            if (deletes.length)
              await tx`delete from wa_auth where connection_id = ${connectionId} and type = ${type}
                       and key_id in (select jsonb_array_elements_text(${JSON.stringify(deletes)}::text::jsonb))`;
            if (upserts)
              await tx`insert into wa_auth (connection_id, type, key_id, value)
                       select ${connectionId}::bigint, ${type}::text, k.key, k.value from jsonb_each_text(${upserts}::text::jsonb) k
                       on conflict (connection_id, type, key_id) do update set value = excluded.value`;
          }
        });
      },
      clear: async () => {
        await fenced((tx) => tx`delete from wa_auth where connection_id = ${connectionId}`);
      },
    },
  };

  return {
    state,
    /** Stores the creds (fenced); throws LeaseLost when the lease is gone, other errors when the write fails. */
    saveCreds: async () => {
      const json = JSON.stringify(creds, BufferJSON.replacer);
      await fenced((tx) => upsert(tx, CREDS, CREDS, json));
    },
    /** Forgets the linked device: creds and every key (after a logout), fenced. */
    clear: () => fenced((tx) => tx`delete from wa_auth where connection_id = ${connectionId}`),
    hasCreds: async () => (await read(CREDS, CREDS)) !== null,
  };
}
