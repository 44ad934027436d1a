export { uniqueViolation } from "./errors";
export { createPostgresStore } from "./pg-store";
export {
  type CommitObserver,
  createSqliteStore,
  HeldTransactionError,
  type SqliteStore,
} from "./sqlite-store";
export type { Dialect, Query, Store, Tables } from "./store";
