#ifndef CSQLITE_SHIM_H
#define CSQLITE_SHIM_H

#include <sqlite3.h>

// SQLITE_TRANSIENT is a cast of -1 to a function pointer, a macro Swift cannot import. This wrapper binds text
// that SQLite copies before returning, so the Swift string's buffer need not outlive the call. It is
// `static inline` so that including this header from several modules does not produce duplicate symbols.

/// sqlite3_bind_text64 with SQLITE_TRANSIENT: `byteCount` bytes of UTF-8 at `text`, copied by SQLite.
static inline int csqlite_bind_text_transient(sqlite3_stmt *_Nonnull statement, int index,
                                              const char *_Nonnull text, sqlite3_uint64 byteCount) {
    return sqlite3_bind_text64(statement, index, text, byteCount, SQLITE_TRANSIENT, SQLITE_UTF8);
}

#endif
