/** Test helper: bytes cut into pieces at given offsets, as a network may deliver them. */

/** `bytes` cut at each of `cuts` (taken modulo its length + 1, deduplicated); empty pieces are left out. */
export function pieces(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out.filter((b) => b.length > 0);
}
