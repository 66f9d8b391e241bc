/**
 * Parses a migration version such as `001`, `2`, `1.2` or `1_2` into numbers.
 *
 * @example versionParts("1_2") // [1, 2]
 */
export function versionParts(version: string): number[] {
  return version.split(/[._]/).map(Number);
}

/** The canonical form, so `V001` and `V1` are the same version: `"1"`, `"1.2"`. */
export function versionKey(version: string): string {
  return versionParts(version).join(".");
}

/**
 * Orders versions numerically, part by part (`2` < `10`, `1.2` < `1.10`).
 *
 * @example ["10", "2", "1.5"].sort(compareVersions) // ["1.5", "2", "10"]
 */
export function compareVersions(a: string, b: string): number {
  const x = versionParts(a);
  const y = versionParts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
