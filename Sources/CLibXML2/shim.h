#ifndef CLIBXML2_SHIM_H
#define CLIBXML2_SHIM_H

// libxml2's parser and tree API, used by ObjectStorage to read and write S3's XML documents.

#include <libxml/parser.h>
#include <libxml/tree.h>

/// Frees memory that libxml2 allocated for the caller (xmlDocDumpMemory's buffer). `xmlFree` is a global
/// function pointer variable, which Swift 6 refuses to read as a mutable global; this reads it in C.
static inline void cxml_free(void *_Nullable memory) {
    xmlFree(memory);
}

#endif
