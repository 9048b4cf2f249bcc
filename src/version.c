/* version.c - build identity; the Makefile passes the version and the commit id. */
#include "version.h"

#ifndef CONNECTD_VERSION
#define CONNECTD_VERSION "0.0.0"
#endif
#ifndef CONNECTD_COMMIT
#define CONNECTD_COMMIT "unknown"
#endif

const char *connectd_version(void) { return CONNECTD_VERSION; }
const char *connectd_commit(void) { return CONNECTD_COMMIT; }
