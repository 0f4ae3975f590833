/* Text from outside (a spec, a proxy's reply, an argument) made safe to show on a terminal. */
#ifndef SOCKSCHAIN_PRINTABLE_H
#define SOCKSCHAIN_PRINTABLE_H

#include <stddef.h>

/*
 * Copies len bytes of in to out (cap >= 4 bytes, NUL-terminated), every byte
 * outside printable ASCII shown as '?' (a terminal would obey ESC, and C1
 * controls, as commands). Longer than fits: cut, ending in "...". out may be
 * in itself. Returns the length written.
 */
size_t printable_copy(char *out, size_t cap, const char *in, size_t len);

#endif
