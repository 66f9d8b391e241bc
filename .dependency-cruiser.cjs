// The import rules of polysql's layers, checked by dependency-cruiser (`npm run deps`).
//
// dependency-cruiser rather than madge: madge finds cycles only; this also checks which
// folder may import which (the layers of ARCHITECTURE.md), type-only imports included.
//
// `npm run deps` cruises src/ and plugins/ and pipes the JSON result back into this file
// (`node .dependency-cruiser.cjs` reads it from stdin), which prints each violation as
// `rule: from → to` and a summary line "N cycles, M violations"; exit code 1 when M > 0.
// For dependency-cruiser's own report: `npx depcruise src plugins -c .dependency-cruiser.cjs -T err-long`.
"use strict";

/** The public API at the root of src/ (errors.ts is not here: it is a leaf every layer may import). */
const ROOT_API = "^src/(index|connect|database|queryable|transaction|connection)\\.ts$";
const ERRORS = "^src/errors\\.ts$";

/** An npm driver package, resolved (node_modules/pg/...) or not (plain "pg"), with its @types. */
const npm = (names) => `(^|node_modules/)(@types/)?(${names.join("|")})(/|$)`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycle",
      comment: "Data flows one way: no module may reach itself through its imports (type-only imports included).",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-unresolvable",
      comment: "An import that does not resolve to a file or an installed package.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: "pg-outside-postgres",
      comment: "pg, pg-cursor and pg-copy-streams are imported (or loadDriver-ed) only in src/dialects/postgres/.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/dialects/postgres/" },
      to: { path: npm(["pg", "pg-cursor", "pg-copy-streams"]) },
    },
    {
      name: "mariadb-outside-mysql",
      comment: "mariadb is imported (or loadDriver-ed) only in src/dialects/mysql/.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/dialects/mysql/" },
      to: { path: npm(["mariadb"]) },
    },
    {
      name: "better-sqlite3-outside-sqlite",
      comment: "better-sqlite3 is imported (or loadDriver-ed) only in src/dialects/sqlite/.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/dialects/sqlite/" },
      to: { path: npm(["better-sqlite3"]) },
    },
    {
      name: "sql-is-self-contained",
      comment: "src/sql/ (lexer, compiler, tag, splitter, type translation) imports only src/sql/ and src/errors.ts.",
      severity: "error",
      from: { path: "^src/sql/" },
      to: { pathNot: ["^src/sql/", ERRORS] },
    },
    {
      name: "check-is-pure",
      comment: "src/check/ (portability rules over tokens, value normalization, the runtime guard) imports only src/check/, src/sql/, src/errors.ts and node built-ins.",
      severity: "error",
      from: { path: "^src/check/" },
      to: { pathNot: ["^src/check/", "^src/sql/", ERRORS], dependencyTypesNot: ["core"] },
    },
    {
      name: "queries-are-pure",
      comment: "src/queries/ (the query-file format) imports only src/queries/, src/check/, src/sql/ and src/errors.ts.",
      severity: "error",
      from: { path: "^src/queries/" },
      to: { pathNot: ["^src/queries/", "^src/check/", "^src/sql/", ERRORS] },
    },
    {
      name: "telemetry-below-session",
      comment:
        "src/telemetry/ (the onQuery hook's event, OpenTelemetry instruments, the health monitor) imports only itself, src/sql/, src/config/options.ts, src/errors.ts, node built-ins and @opentelemetry/api (types at the top; the package is loaded lazily with require).",
      severity: "error",
      from: { path: "^src/telemetry/" },
      to: { pathNot: ["^src/telemetry/", "^src/sql/", "^src/config/options\\.ts$", ERRORS, "@opentelemetry/api", "^package\\.json$"], dependencyTypesNot: ["core"] },
    },
    {
      name: "opentelemetry-only-in-telemetry",
      comment: "@opentelemetry/* is an optional peer dependency: only src/telemetry/ refers to it.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/telemetry/" },
      to: { path: "(^|node_modules/)@opentelemetry/" },
    },
    {
      name: "lower-layer-imports-root-api",
      comment: "Nothing below the public API calls back up into it: the layers take what they need as parameters.",
      severity: "error",
      from: { path: "^src/(sql|values|util|pool|session|dialects|config|crud|check|queries|telemetry|cluster)/" },
      to: { path: ROOT_API },
    },
    {
      name: "pool-is-generic",
      comment: "src/pool/ imports only src/pool/, src/util/, the options helper src/config/options.ts and src/errors.ts (and node built-ins): it knows nothing of sessions or engines.",
      severity: "error",
      from: { path: "^src/pool/" },
      to: { pathNot: ["^src/pool/", "^src/util/", "^src/config/options\\.ts$", ERRORS], dependencyTypesNot: ["core"] },
    },
    {
      name: "dialects-below-runtime",
      comment: "src/dialects/ (the backend contract, registry, kit and engines) does not import session/, pool/, crud/, migrate/ or cli/.",
      severity: "error",
      from: { path: "^src/dialects/" },
      to: { path: "^src/(session|pool|crud|migrate|cli|cluster)/" },
    },
    {
      name: "only-cli-imports-cli",
      comment: "src/cli/ is a leaf on top: only src/cli/ imports it.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/cli/" },
      to: { path: "^src/cli/" },
    },
    {
      name: "only-demo-imports-demo",
      comment: "src/demo/ is a leaf on top: only src/demo/ imports it.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/demo/" },
      to: { path: "^src/demo/" },
    },
    {
      name: "conformance-is-a-leaf",
      comment: "src/conformance/ (polysql/conformance) is imported only by itself and by src/cli/ and src/demo/, which may import anything in src.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/(conformance|cli|demo)/" },
      to: { path: "^src/conformance/" },
    },
    {
      name: "conformance-uses-public-api",
      comment:
        "The conformance kit tests a backend as a plugin sees it: it imports only src/conformance/, the public API at the root of src/ (with src/errors.ts), the backend entry point src/dialects/index.ts (polysql/backend), src/util/ (deadlines) and node built-ins.",
      severity: "error",
      from: { path: "^src/conformance/" },
      to: { pathNot: ["^src/conformance/", ROOT_API, ERRORS, "^src/dialects/index\\.ts$", "^src/util/"], dependencyTypesNot: ["core"] },
    },
    {
      name: "generate-uses-public-api",
      comment:
        "src/generate/ (polysql generate, issue 18) imports only src/generate/, the public API at the root of src/ (with src/errors.ts), the backend entry point src/dialects/index.ts (polysql/backend: the registry and DriverConnection.describe), src/sql/, src/check/ (its syntax for the lexer), the query-file parser src/queries/ and node built-ins.",
      severity: "error",
      from: { path: "^src/generate/" },
      to: { pathNot: ["^src/generate/", ROOT_API, ERRORS, "^src/dialects/index\\.ts$", "^src/sql/", "^src/check/", "^src/queries/"], dependencyTypesNot: ["core"] },
    },
    {
      name: "generate-is-a-leaf",
      comment: "src/generate/ is imported only by itself and by src/cli/ and src/demo/.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/(generate|cli|demo)/" },
      to: { path: "^src/generate/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)dist/" },
    // type-only imports (`import type`) are dependencies too
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    // drivers are loaded by name (`loadDriver("pg", ...)`, dialects/kit/load-driver.ts): count those calls as imports
    exoticRequireStrings: ["loadDriver"],
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
    skipAnalysisNotInRules: true,
  },
};

// `node .dependency-cruiser.cjs` < cruise-result.json: a short report and the exit code.
if (require.main === module) {
  let input = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => (input += chunk));
  process.stdin.on("end", () => {
    let result;
    try {
      result = JSON.parse(input);
    } catch {
      process.stderr.write("deps: dependency-cruiser produced no JSON result (see its error above)\n");
      process.exit(2);
    }
    const summary = result.summary;
    const violations = summary.violations.filter((v) => v.rule.severity !== "ignore");
    const cycles = violations.filter((v) => v.rule.name === "no-cycle");
    for (const v of violations) {
      const path = v.cycle ? [v.from, ...v.cycle.map((c) => (typeof c === "string" ? c : c.name))].join(" → ") : `${v.from} → ${v.to}`;
      process.stdout.write(`${v.rule.severity} ${v.rule.name}: ${path}\n`);
    }
    const counts = `${cycles.length} cycle${cycles.length === 1 ? "" : "s"}, ${violations.length} violation${violations.length === 1 ? "" : "s"}`;
    process.stdout.write(`deps: ${counts} (${summary.totalCruised} modules, ${summary.totalDependenciesCruised} dependencies cruised)\n`);
    process.exit(violations.some((v) => v.rule.severity === "error") ? 1 : 0);
  });
}
