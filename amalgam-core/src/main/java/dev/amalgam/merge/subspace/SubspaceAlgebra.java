package dev.amalgam.merge.subspace;

import dev.amalgam.linalg.DMatrix;
import dev.amalgam.linalg.Polar;
import dev.amalgam.linalg.Products;
import dev.amalgam.linalg.SvdResult;
import java.util.List;

/** The two steps TSV-M and Iso-CTS share: concatenating per-task factors and re-orthogonalizing them. */
public final class SubspaceAlgebra {
    private SubspaceAlgebra() {
    }

    /** Û = [U₁ | … | U_T], σ̂ = [σ₁; …; σ_T], V̂ = [V₁ | … | V_T] (spec §1.1 step 3; the block order is free). */
    public static SvdResult concat(List<SvdResult> blocks) {
        int m = blocks.get(0).u().rows();
        int n = blocks.get(0).v().rows();
        int total = blocks.stream().mapToInt(SvdResult::rank).sum();
        DMatrix u = DMatrix.zeros(m, total);
        DMatrix v = DMatrix.zeros(n, total);
        double[] s = new double[total];
        int at = 0;
        for (SvdResult b : blocks) {
            u.setColumns(at, b.u());
            v.setColumns(at, b.v());
            System.arraycopy(b.s(), 0, s, at, b.rank());
            at += b.rank();
        }
        return new SvdResult(u, s, v);
    }

    /**
     * polar(Û)·diag(σ)·polar(V̂)ᵀ. The reference zero-pads Û to m×r and takes the SVD; the zero columns contribute
     * nothing, so working with the non-zero columns gives the same result (spec §1.1 pitfalls). Flipping the sign
     * of a pair (uᵢ, vᵢ) leaves the result unchanged: polar(Û·D) = polar(Û)·D for diagonal ±1 D.
     */
    public static DMatrix orthogonalizedProduct(SvdResult concatenated, double[] sigma) {
        DMatrix up = Polar.of(concatenated.u());
        DMatrix vp = Polar.of(concatenated.v());
        return Products.mulTransB(up.scaleColumns(sigma), vp);
    }

    public static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return v.length == 0 ? 0.0 : s / v.length;
    }
}
