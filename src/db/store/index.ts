export { uniqueViolation } from "./errors";
export { createPostgresStore } from "./pg-store";
export { createSqliteStore, HeldTransactionError } from "./sqlite-store";
export type { Dialect, Query, Store, Tables } from "./store";
