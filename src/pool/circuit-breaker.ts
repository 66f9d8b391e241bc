import { PoolError } from "../errors.js";

/** Circuit breaker settings. */
export interface BreakerOptions {
  /** Consecutive connection failures that open the circuit. 0 disables it. Default 5. */
  threshold: number;
  /** How long the circuit stays open before one probe is let through. Default 1,000 ms. */
  cooldownMs: number;
}

export const BREAKER_DEFAULTS: BreakerOptions = { threshold: 5, cooldownMs: 1_000 };

/**
 * Opens after `threshold` consecutive connection failures; while open every call
 * fails at once with `circuit_open`, touching no network. After `cooldownMs` one
 * probe is let through: success closes the circuit, failure opens it again.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = -Infinity;
  private probing = false;
  /** Held open by the health monitor: no probe goes through until `release()`. */
  held = false;
  state: "closed" | "open" | "half-open" = "closed";

  constructor(private readonly options: BreakerOptions) {}

  /** Throws `circuit_open` unless a call may go ahead now. Returns true when this call is the probe. */
  admit(): boolean {
    if (this.state === "closed" || this.options.threshold === 0) return false;
    const waited = performance.now() - this.openedAt;
    // Half-open without a probe running: the last probe ended without a verdict (e.g. a statement error).
    if (this.held) throw new PoolError("circuit_open", "The circuit is open: the last background health check failed; it closes when one succeeds");
    if (((this.state === "open" && waited >= this.options.cooldownMs) || this.state === "half-open") && !this.probing) {
      this.state = "half-open";
      this.probing = true;
      return true;
    }
    const retryIn = Math.max(0, Math.ceil(this.options.cooldownMs - waited));
    throw new PoolError(
      "circuit_open",
      `The circuit is open after ${this.failures} consecutive connection failures; ${this.probing ? "a probe is running" : `retrying in ${retryIn} ms`}`,
    );
  }

  /** Opens the circuit until `release()` (the health monitor found the database unhealthy); a no-op when the breaker is off. */
  hold(): void {
    if (this.options.threshold === 0) return;
    this.held = true;
    this.probing = false;
    this.state = "open";
    this.openedAt = performance.now();
  }

  /** Ends a `hold()`: a health check succeeded, the circuit closes. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    this.success();
  }

  /** Records a working connection: closes the circuit (unless the health monitor holds it open). */
  success(): void {
    if (this.held) return;
    this.failures = 0;
    this.probing = false;
    this.state = "closed";
  }

  /** Records a connection failure. */
  failure(): void {
    this.failures++;
    this.probing = false;
    if (this.options.threshold > 0 && (this.state === "half-open" || this.failures >= this.options.threshold)) {
      this.state = "open";
      this.openedAt = performance.now();
    }
  }

  /** A probe that ended without telling (e.g. a non-connection error) frees the slot for the next one. */
  settle(probe: boolean): void {
    if (probe && this.state === "half-open") this.probing = false;
  }
}
