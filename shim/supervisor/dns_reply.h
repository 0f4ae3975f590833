/*
 * Answers to a program's unconnected UDP socket come from the address it
 * sent its query to. musl's resolver (and others) send from an unconnected
 * socket and drop any reply whose source is not a nameserver they asked:
 * the stub's own address would be dropped, so the stub answers such a
 * socket from port 53 of that nameserver's address instead.
 *
 * This takes a socket bound to port 53 (on a loopback address of its own,
 * the source address then set per datagram), so privileges (or a low
 * ip_unprivileged_port_start); and the nameserver's address must be one of
 * this machine's, unless IP_TRANSPARENT is allowed too. Without them such
 * lookups fail, closed, as before.
 */
#ifndef SOCKSCHAIN_SUPERVISOR_DNS_REPLY_H
#define SOCKSCHAIN_SUPERVISOR_DNS_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Makes the port 53 socket, once; false when it cannot be had. */
bool dns_reply_open(void);

/*
 * The unconnected socket fd (the supervisor's copy) is about to send a query
 * to dest (an IPv4 address, or IPv4-mapped): remembers, by fd's local port
 * (bound now when it has none, as the kernel would), where its answers must
 * come from. Nothing when fd is connected or dest is IPv6.
 */
void dns_reply_expect(int fd, const struct sockaddr *dest, socklen_t dest_len);

/* Sends the stub's answer to peer from where peer's query went; false when peer expects none. */
bool dns_reply_send(const void *answer, size_t len, const struct sockaddr *peer,
		    socklen_t peer_len);

#endif
