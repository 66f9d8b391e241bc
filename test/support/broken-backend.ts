// A deliberately broken backend, written by following docs/plugins.md ("Wrapping an
// existing backend") with nothing but polysql's public API. It wraps SQLite and gets
// two things wrong: every engine error maps to "unknown", and booleans come back as 0/1.
// Its driver predates rowMode (it asks SQLite for objects only), so it also loses positions.
import type { Row } from "../../src/index.js";
import { backendByName, type BackendDefinition, type DriverConnection, type DriverResult } from "../../src/dialects/index.js";

const sqlite = backendByName("sqlite")!;

function booleansAsNumbers(row: Row): Row {
  for (const key of Object.keys(row)) if (typeof row[key] === "boolean") row[key] = row[key] ? 1 : 0;
  return row;
}

function breakConnection(conn: DriverConnection): DriverConnection {
  return {
    async query(sql, values) {
      const result = (await conn.query(sql, values)) as DriverResult;
      result.rows.forEach(booleansAsNumbers);
      return result;
    },
    async *stream(sql, values, options) {
      for await (const row of conn.stream(sql, values, { batchSize: options.batchSize })) yield booleansAsNumbers(row as Row);
    },
    reset: () => conn.reset(),
    close: () => conn.close(),
    onError: (handler) => conn.onError(handler),
  };
}

/** SQLite with a broken error map and a broken boolean decoder, under `broken:`. */
export const brokenBackend: BackendDefinition<object> = {
  ...sqlite,
  name: "broken",
  schemes: ["broken"],
  version: "0.0.1",
  parseUrl: (url) => sqlite.parseUrl(url.replace(/^broken:/, "sqlite:")),
  dialect: { ...sqlite.dialect, name: "broken", mapError: (err) => (sqlite.dialect.mapError(err) ? { code: "unknown" } : undefined) },
  connect: async (config, values) => breakConnection(await sqlite.connect(config, values)),
};

export default brokenBackend;
