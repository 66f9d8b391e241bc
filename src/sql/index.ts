export { compile, type CompiledQuery, type SqlParams } from "./compile.js";
export { quoteIdentifier } from "./identifier.js";
export { scanSql, type SqlSpan, type SqlSpanKind } from "./lexer.js";
export { placeholder, type PlaceholderStyle } from "./placeholders.js";
export { isSqlQuery, SqlIdentifier, SqlQuery } from "./sql-query.js";
export { sql } from "./sql-tag.js";
export type { SqlSyntax } from "./syntax.js";
export { classifyStatement, type StatementKind } from "./classify.js";
