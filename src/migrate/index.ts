export { migrate } from "./migrate.js";
export { down as migrateDown } from "./down.js";
export { status as migrationStatus, validate as validateMigrations, type MigrationState, type MigrationStatus, type StatusResult } from "./status.js";
export { repair as repairMigrations, type RepairResult } from "./repair.js";
export { newMigration } from "./new-migration.js";
export type { MigrateOptions, DownOptions, MigrationOptions } from "./migrate-options.js";
export type { MigrateResult, MigrationStep } from "./migrate-result.js";
export { MigrationError, type MigrationProblem } from "./migration-error.js";
export { loadMigrations, type Migration, type MigrationScript } from "./migration-files.js";
