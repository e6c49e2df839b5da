#ifndef CLINUX_SHIM_H
#define CLINUX_SHIM_H

// Linux calls that Swift's Glibc module does not expose: <unistd.h> declares syncfs and pipe2, and <pthread.h>
// pthread_setname_np, only under _GNU_SOURCE, and <malloc.h> and <sys/vfs.h> (statfs) are not part of the module.

#include <malloc.h>
#include <pthread.h>
#include <sys/vfs.h>

/// Flushes the file system holding `fd` (glibc 2.14+); see syncfs(2).
int syncfs(int fd);

/// Creates a pipe whose two descriptors get `flags` (O_CLOEXEC) atomically; see pipe2(2).
int pipe2(int pipefd[2], int flags);

/// Names thread `thread` (at most 15 bytes) for ps, top and debuggers; see pthread_setname_np(3).
int pthread_setname_np(pthread_t thread, const char *name);

#endif
