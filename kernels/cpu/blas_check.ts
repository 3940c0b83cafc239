/**
 * The load-time check of a BLAS library: a few small GEMMs (odd shapes, every
 * transpose combination, f32 and f64) against a plain TypeScript triple loop.
 * Some OpenBLAS builds compute wrong results with some kernels on some CPUs;
 * a library that fails here is refused before nugrad trusts it.
 *
 * @example
 * ```ts
 * import { checkGemm } from "./blas_check.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * // A "library" that forgets to transpose B is caught.
 * const wrong = checkGemm(({ a, b, c, m, n, k, transA }) => {
 *   for (let i = 0; i < m; i++) {
 *     for (let j = 0; j < n; j++) {
 *       let s = 0;
 *       for (let p = 0; p < k; p++) s += a[transA ? p * m + i : i * k + p] * b[p * n + j];
 *       c[i * n + j] = s;
 *     }
 *   }
 * });
 * assertEquals(wrong?.startsWith("sgemm 3x5x7 transA=false transB=true"), true);
 * ```
 *
 * @module
 */

/** A row-major GEMM call: `C[m,n] = op(A) op(B)`, with `C` overwritten. */
export interface GemmArgs<T extends Float32Array | Float64Array> {
  /** `A` viewed at the first element of this matrix (`[m,k]`, or `[k,m]` with `transA`). */
  a: T;
  /** `B` viewed at the first element of this matrix (`[k,n]`, or `[n,k]` with `transB`). */
  b: T;
  /** `C` viewed at the first element of the `[m,n]` output. */
  c: T;
  /** Rows of the output. */
  m: number;
  /** Columns of the output. */
  n: number;
  /** The inner (summed) dimension. */
  k: number;
  /** `A` is stored `[k, m]`. */
  transA: boolean;
  /** `B` is stored `[n, k]`. */
  transB: boolean;
}

/** A GEMM in f32 or f64 (chosen by the array type). */
export type GemmFn = <T extends Float32Array | Float64Array>(args: GemmArgs<T>) => void;

/** A row-major product's operands for {@linkcode referenceGemm}: any numeric arrays. */
export interface ReferenceGemmArgs {
  /** `[m,k]`, or `[k,m]` with `transA`. */
  a: ArrayLike<number>;
  /** `[k,n]`, or `[n,k]` with `transB`. */
  b: ArrayLike<number>;
  /** The `[m,n]` output, overwritten. */
  c: { [i: number]: number };
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
}

/**
 * `C = op(A) op(B)` as a plain triple loop, summed in f64: the reference the checks compare
 * against, and the f64 product where no library is open.
 *
 * @example
 * ```ts
 * import { referenceGemm } from "./blas_check.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * const c = new Float64Array(1);
 * referenceGemm({ a: [1, 2], b: [3, 4], c, m: 1, n: 1, k: 2, transA: false, transB: false });
 * assertEquals(c[0], 11);
 * ```
 */
export function referenceGemm({ a, b, c, m, n, k, transA, transB }: ReferenceGemmArgs): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        s += a[transA ? p * m + i : i * k + p] * b[transB ? j * k + p : p * n + j];
      }
      c[i * n + j] = s;
    }
  }
}

/** `[m, n, k]` of the checked products: below, at and past typical micro-kernel tiles. */
const SHAPES: readonly [number, number, number][] = [[3, 5, 7], [17, 13, 33], [37, 21, 71]];

function fill<T extends Float32Array | Float64Array>(out: T, seed: number): T {
  for (let i = 0; i < out.length; i++) out[i] = Math.sin(i * 0.7311 + seed) * 0.9 + 0.05;
  return out;
}

/**
 * Run the check with `gemm`; `null` when every product agrees, else a message
 * naming the first wrong product (routine, shape, flags, element, values).
 *
 * @example
 * ```ts
 * import { checkGemm } from "./blas_check.ts";
 * import { assertEquals } from "../../testing/assert.ts";
 * assertEquals(checkGemm(() => {}), "sgemm 3x5x7 transA=false transB=false: element [0,0] is 12345, the reference " +
 *   "0.135233863216647");
 * ```
 */
export function checkGemm(gemm: GemmFn): string | null {
  for (const f64 of [false, true]) {
    const make = (len: number) => f64 ? new Float64Array(len) : new Float32Array(len);
    const routine = f64 ? "dgemm" : "sgemm";
    for (const [m, n, k] of SHAPES) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const a = fill(make(m * k), m), b = fill(make(k * n), n);
          const c = make(m * n).fill(12345);
          const what = `${routine} ${m}x${n}x${k} transA=${transA} transB=${transB}`;
          try {
            gemm({ a, b, c, m, n, k, transA, transB });
          } catch (e) {
            return `${what} threw ${e instanceof Error ? e.message : e}`;
          }
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              let s = 0, abs = 0;
              for (let p = 0; p < k; p++) {
                const x = a[transA ? p * m + i : i * k + p] * b[transB ? j * k + p : p * n + j];
                s += x;
                abs += Math.abs(x);
              }
              const got = c[i * n + j];
              const tol = (f64 ? 1e-12 : 4e-5) * abs + 1e-30;
              if (!(Math.abs(got - s) <= tol)) {
                return `${what}: element [${i},${j}] is ${got}, the reference ${s}`;
              }
            }
          }
        }
      }
    }
  }
  return null;
}
