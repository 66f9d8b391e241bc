/** `polysql generate`: typed functions from query files, their types asked of each engine (docs/typed-sql.md). */
export { generate, SNAPSHOT_FILE, type GenerateOptions, type GenerateReport, type TypeDifference } from "./generate.js";
export { deriveQuery, openDescriber, type DerivedColumn, type DerivedParam, type DerivedQuery, type DerivedTable, type Describer } from "./derive.js";
export { analyzeStatement, type Catalog, type ItemFacts, type StatementFacts } from "./nullability.js";
export { tsTypeOf } from "./ts-types.js";
