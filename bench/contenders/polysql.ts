import type { Database } from "../../src/database.js";
import { check } from "../lib/measure.js";
import { polysqlModule } from "../lib/polysql-src.js";
import { SQL, URLS, type BulkRow, type Client, type Engine, type OpenOptions, type Row } from "../lib/types.js";

type WithInsertMany = Database & { insertMany?: (table: string, rows: readonly object[]) => Promise<number> };

/**
 * polysql itself, through its public API only. Variants of the observability scenario ("obs"):
 * `polysql:hook` with an `onQuery` hook (counting statements), `polysql:otel` with OpenTelemetry's
 * SDK exporting spans and metrics to memory (bench/lib/otel-sdk.ts); each checks at close that
 * every lookup was observed.
 */
export async function openPolysql(engine: Engine, options: OpenOptions): Promise<Client> {
  const url = engine === "sqlite" ? `sqlite:${URLS.sqlite}` : URLS[engine];
  const { connect } = await polysqlModule<typeof import("../../src/connect.js")>("connect.js");
  let hooked = 0;
  let lookups = 0;
  const otel = options.variant === "otel" ? (await import("../lib/otel-sdk.js")).inMemoryOtel() : undefined;
  const observability =
    options.variant === "hook"
      ? { onQuery: () => void hooked++ }
      : otel !== undefined
        ? { telemetry: { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider } }
        : {};
  const db: WithInsertMany = await connect({ url, pool: { max: options.pool, min: options.pool }, ...observability });
  const close = async () => {
    await db.close();
    if (options.variant === "hook") check(hooked >= lookups, `onQuery heard ${hooked} statements for ${lookups} lookups`);
    if (otel !== undefined) {
      const seen = await otel.finish();
      check(seen.spans >= lookups && seen.durations >= lookups, `${seen.spans} spans and ${seen.durations} durations for ${lookups} lookups`);
    }
  };
  const client: Client = {
    lookup: (id) => (lookups++, db.one(SQL.lookup.named, { id })),
    wide: () => db.all(SQL.wide),
    transfer: (id) =>
      db.transaction(async (tx) => {
        await tx.one(SQL.balance.named, { id });
        await tx.execute(SQL.credit.named, { id });
      }),
    stream: async (onRow: (row: Row) => void) => {
      for await (const row of db.stream<Row>(SQL.stream)) onRow(row);
    },
    close,
  };
  if (options.variant === "query") client.wideArrays = async () => (await db.query(SQL.wide)).rows;
  if (typeof db.insertMany === "function") {
    client.insertBulk = async (rows: BulkRow[]) => {
      const count = await db.insertMany!("bench_bulk", rows);
      if (count !== rows.length) throw new Error(`insertMany reported ${count} rows, expected ${rows.length}`);
    };
  }
  return client;
}

/** True when this polysql build has `db.insertMany` (scenario 5 is skipped otherwise). */
export async function polysqlHasInsertMany(): Promise<boolean> {
  const { Database: DatabaseClass } = await polysqlModule<typeof import("../../src/database.js")>("database.js");
  return typeof (DatabaseClass.prototype as { insertMany?: unknown }).insertMany === "function";
}
