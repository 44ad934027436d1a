export { uniqueViolation } from "./errors";
export { createPostgresStore } from "./pg-store";
export {
  type CommitObserver,
  createSqliteStore,
  HeldTransactionError,
  type SqliteStore,
} from "./sqlite-store";
export type { Dialect, Query, ReadOptions, Store, Tables } from "./store";
export { ONE_SNAPSHOT } from "./store";
