/**
 * The inner loops of merging, and the only package that imports {@code jdk.incubator.vector} (DESIGN.md
 * principle 6).
 *
 * <p>{@link dev.amalgam.kernel.Kernels#active()} returns the kernels for this JVM: SIMD ones that fall back to their
 * scalar twins until the JIT has compiled them, or the scalar reference when {@code -Damalgam.kernels=scalar} is
 * set or the Vector API is missing. Every operation gives the same bits either way (tests in
 * {@code VectorKernelsTest}, {@code CompiledVectorKernelsTest}).
 *
 * <h2>For merge methods</h2>
 * An element-wise method ({@link dev.amalgam.merge.ElementwiseMethod}) gets float32 chunks and should express its
 * arithmetic with these primitives instead of per-element loops (the loops still work; they are simply slower):
 * <ul>
 *   <li>task vectors: {@code sub(delta, x, base, n)}; recombination {@code axpy(acc, delta, w, n)} then
 *       {@code add(out, base, acc, n)} (task arithmetic, TIES/DARE after their masks);</li>
 *   <li>masks: {@code mul(out, x, mask, n)} with a 0/1 or 0/(1/p) mask (DARE rescale, TIES sign agreement);</li>
 *   <li>interpolation: {@code lerp(out, a, b, t, n)} (nearswap, slerp's near-parallel fallback) and
 *       {@code blend(out, a, wa, b, wb, n)} (slerp once sin-ratios are known);</li>
 *   <li>weighted sums: {@code weightedSum(out, xs, w, count, n)}, {@code scale}, {@code divide};</li>
 *   <li>reductions in float64: {@code dot}, {@code sumSquares}, {@code sumAbs} (norms for slerp, DARE/DELLA
 *       rescaling), each chunk's sum added by the caller in chunk order;</li>
 *   <li>methods' own steps, one operation each where no combination of the above gives the same bits:
 *       {@code keepIfHashBelow} and {@code keepIfBitSet} (DARE's and DELLA's drops), {@code agreeSum} and
 *       {@code agreeScaledSum} (TIES, SCE), {@code atLeast}, {@code fuseAbove} (arcee_fusion),
 *       {@code fisherStep}/{@code narrowRatioOr} (fisher), {@code addIfAbove}/{@code meanOrBase} (ram) and
 *       {@code countActive}/{@code ramPlusStep}/{@code narrowAddOrBase} (ramplus_tl), {@code keepLargerMagnitude}
 *       (magmax) and {@code orIfZero} (TIES's zero denominators);</li>
 *   <li>magnitude top-k: {@link dev.amalgam.merge.sparsify.MagnitudeSelection} (TIES, breadcrumbs, SCE) selects
 *       exactly k by histogram passes over the float bits, O(n), instead of sorting; its pass inside a rare
 *       threshold bucket ({@code scanBucket}) and its mask ({@code keepIfMagnitudeAtLeast}) are kernels.</li>
 * </ul>
 * Element-wise operations round each step in float32 exactly as the expression in their javadoc, so a method that
 * switches from its own loop to the kernel keeps its results when its loop had the same expression.
 */
package dev.amalgam.kernel;
