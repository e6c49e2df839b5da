#ifndef FUZZ_DRIVER_H
#define FUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's entry point for programs that have their own `main` (LLVM 11+, in libclang_rt.fuzzer).
/// SwiftPM links executables with `main` renamed to `<module>_main`, so the fuzz targets start the fuzzer
/// from top-level code through this instead of using libFuzzer's own `main`.
int LLVMFuzzerRunDriver(int *_Nonnull argc, char *_Nullable *_Nullable *_Nonnull argv,
                        int (*_Nonnull callback)(const uint8_t *_Nullable data, size_t size));

#endif
