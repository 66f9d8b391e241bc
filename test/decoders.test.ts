import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bigintDecoder, decodeUtcTimestamp, formatDecimal } from "../src/values/decoders.js";
import { formatUtcTimestamp } from "../src/values/encoders.js";

describe("value decoders (pure)", () => {
  it("reads zone-less timestamp text as UTC, with or without fractions, and keeps years before 100", () => {
    const cases: [string, string][] = [
      ["2024-03-10 06:30:15.123", "2024-03-10T06:30:15.123Z"],
      ["2024-01-01 00:00:00", "2024-01-01T00:00:00.000Z"],
      ["2024-01-01T00:00:00.5", "2024-01-01T00:00:00.500Z"],
      ["2024-03-10 06:30:15.123456", "2024-03-10T06:30:15.123Z"],
      ["0099-01-01 00:00:00", "0099-01-01T00:00:00.000Z"],
      ["2024-03-10T06:30:15.123Z", "2024-03-10T06:30:15.123Z"],
      ["2024-03-10 06:30:15+05:30", "2024-03-10T01:00:15.000Z"],
    ];
    for (const [text, iso] of cases) assert.equal((decodeUtcTimestamp(text) as Date).toISOString(), iso, text);
  });

  it("reads timestamp text by character codes exactly as the pattern it replaced, malformed text included", () => {
    // The reference: the regular expression decodeUtcTimestamp used before its hand-written parser.
    const pattern = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?$/;
    const reference = (text: string): string => {
      const m = pattern.exec(text);
      if (m === null) return new Date(/(?:Z|[+-]\d\d(?::?\d\d)?)$/.test(text) ? text.replace(" ", "T") : `${text.replace(" ", "T")}Z`).toString();
      const year = Number(m[1]);
      const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"));
      const date = new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms));
      if (year < 100) date.setUTCFullYear(year);
      return date.toString();
    };
    const base = "2024-02-29 23:59:59.123456789";
    const texts = ["0000-01-01 00:00:00", "9999-12-31T23:59:59.9", "2024-01-01 00:00:00.", "2024-01-01 00:00:00.1234567890", "2024-1-01 00:00:00"];
    for (let n = 19; n <= base.length; n++) texts.push(base.slice(0, n));
    // Every single-character corruption of a full timestamp: a digit, a separator, a sign, a letter, a non-ASCII digit.
    for (let i = 0; i < base.length; i++)
      for (const c of ["0", "9", "-", ":", " ", "T", ".", "+", "x", "٣"]) texts.push(base.slice(0, i) + c + base.slice(i + 1));
    for (const text of texts) assert.equal(String(decodeUtcTimestamp(text)), reference(text), text);
  });

  it("formats a Date as the UTC text SQLite and MariaDB store, and reads it back", () => {
    const d = new Date("2024-02-29T23:59:59.999Z");
    assert.equal(formatUtcTimestamp(d), "2024-02-29 23:59:59.999");
    assert.deepEqual(decodeUtcTimestamp(formatUtcTimestamp(d)), d);
  });

  it("formats timestamps exactly like toISOString over 10,000 instants across four centuries, and years outside 1000–9999", () => {
    for (let i = -5_000; i < 5_000; i++) {
      const d = new Date(i * 987_654_321 + 123);
      assert.equal(formatUtcTimestamp(d), d.toISOString().replace("T", " ").replace("Z", ""), d.toISOString());
    }
    for (const iso of ["0099-03-01T00:00:00.000Z", "2000-02-29T23:59:59.999Z", "1900-03-01T00:00:00.000Z", "+010000-01-01T00:00:00.000Z"]) {
      const d = new Date(iso);
      assert.equal(formatUtcTimestamp(d), d.toISOString().replace("T", " ").replace("Z", ""));
    }
  });

  it("pads or rounds decimals to the declared scale, half away from zero", () => {
    assert.equal(formatDecimal(12.5, 2), "12.50");
    assert.equal(formatDecimal("0.125", 2), "0.13");
    assert.equal(formatDecimal("-0.125", 2), "-0.13");
    assert.equal(formatDecimal("9.995", 2), "10.00");
    assert.equal(formatDecimal("-0.001", 2), "0.00");
    assert.equal(formatDecimal("123", 0), "123");
    assert.equal(formatDecimal("1e5", 2), "1e5", "non-decimal text is left as is");
  });

  it("64-bit integers: safe numbers pass, unsafe ones are errors in number mode", () => {
    const asNumber = bigintDecoder("number");
    assert.equal(asNumber(42n), 42);
    assert.equal(asNumber("9007199254740991"), 9007199254740991);
    assert.throws(() => asNumber("9007199254740993"), /beyond 2\^53/);
    assert.equal(bigintDecoder("bigint")("9007199254740993"), 9007199254740993n);
    assert.equal(bigintDecoder("string")(9007199254740993n), "9007199254740993");
  });
});
