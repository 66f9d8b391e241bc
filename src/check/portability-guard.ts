import { AsyncLocalStorage } from "node:async_hooks";
import { SqlIdentifier, SqlQuery } from "../sql/sql-query.js";
import { checkSql, type Finding } from "./check-sql.js";
import { describeFindings, PortabilityError } from "./portability-error.js";
import type { QueryKind } from "./rule.js";

export { PortabilityError };

/** `connect({ portability })`: warn once per statement text, or throw every time it runs. */
export type PortabilityMode = "warn" | "error";

/** Code polysql runs for itself (migrations, introspection): engine-specific by design, never guarded. */
const exempt = new AsyncLocalStorage<true>();

/**
 * Runs `fn` with the portability guard off, for polysql's own engine-specific SQL.
 *
 * @example await unguarded(() => db.all(db.dialect.introspection.tablesSql));
 */
export function unguarded<T>(fn: () => T): T {
  return exempt.run(true, fn);
}

const MAX_CACHED = 5_000;
/** Longer texts (generated SQL) are checked each time rather than kept. */
const MAX_TEXT = 16_384;

/**
 * The runtime guard behind `connect({ portability })`: checks each statement text once
 * (cached by text, or by a `sql` template's strings, and by how its result is read) against the
 * rules of docs/portability.md, then warns (`process.emitWarning`, type `PortabilityWarning`,
 * once per text) or throws a `PortabilityError` (every time the text runs).
 */
export class PortabilityGuard {
  /** Verdicts per kind: by text, and by a `sql` template's strings (the same array at every call). */
  private readonly byText = new Map<QueryKind, Map<string, readonly Finding[]>>();
  private readonly byTemplate = new Map<QueryKind, WeakMap<readonly string[], readonly Finding[]>>();
  private readonly warned = new WeakSet<readonly Finding[]>();
  private size = 0;

  constructor(readonly mode: PortabilityMode) {}

  /** Checks a statement before it runs: a cached verdict costs one map lookup. */
  inspect(query: string | SqlQuery, kind: QueryKind): void {
    const findings = typeof query === "string" ? this.textVerdict(query, kind) : this.templateVerdict(query, kind);
    if (findings.length === 0 || exempt.getStore()) return;
    const text = typeof query === "string" ? query : flatten(query);
    if (this.mode === "error") throw new PortabilityError(text, findings);
    if (this.warned.has(findings)) return;
    this.warned.add(findings);
    process.emitWarning(`Not portable: ${describeFindings(findings)}`, { type: "PortabilityWarning", code: "POLYSQL_PORTABILITY", detail: text });
  }

  private textVerdict(text: string, kind: QueryKind): readonly Finding[] {
    let cache = this.byText.get(kind);
    if (cache === undefined) this.byText.set(kind, (cache = new Map()));
    let findings = cache.get(text);
    if (findings === undefined) {
      findings = checkSql(text, { kind });
      if (++this.size > MAX_CACHED) {
        this.byText.clear();
        this.byText.set(kind, (cache = new Map()));
        this.size = 0;
      }
      if (text.length <= MAX_TEXT) cache.set(text, findings);
    }
    return findings;
  }

  private templateVerdict(query: SqlQuery, kind: QueryKind): readonly Finding[] {
    // Fragments and identifiers change the text from call to call: check the flattened text.
    if (query.values.some((v) => v instanceof SqlQuery || v instanceof SqlIdentifier)) return this.textVerdict(flatten(query), kind);
    let cache = this.byTemplate.get(kind);
    if (cache === undefined) this.byTemplate.set(kind, (cache = new WeakMap()));
    let findings = cache.get(query.strings);
    if (findings === undefined) cache.set(query.strings, (findings = checkSql(flatten(query), { kind })));
    return findings;
  }
}

/** A `sql` query as text: values are `?`, identifiers `_`, fragments inlined. */
function flatten(query: SqlQuery): string {
  let text = query.strings[0];
  query.values.forEach((value, i) => {
    text += (value instanceof SqlQuery ? flatten(value) : value instanceof SqlIdentifier ? "_" : "?") + query.strings[i + 1];
  });
  return text;
}
