import { backendByName, type Dialect } from "./polysql.js";

const postgres = backendByName("postgres")?.dialect;
if (postgres === undefined) throw new Error("polysql-pglite needs polysql's built-in postgres backend to be registered");

/**
 * PGlite's facts: PostgreSQL's SQL, types, errors, catalog and locks, taken
 * from the built-in postgres dialect through the public registry, with one
 * difference: one process, one connection, so no two transactions ever meet
 * (no deadlocks, no serialization failures).
 */
export const pgliteDialect: Dialect = {
  ...postgres,
  name: "pglite",
  capabilities: {
    ...postgres.capabilities,
    concurrentConnections: false,
    deadlockDetection: false,
    serializationFailures: false,
  },
};
