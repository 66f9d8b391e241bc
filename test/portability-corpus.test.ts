import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { checkSql } from "../src/check/index.js";
import { differentialRun } from "../src/cli/differential-run.js";
import { splitStatements, translateTypes } from "../src/dialects/index.js";
import { connect, type Database } from "../src/index.js";
import { parseQueryFile, type QueryDefinition } from "../src/queries/query-file.js";
import { engines } from "./support/engines.js";

// A corpus of queries on a lending library (test/fixtures/portability-corpus): the portable ones
// must pass `polysql check` and agree on every engine in a differential run; each planted trap
// (`-- trap: rule`) must be found by the check (unless it is marked `differential`, a divergence
// only real results show) and must be reported by the differential run.
const CORPUS = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "portability-corpus");
const TABLES = ["lc13_reviews", "lc13_loans", "lc13_members", "lc13_books", "lc13_authors"];

interface CorpusQuery extends QueryDefinition {
  trap?: string;
}

function corpus(): CorpusQuery[] {
  const out: CorpusQuery[] = [];
  const dir = path.join(CORPUS, "queries");
  for (const file of readdirSync(dir).sort()) {
    const text = readFileSync(path.join(dir, file), "utf8");
    const { queries, problems } = parseQueryFile(text, file);
    assert.deepEqual(problems, [], file);
    const lines = text.split("\n");
    for (const q of queries) {
      let trap: string | undefined;
      for (let i = q.line; i < lines.length && lines[i].startsWith("--"); i++) trap = /^-- trap: (\S+)/.exec(lines[i])?.[1] ?? trap;
      out.push({ ...q, trap });
    }
  }
  return out;
}

/** The library's rows, the same on every engine. */
function data() {
  const day = (start: string, plus: number) => new Date(Date.parse(`${start}T00:00:00Z`) + plus * 86_400_000).toISOString().slice(0, 10);
  const authors = ["Achebe", "Borges", "Calvino", "Dickens", "Eliot", "Flaubert", "Gogol", "Hugo", "Ishiguro", "Joyce", "Kafka"].map((name, i) => ({
    id: i + 1,
    name,
    country: ["NG", "AR", "IT", "GB", "GB", "FR", "UA", "FR", "GB", "IE", "CZ"][i],
    born: day("1800-03-01", i * 4_099),
  }));
  const books = Array.from({ length: 40 }, (_, i) => {
    const id = i + 1;
    return {
      id,
      title: `Book ${id}`,
      author_id: (i % 10) + 1,
      published: day("1950-01-01", id * 400),
      pages: 100 + ((id * 37) % 400),
      price: `${5 + ((id * 7) % 30)}.${["99", "49", "19", "79"][id % 4]}`,
      genre: ["novel", "poetry", "essay", "drama"][id % 4],
      in_print: id % 3 !== 0,
    };
  });
  const names = [
    "Ana",
    "Ben",
    "Cleo",
    "Dora",
    "Elena",
    "Fay",
    "eve",
    "Gus",
    "Hana",
    "Ivo",
    "Jon",
    "Kai",
    "Lea",
    "Max",
    "Nia",
    "Oto",
    "Pia",
    "Quin",
    "Rex",
    "Sam",
    "Tia",
    "Uma",
    "Vic",
    "Wes",
    "Xia",
  ];
  const members = names.map((name, i) => ({
    id: i + 1,
    name,
    email: `${name.toLowerCase()}@example.org`,
    city: ["Paris", "Rome", "Oslo", "Lima", "Kyiv"][i % 5],
    joined: day("2023-01-10", i * 17),
    vip: (i + 1) % 5 === 0,
  }));
  const loans = Array.from({ length: 120 }, (_, i) => {
    const id = i + 1;
    const open = id % 6 === 0;
    return {
      id,
      book_id: ((id * 7) % 39) + 1,
      member_id: ((id * 11) % 24) + 1,
      loaned: day("2024-01-01", id * 2),
      returned: open ? null : day("2024-01-01", id * 2 + (id % 20)),
      fee: open || id % 5 === 0 ? null : `${id % 3}.${["25", "50", "75"][id % 3]}`,
    };
  });
  const reviews = Array.from({ length: 60 }, (_, i) => {
    const id = i + 1;
    return { id, book_id: ((id * 3) % 40) + 1, member_id: ((id * 5) % 25) + 1, stars: (id % 5) + 1, body: id % 4 === 0 ? null : ` Review ${id} ` };
  });
  return { lc13_authors: authors, lc13_books: books, lc13_members: members, lc13_loans: loans, lc13_reviews: reviews };
}

const queries = corpus();
const traps = queries.filter((q) => q.trap !== undefined);
const portable = queries.filter((q) => q.trap === undefined);

describe("the portability corpus (static)", () => {
  it("holds at least 100 queries, portable ones and planted traps", () => {
    assert.ok(queries.length >= 100, `${queries.length} queries`);
    assert.ok(traps.length >= 15, `${traps.length} traps`);
  });

  it("polysql check finds nothing in the portable queries", () => {
    for (const q of portable) assert.deepEqual(checkSql(q.sql, { kind: q.kind }), [], `${q.file}:${q.line} ${q.name}`);
  });

  it("polysql check finds every planted trap, by its rule", () => {
    for (const q of traps) {
      const rules = checkSql(q.sql, { kind: q.kind }).map((f) => f.rule);
      if (q.trap === "differential") assert.deepEqual(rules, [], `${q.name}: only a differential run can see it`);
      else assert.ok(rules.includes(q.trap!), `${q.name}: expected ${q.trap}, found ${rules.join(", ") || "nothing"}`);
    }
  });
});

const selected = engines();

describe("the portability corpus on SQLite, PostgreSQL and MariaDB", {
  skip: selected.length === 3 ? false : "needs all three engines (POLYSQL_ENGINES)",
}, () => {
  const dbs: Database[] = [];

  before(async () => {
    const schema = readFileSync(path.join(CORPUS, "schema.sql"), "utf8");
    const rows = data();
    for (const engine of selected) {
      const db = await connect(engine.url);
      dbs.push(db);
      for (const table of TABLES) await db.execute(`DROP TABLE IF EXISTS ${table}`);
      for (const statement of splitStatements(db.dialect.syntax, schema)) await db.execute(translateTypes(db.dialect, statement));
      for (const table of [...TABLES].reverse()) await db.insertMany(table, rows[table as keyof typeof rows]);
    }
  });
  after(async () => {
    for (const db of dbs) {
      for (const table of TABLES) await db.execute(`DROP TABLE IF EXISTS ${table}`);
      await db.close();
    }
  });

  it("a differential run reports exactly the planted traps, and every query ran", async () => {
    const report = await differentialRun(
      queries,
      selected.map((e) => e.url),
    );
    assert.deepEqual(report.skipped, []);
    assert.equal(report.ran, queries.length);
    const differing = report.differences.map((d) => d.query).sort();
    const unexpected = report.differences
      .filter((d) => !traps.some((t) => t.name === d.query))
      .map((d) => `${d.file}:${d.line} ${d.query}: ${d.results.map((r) => `${r.database} ${JSON.stringify(r.result)}`).join(" | ")}`);
    assert.deepEqual(unexpected, [], "portable queries that differ");
    assert.deepEqual(differing, traps.map((t) => t.name).sort(), "every trap differs");
  });
});
