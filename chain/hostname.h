/* What counts as a host name, for names the library answers itself. */
#ifndef SOCKSCHAIN_HOSTNAME_H
#define SOCKSCHAIN_HOSTNAME_H

#include <stdbool.h>

/*
 * Whether name is a host name a resolver could be asked for: dot-separated
 * labels of 1-63 letters, digits, '-' or '_', none starting with '-', at most
 * 253 bytes, with one trailing dot allowed. Refuses "", ".", "..", "-x".
 */
bool hostname_valid(const char *name);

/* "localhost" or a name under it, any case, trailing dot or not (RFC 6761 section 6.3). */
bool hostname_is_localhost(const char *name);

#endif
