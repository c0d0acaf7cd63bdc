/**
 * Dense linear algebra for the methods that need more than element-wise arithmetic (spec methods.md §0.7):
 * row-major {@link dev.amalgam.linalg.DMatrix} (float64) and {@link dev.amalgam.linalg.FMatrix} (float32),
 * BLAS products ({@link dev.amalgam.linalg.Products}, dev.ludovic.netlib), exact float64 SVD
 * ({@link dev.amalgam.linalg.Svd}, EJML), polar factor, QR, randomized truncated SVD (Halko et al. 2011),
 * symmetric eigendecomposition and Cholesky solve with jitter. Library choice and benchmark: docs and the
 * issue-6 note; EJML's product is slow, so every large product goes through BLAS.
 */
package dev.amalgam.linalg;
