#ifndef CYAML_SHIM_H
#define CYAML_SHIM_H

// libyaml's parser and document API, used by ArchiverCore's configuration reader (YAMLDocument).

#include <yaml.h>

#endif
