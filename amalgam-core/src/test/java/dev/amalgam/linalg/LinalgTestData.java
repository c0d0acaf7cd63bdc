package dev.amalgam.linalg;

import java.util.SplittableRandom;

/** Seeded random matrices for the linear-algebra tests. */
final class LinalgTestData {
    private LinalgTestData() {
    }

    static DMatrix random(int m, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        DMatrix a = DMatrix.zeros(m, n);
        for (int i = 0; i < a.data().length; i++) {
            a.data()[i] = r.nextDouble(-1, 1);
        }
        return a;
    }

    /** A = Q₁·diag(σ)·Q₂ᵀ with random orthonormal Q's and the given spectrum. */
    static DMatrix withSpectrum(int m, int n, double[] sigma, long seed) {
        DMatrix q1 = Qr.orthonormalBasis(random(m, sigma.length, seed));
        DMatrix q2 = Qr.orthonormalBasis(random(n, sigma.length, seed + 1));
        return Products.mulTransB(q1.scaleColumns(sigma), q2);
    }

    /** Naive triple loop, the independent reference for the BLAS products. */
    static DMatrix naiveMul(DMatrix a, DMatrix b) {
        DMatrix c = DMatrix.zeros(a.rows(), b.cols());
        for (int i = 0; i < a.rows(); i++) {
            for (int j = 0; j < b.cols(); j++) {
                double s = 0;
                for (int p = 0; p < a.cols(); p++) {
                    s += a.get(i, p) * b.get(p, j);
                }
                c.set(i, j, s);
            }
        }
        return c;
    }

    /** max |QᵀQ − I|. */
    static double orthogonalityError(DMatrix q) {
        return Products.mulTransA(q, q).maxAbsDiff(DMatrix.identity(q.cols()));
    }
}
