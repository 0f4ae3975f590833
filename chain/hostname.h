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

/*
 * A byte a label may hold: letters, digits, '-', and '_' (underscores are
 * not in RFC 952's alphabet, yet real names carry them: _dmarc, SRV, hosts).
 * A test per byte, not strspn(), which builds a table of its accept set on
 * every call: names are checked on every lookup.
 */
static inline bool hostname_label_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* "localhost" or a name under it, any case, trailing dot or not (RFC 6761 section 6.3). */
bool hostname_is_localhost(const char *name);

#endif
