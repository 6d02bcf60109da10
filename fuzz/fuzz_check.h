#pragma once
/// The invariant check of the fuzz targets: a broken invariant is a finding, like a crash, so it
/// aborts with the condition and its place, and libFuzzer saves the input as crash-*.
#include <cstdio>
#include <cstdlib>

#define PMX_FUZZ_CHECK(condition)                                                            \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)
