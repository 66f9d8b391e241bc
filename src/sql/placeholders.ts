import type { SqlSyntax } from "./syntax.js";

/** How a driver wants its bound values marked: `$1, $2` (`dollar`) or `?` (`question`). */
export type PlaceholderStyle = SqlSyntax["placeholders"];

/**
 * Placeholder number `n` (1-based) in the given style. The one place `$n` and
 * `?` are spelled: the compiler, the tag and the CRUD helpers all call it.
 *
 * @example placeholder("dollar", 3) // "$3"; placeholder("question", 3) // "?"
 */
export function placeholder(style: PlaceholderStyle, n: number): string {
  return style === "dollar" ? `$${n}` : "?";
}
