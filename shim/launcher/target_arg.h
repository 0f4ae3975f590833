/* HOST[:PORT] on the launcher's command line: a name or an address, IPv6 in brackets. */
#ifndef SOCKSCHAIN_TARGET_ARG_H
#define SOCKSCHAIN_TARGET_ARG_H

#include "../../chain/endpoint.h"

/* Parses text into ep (name points into name_buf); the port defaults to 80. 0 or -EINVAL. */
int target_arg_parse(const char *text, struct endpoint *ep, char name_buf[256]);

#endif
