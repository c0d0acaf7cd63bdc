package dev.amalgam.lora;

import dev.amalgam.linalg.DMatrix;
import dev.amalgam.linalg.Products;
import dev.amalgam.linalg.Svd;
import dev.amalgam.linalg.SvdResult;
import dev.amalgam.linalg.TruncatedSvdOptions;

/**
 * The best rank-r approximation B·A of a dense update D (out × in), from its truncated SVD (Eckart–Young):
 * the factorization both {@code lora merge}'s SVD types and {@code lora extract} write. Reports the singular values
 * it kept, the energy they hold (Σ_{i≤r}σᵢ² / ‖D‖²_F, with ‖D‖_F computed from D itself so the fraction is right
 * even when only the top σ are known), the relative Frobenius error the singular values predict
 * (√(1 − energy)), and the error of the factors actually returned, measured as ‖D − B·A‖_F / ‖D‖_F.
 */
public final class LowRankFit {
    /** Where the singular values go. */
    public enum Split {
        /** A = diag(√σ)·Vᵀ, B = U·diag(√σ): mergekit's {@code --distribute-scale} (the default) */
        SQRT,
        /** A = diag(σ)·Vᵀ, B = U: mergekit's {@code --no-distribute-scale} */
        ON_A,
        /** A = Vᵀ, B = U·diag(σ): what PEFT's SVD combination types write */
        ON_B
    }

    /**
     * @param a            rank × in, row-major
     * @param b            out × rank, row-major
     * @param sigma        the kept singular values (descending)
     * @param energy       Σ kept σ² / ‖D‖²_F (1 for a zero D)
     * @param predictedErr √(max(0, 1 − energy))
     * @param measuredErr  ‖D − B·A‖_F / ‖D‖_F in float64 (0 for a zero D)
     */
    public record Result(int rank, float[] a, float[] b, double[] sigma, double energy, double predictedErr,
                         double measuredErr, double norm) {
    }

    private LowRankFit() {
    }

    /** The singular triplets of D for choosing a rank: the top {@code maxRank} (fewer when D is smaller). */
    public static SvdResult topSingular(DMatrix d, int maxRank, TruncatedSvdOptions options) {
        int k = Math.min(maxRank, Math.min(d.rows(), d.cols()));
        try {
            return Svd.truncated(d, k, options);
        } catch (ArithmeticException e) {
            if (options.mode() == TruncatedSvdOptions.Mode.EXACT) {
                throw e;
            }
            // the randomized SVD's QR rejects a rank-deficient sample (D of rank < k + oversample, common for
            // deltas of merged LoRA fine-tunes); the exact SVD handles it
            return Svd.truncated(d, k, options.withMode(TruncatedSvdOptions.Mode.EXACT));
        }
    }

    /** Factors D from its (truncated) SVD at {@code rank} ≤ svd.rank(). */
    public static Result factor(DMatrix d, SvdResult svd, int rank, Split split) {
        SvdResult t = svd.truncate(rank);
        int r = t.rank();
        int out = d.rows();
        int in = d.cols();
        double[] left = new double[r];
        double[] right = new double[r];
        for (int i = 0; i < r; i++) {
            double s = t.s()[i];
            switch (split) {
                case SQRT -> {
                    left[i] = Math.sqrt(s);
                    right[i] = Math.sqrt(s);
                }
                case ON_A -> {
                    left[i] = 1;
                    right[i] = s;
                }
                case ON_B -> {
                    left[i] = s;
                    right[i] = 1;
                }
            }
        }
        DMatrix bMat = t.u().copy().scaleColumns(left);                // out × r
        DMatrix aMat = t.v().copy().scaleColumns(right).transpose();   // r × in
        double norm = d.frobeniusNorm();
        double kept = 0;
        for (double s : t.s()) {
            kept += s * s;
        }
        double energy = norm == 0 ? 1 : Math.min(1, kept / (norm * norm));
        double measured = 0;
        if (norm > 0) {
            measured = r == 0 ? 1 : d.minus(Products.mul(bMat, aMat)).frobeniusNorm() / norm;
        }
        return new Result(r, r == 0 ? new float[0] : aMat.toFloats(), r == 0 ? new float[0] : bMat.toFloats(),
                t.s().clone(), energy, Math.sqrt(Math.max(0, 1 - energy)), measured, norm);
    }

    /**
     * The smallest rank whose singular values keep at least {@code energy} of ‖D‖²_F, or all of {@code sigma} when
     * they do not reach it.
     */
    public static int rankForEnergy(double[] sigma, double normSquared, double energy) {
        if (normSquared == 0) {
            return 0;
        }
        double kept = 0;
        for (int i = 0; i < sigma.length; i++) {
            kept += sigma[i] * sigma[i];
            if (kept >= energy * normSquared * (1 - 1e-12)) {
                return i + 1;
            }
        }
        return sigma.length;
    }
}
