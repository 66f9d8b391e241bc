import type { PortableType } from "../dialects/index.js";
import { json } from "../index.js";
import type { ConformanceCheck } from "./conformance-check.js";
import { expectCode, expectEqual } from "./expect.js";
import { createTable } from "./fixtures.js";

const area = "values";
const instant = new Date("2024-03-10T06:30:15.123Z");

/** Each portable type with the values it must round-trip: what is bound, and what must come back. */
const TABLE: { type: PortableType; args?: string; cases: [input: unknown, output: unknown][] }[] = [
  {
    type: "INTEGER",
    cases: [
      [2147483647, 2147483647],
      [-42, -42],
      [0, 0],
    ],
  },
  {
    type: "BIGINT",
    cases: [
      [9007199254740991, 9007199254740991],
      [-9007199254740991, -9007199254740991],
      [10n, 10],
    ],
  },
  {
    type: "DECIMAL",
    args: "(12,2)",
    cases: [
      ["12345.67", "12345.67"],
      ["0.10", "0.10"],
      ["-3.5", "-3.50"],
      [7, "7.00"],
    ],
  },
  {
    type: "BOOLEAN",
    cases: [
      [true, true],
      [false, false],
    ],
  },
  {
    type: "TEXT",
    cases: [
      ["héllo wörld 🎉👩‍👩‍👧 日本語", "héllo wörld 🎉👩‍👩‍👧 日本語"],
      ["", ""],
      ["line\nbreak\ttab", "line\nbreak\ttab"],
    ],
  },
  {
    type: "VARCHAR",
    args: "(40)",
    cases: [
      ["quote ' and \\ backslash", "quote ' and \\ backslash"],
      ["  padded  ", "  padded  "],
    ],
  },
  {
    type: "JSON",
    cases: [
      [
        { a: 1, nested: { list: [1, "two", null, true] }, emoji: "🎉" },
        { a: 1, nested: { list: [1, "two", null, true] }, emoji: "🎉" },
      ],
      [
        [1, 2, 3],
        [1, 2, 3],
      ],
      [json("just a string"), "just a string"],
      [json(42.5), 42.5],
    ],
  },
  { type: "UUID", cases: [["5F0C6D4E-8B1A-4C2D-9E3F-0A1B2C3D4E5F", "5f0c6d4e-8b1a-4c2d-9e3f-0a1b2c3d4e5f"]] },
  {
    type: "TIMESTAMP",
    cases: [
      [instant, instant],
      [new Date("1999-12-31T23:59:59.999Z"), new Date("1999-12-31T23:59:59.999Z")],
    ],
  },
  {
    type: "DATE",
    cases: [
      ["2024-02-29", "2024-02-29"],
      ["1970-01-01", "1970-01-01"],
    ],
  },
  {
    type: "BYTES",
    cases: [
      [Buffer.from([0, 1, 2, 255, 254, 0]), Buffer.from([0, 1, 2, 255, 254, 0])],
      [new Uint8Array([7, 8, 9]), Buffer.from([7, 8, 9])],
    ],
  },
];

function roundTrip(entry: (typeof TABLE)[number]): ConformanceCheck {
  return {
    area,
    name: `${entry.type} values round-trip unchanged, and NULL stays NULL`,
    async run(ctx) {
      const t = await createTable(ctx, `v_${entry.type.toLowerCase()}`, `id ${ctx.type("INTEGER")} PRIMARY KEY, v ${ctx.type(entry.type)}${entry.args ?? ""}`);
      const cases: [unknown, unknown][] = [...entry.cases, [null, null]];
      for (const [i, [input]] of cases.entries()) await ctx.db.execute(`INSERT INTO ${t} (id, v) VALUES (:id, :v)`, { id: i + 1, v: input });
      const rows = await ctx.db.all<{ id: number; v: unknown }>(`SELECT id, v FROM ${t} ORDER BY id`);
      for (const [i, [input, output]] of cases.entries()) {
        expectEqual(rows[i]?.v, output, `${entry.type} ${describeInput(input)} read back`);
      }
      const [firstIn, firstOut] = cases[0];
      expectEqual(await ctx.db.value(`SELECT v FROM ${t} WHERE id = :id`, { id: 1 }), firstOut, `${entry.type} ${describeInput(firstIn)} through value()`);
    },
  };
}

function describeInput(value: unknown): string {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `${value.constructor.name}[${value.length}]`;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return `${value}n`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** The values table: every portable type round-trips the same on every engine. */
export const VALUE_CHECKS: ConformanceCheck[] = [
  ...TABLE.map(roundTrip),
  {
    area,
    name: "SERIAL keys are generated, increasing, and returned by insert()",
    async run(ctx) {
      const t = await createTable(ctx, "serial", `id ${ctx.type("SERIAL")}, name ${ctx.type("VARCHAR")}(20)`);
      const first = await ctx.db.insert(t, { name: "a" });
      const second = await ctx.db.insert(t, { name: "b" });
      expectEqual(typeof first, "number", "the type of insert()'s key");
      expectEqual(Number(second) > Number(first), true, `the second key (${String(second)}) is greater than the first (${String(first)})`);
      expectEqual(await ctx.db.value(`SELECT name FROM ${t} WHERE id = :id`, { id: second }), "b", "the row under the returned key");
    },
  },
  {
    area,
    name: "BIGINT beyond 2^53 is an error as a number, exact as bigint or string",
    async run(ctx) {
      const t = await createTable(ctx, "bigint", `id ${ctx.type("INTEGER")} PRIMARY KEY, v ${ctx.type("BIGINT")}`);
      await ctx.db.execute(`INSERT INTO ${t} (id, v) VALUES (1, :v)`, { v: 9007199254740993n });
      await expectCode(ctx.db.value(`SELECT v FROM ${t}`), "data_exception", "reading 2^53 + 1 as a number");
      await ctx.withDatabase({ bigint: "bigint" }, async (db) =>
        expectEqual(await db.value(`SELECT v FROM ${t}`), 9007199254740993n, "reading 2^53 + 1 as a bigint"),
      );
      await ctx.withDatabase({ bigint: "string" }, async (db) =>
        expectEqual(await db.value(`SELECT v FROM ${t}`), "9007199254740993", "reading 2^53 + 1 as a string"),
      );
    },
  },
];
