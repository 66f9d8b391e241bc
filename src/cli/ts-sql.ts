import type * as ts from "typescript";
import type { QueryKind } from "../check/index.js";
import type { TypeScriptApi } from "./load-typescript.js";

/** SQL found in a TypeScript/JavaScript source, with a map back to the file. */
export interface SourceSql {
  readonly sql: string;
  /** How the call reads the result; undefined for a `sql` template outside a call. */
  readonly kind?: QueryKind;
  /** Offset in the file of an offset in `sql`. */
  readonly offsetInFile: (offset: number) => number;
}

/** polysql's query methods and how each reads its result (`query` gives columns and rows by position, as `value` reads). */
const METHODS: Record<string, QueryKind> = { all: "many", one: "one", value: "value", execute: "exec", stream: "many", query: "value" };
/** Text that starts like a statement (after comments): anything else is not SQL. */
const STATEMENT =
  /^\s*(?:(?:--[^\n]*\n|\/\*[\s\S]*?\*\/)\s*)*\(?\s*(?:SELECT|WITH|INSERT|UPDATE|DELETE|REPLACE|MERGE|CREATE|ALTER|DROP|TRUNCATE|VALUES|EXPLAIN|PRAGMA|SET|SHOW|CALL)\b/i;
const SCRIPT_KINDS: Record<string, keyof typeof ts.ScriptKind> = { ".ts": "TS", ".mts": "TS", ".cts": "TS", ".tsx": "TSX", ".jsx": "JSX" };

/**
 * Finds the SQL of polysql calls in a source file with the TypeScript compiler API: the
 * string, template or `sql` template argument of `.all/.one/.value/.execute/.stream/.query(...)`
 * (also through a `const` holding the string), and every `sql` tagged template.
 * Interpolations of a `sql` template become `?` (a bound value); `sql.id(...)` and the
 * interpolations of plain templates (spliced text, mostly names) become the name `_`.
 */
export function sqlInSource(api: TypeScriptApi, file: string, text: string): SourceSql[] {
  const ext = file.slice(file.lastIndexOf("."));
  const source = api.createSourceFile(file, text, api.ScriptTarget.Latest, true, api.ScriptKind[SCRIPT_KINDS[ext] ?? "JS"]);
  const constants = new Map<string, ts.Expression>();
  const found = new Map<ts.Node, SourceSql>();
  const visit = (node: ts.Node): void => {
    if (
      api.isVariableDeclaration(node) &&
      api.isIdentifier(node.name) &&
      node.initializer !== undefined &&
      (api.getCombinedNodeFlags(node) & api.NodeFlags.Const) !== 0
    ) {
      constants.set(node.name.text, node.initializer);
    }
    if (api.isCallExpression(node) && api.isPropertyAccessExpression(node.expression) && Object.hasOwn(METHODS, node.expression.name.text)) {
      let arg: ts.Expression | undefined = node.arguments[0];
      if (arg !== undefined && api.isIdentifier(arg)) arg = constants.get(arg.text);
      const sql = arg === undefined ? undefined : sqlOf(api, source, arg, METHODS[node.expression.name.text]);
      if (sql !== undefined) found.set(arg!, sql);
    }
    if (api.isTaggedTemplateExpression(node) && api.isIdentifier(node.tag) && node.tag.text === "sql" && !found.has(node)) {
      const sql = sqlOf(api, source, node, undefined);
      if (sql !== undefined) found.set(node, sql);
    }
    api.forEachChild(node, visit);
  };
  visit(source);
  return [...found.values()];
}

function sqlOf(api: TypeScriptApi, source: ts.SourceFile, node: ts.Expression, kind: QueryKind | undefined): SourceSql | undefined {
  let pieces: { text: string; at: number; exact: boolean }[];
  let holes: string[] = [];
  if (api.isStringLiteral(node) || api.isNoSubstitutionTemplateLiteral(node)) {
    pieces = [piece(source, node, node.text)];
  } else if (api.isTemplateExpression(node) || (api.isTaggedTemplateExpression(node) && api.isTemplateExpression(node.template))) {
    const template = (api.isTaggedTemplateExpression(node) ? node.template : node) as ts.TemplateExpression;
    pieces = [piece(source, template.head, template.head.text), ...template.templateSpans.map((s) => piece(source, s.literal, s.literal.text))];
    // In a `sql` template an interpolation is a bound value (or a name with sql.id); in a plain
    // template it is spliced text, mostly a name.
    const tagged = api.isTaggedTemplateExpression(node);
    holes = template.templateSpans.map((s) => (tagged && !isSqlId(api, s.expression) ? "?" : "_"));
  } else if (api.isTaggedTemplateExpression(node) && api.isNoSubstitutionTemplateLiteral(node.template)) {
    pieces = [piece(source, node.template, node.template.text)];
  } else return undefined;
  let sql = "";
  const starts: { from: number; piece: (typeof pieces)[number] }[] = [];
  pieces.forEach((p, i) => {
    starts.push({ from: sql.length, piece: p });
    sql += p.text + (holes[i] ?? "");
  });
  if (!STATEMENT.test(sql)) return undefined;
  return {
    sql,
    kind,
    offsetInFile: (offset) => {
      let at = starts[0];
      for (const s of starts) if (s.from <= offset) at = s;
      // With escapes (\n, \\) the written text is longer than the value: point at the literal.
      return at.piece.exact ? at.piece.at + Math.min(offset - at.from, at.piece.text.length) : at.piece.at;
    },
  };
}

/** A literal's value and where its text starts in the file (after the quote, backtick, `}` or `${`). */
function piece(source: ts.SourceFile, node: ts.Node, value: string): { text: string; at: number; exact: boolean } {
  const written = node.getText(source);
  // One opening character (quote, backtick or `}`); `${` or one closing character.
  const raw = written.slice(1, written.length - (written.endsWith("${") ? 2 : 1));
  return { text: value, at: node.getStart(source) + 1, exact: raw === value };
}

function isSqlId(api: TypeScriptApi, node: ts.Expression): boolean {
  return (
    api.isCallExpression(node) &&
    api.isPropertyAccessExpression(node.expression) &&
    node.expression.name.text === "id" &&
    api.isIdentifier(node.expression.expression) &&
    node.expression.expression.text === "sql"
  );
}
