// One spelling for the host loops compiled three times, for AVX-512, AVX2 and the baseline, the
// copy chosen when the program loads (GCC's target_clones). The project compiles with
// -ffp-contract=off, so every copy rounds exactly like the baseline: a clone only changes how
// many lanes a loop takes at once, never its results.
#pragma once

#define LLIE_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
