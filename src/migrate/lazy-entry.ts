/**
 * The migration functions as `polysql` exports them: each loads the migration code (files,
 * history, locks, checksums) on its first call, so `import("polysql")` does not read it for
 * an application that never migrates. Same signatures and behaviour as in `./index.js`.
 */
type Api = typeof import("./index.js");
const load = (): Promise<Api> => import("./index.js");

/** Applies pending migrations in version order under the migration lock, after validating the files; never throws for a migration problem (see `result.ok`). @example const result = await migrate(db, { dir: "./migrations" }); */
export const migrate: Api["migrate"] = async (...args) => (await load()).migrate(...args);
/** Undoes the newest applied migrations (default one) with their `U` files, newest first. @example await migrateDown(db, { dir: "./migrations", steps: 2 }); */
export const migrateDown: Api["migrateDown"] = async (...args) => (await load()).migrateDown(...args);
/** Lists every migration, from the files and the history, without taking the lock or changing anything. */
export const migrationStatus: Api["migrationStatus"] = async (...args) => (await load()).migrationStatus(...args);
/** Checks the files against the history without running anything. @example const { ok, problems } = await validateMigrations(db, { dir: "./migrations" }); */
export const validateMigrations: Api["validateMigrations"] = async (...args) => (await load()).validateMigrations(...args);
/** After a hand fix of the schema: removes failed history rows and realigns changed checksums, under the migration lock. */
export const repairMigrations: Api["repairMigrations"] = async (...args) => (await load()).repairMigrations(...args);
/** Creates the next `V` file (and its `U` file) in `dir`, numbered after the highest existing version. */
export const newMigration: Api["newMigration"] = async (...args) => (await load()).newMigration(...args);
/** Reads the migrations in `dir` for one engine, sorted by version (an engine override replaces the portable file). */
export const loadMigrations: Api["loadMigrations"] = async (...args) => (await load()).loadMigrations(...args);
