/*
 * Hot loops are compiled twice, for AVX2 and for the baseline, and the loader picks one per machine (GCC's
 * function multi-versioning on x86-64). Elsewhere (arm64: NEON is the baseline) they are compiled once.
 */
#ifndef KERNELS_SIMD_H
#define KERNELS_SIMD_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(KERNELS_NO_CLONES)
#define TARGET_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define TARGET_CLONES
#endif

#endif
