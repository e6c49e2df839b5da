#ifndef CLINUX_SHIM_H
#define CLINUX_SHIM_H

// Linux calls that Swift's Glibc module does not expose because <unistd.h> declares them only under
// _GNU_SOURCE.

/// Flushes the file system holding `fd` (glibc 2.14+); see syncfs(2).
int syncfs(int fd);

#endif
