/*
 * The supervisor's own DNS server, on loopback, where the tree's port 53
 * traffic is sent: names the last hop resolves get fake addresses from the
 * one fake name map of the whole tree (shim/common/fake_names.c); no query
 * leaves the machine.
 */
#ifndef SOCKSCHAIN_SUPERVISOR_DNS_STUB_H
#define SOCKSCHAIN_SUPERVISOR_DNS_STUB_H

#include "call.h"

/* Binds UDP and TCP on 127.0.0.1, fills sv->stub_udp and stub_tcp, and serves on threads. */
int dns_stub_start(struct supervisor *sv);

#endif
