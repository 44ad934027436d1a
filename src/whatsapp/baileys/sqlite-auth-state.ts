import {
  type AuthenticationCreds,
  type AuthenticationState,
  BufferJSON,
  initAuthCreds,
  proto,
  type SignalDataSet,
  type SignalDataTypeMap,
} from "@whiskeysockets/baileys";
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../../db/client";
import { waAuth } from "../../db/schema";

const CREDS = "creds";

/**
 * Baileys auth state in SQLite: one row per (connection, key type, key id). Every `keys.set` is one
 * transaction, so a crash never leaves half a Signal session on disk (never multi-file auth state).
 */
export function useSqliteAuthState(db: Db, connectionId: number) {
  const read = (type: string, id: string) => {
    const row = db
      .select({ value: waAuth.value })
      .from(waAuth)
      .where(and(eq(waAuth.connectionId, connectionId), eq(waAuth.type, type), eq(waAuth.keyId, id)))
      .get();
    return row ? JSON.parse(row.value, BufferJSON.reviver) : null;
  };

  const creds: AuthenticationCreds = read(CREDS, CREDS) ?? initAuthCreds();

  const state: AuthenticationState = {
    creds,
    keys: {
      get: async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
        const out: { [id: string]: SignalDataTypeMap[T] } = {};
        if (ids.length === 0) return out;
        const rows = db
          .select({ keyId: waAuth.keyId, value: waAuth.value })
          .from(waAuth)
          .where(
            and(eq(waAuth.connectionId, connectionId), eq(waAuth.type, type), inArray(waAuth.keyId, ids)),
          )
          .all();
        for (const r of rows) {
          let value = JSON.parse(r.value, BufferJSON.reviver);
          if (type === "app-state-sync-key" && value)
            value = proto.Message.AppStateSyncKeyData.fromObject(value);
          out[r.keyId] = value;
        }
        return out;
      },
      set: async (data: SignalDataSet) => {
        db.transaction((tx) => {
          for (const [type, entries] of Object.entries(data)) {
            for (const [id, value] of Object.entries(entries ?? {})) {
              if (value === null || value === undefined) {
                tx.delete(waAuth)
                  .where(
                    and(eq(waAuth.connectionId, connectionId), eq(waAuth.type, type), eq(waAuth.keyId, id)),
                  )
                  .run();
              } else {
                const json = JSON.stringify(value, BufferJSON.replacer);
                tx.insert(waAuth)
                  .values({ connectionId, type, keyId: id, value: json })
                  .onConflictDoUpdate({
                    target: [waAuth.connectionId, waAuth.type, waAuth.keyId],
                    set: { value: json },
                  })
                  .run();
              }
            }
          }
        });
      },
      clear: async () => {
        db.delete(waAuth).where(eq(waAuth.connectionId, connectionId)).run();
      },
    },
  };

  return {
    state,
    /** Throws when the write fails (disk full, database busy); the gateway retries. */
    saveCreds: () => {
      const json = JSON.stringify(creds, BufferJSON.replacer);
      db.insert(waAuth)
        .values({ connectionId, type: CREDS, keyId: CREDS, value: json })
        .onConflictDoUpdate({
          target: [waAuth.connectionId, waAuth.type, waAuth.keyId],
          set: { value: json },
        })
        .run();
    },
    /** Forgets the linked device: creds and every key (after a logout). */
    clear: () => {
      db.delete(waAuth).where(eq(waAuth.connectionId, connectionId)).run();
    },
    hasCreds: () => read(CREDS, CREDS) !== null,
  };
}
