#ifndef CLINUX_SHIM_H
#define CLINUX_SHIM_H

// Linux calls that Swift's Glibc module does not expose: <unistd.h> declares syncfs only under _GNU_SOURCE,
// and <malloc.h> is not part of the module.

#include <malloc.h>

/// Flushes the file system holding `fd` (glibc 2.14+); see syncfs(2).
int syncfs(int fd);

#endif
