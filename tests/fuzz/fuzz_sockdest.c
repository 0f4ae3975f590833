/*
 * The kernel's destination, judged from any bytes: sockdest_judge() reads
 * no byte past the length it is given (the address is an exact-size heap
 * copy), and a destination it finds is IPv4 or IPv6, never the unspecified
 * address, with the port the bytes hold.
 *
 * Input: byte 0 picks the socket (bit 0: AF_INET6, else AF_INET; bits 1-2:
 * SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET) and the call (bit 3:
 * a send, else connect). The rest is the address, its length the rest's.
 */
#define _GNU_SOURCE
#include "../../chain/sockdest.h"
#include "fuzz.h"

#include <arpa/inet.h>
#include <string.h>

static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t zero[16];
	struct netaddr dest;
	uint8_t *addr;
	size_t len;
	int rc;

	if (size == 0 || size - 1 > sizeof(struct sockaddr_storage))
		return 0;
	len = size - 1;
	addr = malloc(len ? len : 1);
	FUZZ_CHECK(addr);
	memcpy(addr, data + 1, len);
	rc = sockdest_judge(data[0] & 1 ? AF_INET6 : AF_INET, types[data[0] >> 1 & 3],
			    data[0] & 8 ? SOCKDEST_SEND : SOCKDEST_CONNECT,
			    (const struct sockaddr *)addr, (socklen_t)len, &dest);
	FUZZ_CHECK(rc == 0 || rc == 1);
	if (rc == 1) {
		FUZZ_CHECK(dest.family == AF_INET || dest.family == AF_INET6);
		FUZZ_CHECK(memcmp(dest.addr, zero, dest.family == AF_INET ? 4 : 16) != 0);
		FUZZ_CHECK(len >= 4 && dest.port == (addr[2] << 8 | addr[3]));
	}
	free(addr);
	return 0;
}
