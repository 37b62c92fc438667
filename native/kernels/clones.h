// Function multiversioning for the hand-written loops: NG_CLONES compiles a function for
// x86-64-v4 (AVX-512), x86-64-v3 (AVX2) and the baseline x86-64 (SSE2), and the loader picks the
// best one the CPU runs (a glibc ifunc, resolved once), so prebuilt binaries still run on any
// x86-64. Elsewhere (musl, clang, other architectures) it is empty and the baseline builds.
// A file whose results must not depend on the CPU also turns floating-point contraction off
// (`#pragma GCC optimize("fp-contract=off")`), so no version fuses a multiply and an add.
#pragma once

#if defined(__x86_64__) && defined(__GLIBC__) && defined(__GNUC__) && !defined(__clang__)
#define NG_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define NG_HAVE_CLONES 1
#else
#define NG_CLONES
#define NG_HAVE_CLONES 0
#endif
