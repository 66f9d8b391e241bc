import { unknownKeys } from "../config/options.js";
import { OPTIONAL_CAPABILITIES, PORTABLE_TYPES, REQUIRED_CAPABILITIES, type BackendDefinition } from "./contract/index.js";

type Problems = string[];
type Members = Record<string, unknown>;

const NAME = /^[a-z][a-z0-9_-]*$/;
const SCHEME = /^[a-z][a-z0-9+.-]*$/;

function isObject(value: unknown): value is Members {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function expect(problems: Problems, owner: Members, path: string, key: string, kind: "string" | "function" | "count" | "strings", optional = false): void {
  const value = owner[key];
  if (value === undefined && optional) return;
  const ok =
    kind === "string"
      ? typeof value === "string" && value !== ""
      : kind === "function"
        ? typeof value === "function"
        : kind === "count"
          ? Number.isInteger(value) && (value as number) >= 1
          : Array.isArray(value) && value.every((v) => typeof v === "string");
  if (ok) return;
  const wanted = { string: "a non-empty string", function: "a function", count: "a whole number >= 1", strings: "an array of strings" }[kind];
  problems.push(`${value === undefined ? "missing" : "malformed"} "${path}${key}": must be ${wanted}${value === undefined ? "" : `, got ${describe(value)}`}`);
}

function describe(value: unknown): string {
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return "an array";
  return value === null ? "null" : typeof value === "object" ? "an object" : JSON.stringify(value);
}

function checkCapabilities(problems: Problems, capabilities: unknown): void {
  if (!isObject(capabilities)) {
    problems.push(`missing "dialect.capabilities": must be an object of true/false flags (${REQUIRED_CAPABILITIES.join(", ")})`);
    return;
  }
  const known = [...REQUIRED_CAPABILITIES, ...OPTIONAL_CAPABILITIES] as readonly string[];
  for (const key of REQUIRED_CAPABILITIES) {
    if (typeof capabilities[key] !== "boolean")
      problems.push(`capability "dialect.capabilities.${key}" must be true or false, got ${describe(capabilities[key])}`);
  }
  for (const key of OPTIONAL_CAPABILITIES) {
    const value = capabilities[key];
    if (Object.hasOwn(capabilities, key) && typeof value !== "boolean")
      problems.push(`capability "dialect.capabilities.${key}" must be true or false, got ${describe(value)}`);
  }
  // Worded as one problem in a list, like the others here.
  for (const key of unknownKeys(capabilities, known)) problems.push(`unknown capability "dialect.capabilities.${key}" (accepted: ${known.join(", ")})`);
}

function checkDialect(problems: Problems, dialect: unknown): void {
  if (!isObject(dialect)) {
    problems.push(`missing "dialect": must be an object of the engine's facts`);
    return;
  }
  expect(problems, dialect, "dialect.", "name", "string");
  for (const fn of ["begin", "mapError", "upsertClause"]) expect(problems, dialect, "dialect.", fn, "function");
  expect(problems, dialect, "dialect.", "end", "function", true);
  for (const text of ["insertDefaults", "serverVersionSql"]) expect(problems, dialect, "dialect.", text, "string");
  for (const count of ["maxParameters", "maxIdentifierLength"]) expect(problems, dialect, "dialect.", count, "count");
  const syntax = dialect.syntax;
  if (!isObject(syntax)) problems.push(`missing "dialect.syntax": must describe placeholders, quoting and comments`);
  else if (syntax.placeholders !== "dollar" && syntax.placeholders !== "question") {
    problems.push(`malformed "dialect.syntax.placeholders": must be "dollar" or "question", got ${describe(syntax.placeholders)}`);
  }
  checkCapabilities(problems, dialect.capabilities);
  const types = dialect.types;
  if (!isObject(types)) problems.push(`missing "dialect.types": must spell every portable type (${PORTABLE_TYPES.join(", ")})`);
  else for (const type of PORTABLE_TYPES) expect(problems, types, "dialect.types.", type, "string");
  const introspection = dialect.introspection;
  if (!isObject(introspection)) problems.push(`missing "dialect.introspection": must give tablesSql and columnsSql`);
  else for (const sql of ["tablesSql", "columnsSql"]) expect(problems, introspection, "dialect.introspection.", sql, "string");
  if (dialect.migrationLock !== undefined) {
    if (!isObject(dialect.migrationLock)) problems.push(`malformed "dialect.migrationLock": must be an object with acquire and release`);
    else for (const sql of ["acquire", "release"]) expect(problems, dialect.migrationLock, "dialect.migrationLock.", sql, "string");
  }
}

/**
 * Every problem with a backend definition, each naming the member and what it
 * must be; `taken(scheme)` names the backend that already owns a scheme.
 */
export function definitionProblems(def: BackendDefinition<object>, taken: (scheme: string) => string | undefined): string[] {
  const problems: Problems = [];
  if (!isObject(def)) return ["the definition must be an object"];
  const members = def as unknown as Members;
  if (typeof def.name !== "string" || !NAME.test(def.name)) problems.push(`malformed "name": must be a lowercase identifier, got ${describe(def.name)}`);
  if (!Array.isArray(def.schemes) || def.schemes.length === 0) {
    problems.push(`${def.schemes === undefined ? "missing" : "malformed"} "schemes": must be a non-empty array of URL schemes without the colon`);
  } else {
    def.schemes.forEach((scheme, i) => {
      if (typeof scheme !== "string" || !SCHEME.test(scheme)) problems.push(`scheme ${JSON.stringify(scheme)} is not a valid URL scheme (lowercase, no colon)`);
      else if (def.schemes.indexOf(scheme) !== i) problems.push(`duplicate scheme "${scheme}" in "schemes"`);
      else {
        const owner = taken(scheme);
        if (owner !== undefined && owner !== def.name) problems.push(`duplicate scheme "${scheme}": already registered by backend "${owner}"`);
      }
    });
  }
  expect(problems, members, "", "version", "string");
  expect(problems, members, "", "driverPackages", "strings");
  expect(problems, members, "", "configKeys", "strings");
  for (const fn of ["parseUrl", "connect"]) expect(problems, members, "", fn, "function");
  expect(problems, members, "", "validateConfig", "function", true);
  expect(problems, members, "", "dialectFor", "function", true);
  checkDialect(problems, def.dialect);
  return problems;
}
