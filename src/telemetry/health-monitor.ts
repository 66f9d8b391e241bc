/** What the monitor needs of a circuit breaker: open it until a check succeeds. */
export interface HeldBreaker {
  hold(): void;
  release(): void;
}

/** `connect({ healthCheckIntervalMs, onHealthChange })`, with what the database adds. */
export interface HealthMonitorOptions<R extends { ok: boolean }> {
  /** Time between the end of one check and the start of the next, in ms. */
  intervalMs: number;
  /** Called when the state changes, healthy → unhealthy or back, with the report of the check that saw it. */
  onChange?: (report: R) => void;
  /** One health check; never throws (`db.health()`). */
  check: () => Promise<R>;
  breaker: HeldBreaker;
}

/**
 * Runs a health check every `intervalMs` in the background: never two at once (the next is
 * scheduled when one ends), never keeping the process alive (the timer is unref'd). An unhealthy
 * result holds the circuit breaker open, so callers fail fast with `circuit_open`, until a check
 * succeeds. The database is taken as healthy at the start (`connect()` just reached it).
 */
export class HealthMonitor<R extends { ok: boolean }> {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private healthy = true;
  private warned = false;
  /** Checks run so far. */
  checks = 0;

  constructor(private readonly options: HealthMonitorOptions<R>) {
    this.schedule();
  }

  /** Stops checking; a check under way finishes without effect. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const report = await this.options.check();
    if (this.stopped) return;
    this.checks++;
    if (report.ok) this.options.breaker.release();
    else this.options.breaker.hold();
    if (report.ok !== this.healthy) {
      this.healthy = report.ok;
      try {
        this.options.onChange?.(report);
      } catch (err) {
        if (!this.warned) {
          this.warned = true;
          process.emitWarning(`The onHealthChange callback threw (reported once; monitoring goes on): ${String((err as Error)?.stack ?? err)}`, {
            code: "POLYSQL_ON_HEALTH_CHANGE",
          });
        }
      }
    }
    this.schedule();
  }
}
