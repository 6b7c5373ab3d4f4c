/**
 * The balanced-sum helper of the generated matmul loops, in a module of its own so that the jit of
 * `@cotangent/autodiff` (through `@cotangent/tensor/internal`) generates sums in exactly the kernels' order.
 * @module
 */
/**
 * A balanced sum of the terms (shorter dependency chains than a left fold), as source text. Shared with the jit
 * through `@cotangent/tensor/internal`.
 */
export const sumTree = (terms: readonly string[]): string => {
  let t = terms
  while (t.length > 1) {
    const next: string[] = []
    for (let q = 0; q < t.length; q += 2) next.push(q + 1 < t.length ? `(${t[q]!} + ${t[q + 1]!})` : t[q]!)
    t = next
  }
  return t[0]!
}
