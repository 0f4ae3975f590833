/*
 * DNS messages for the stub (RFC 1035 section 4): the first question of a
 * query, and an answer of at most one address record.
 */
#ifndef SOCKSCHAIN_SUPERVISOR_DNS_WIRE_H
#define SOCKSCHAIN_SUPERVISOR_DNS_WIRE_H

#include <stddef.h>
#include <stdint.h>

enum {
	DNS_TYPE_A = 1,
	DNS_TYPE_AAAA = 28,
	DNS_CLASS_IN = 1,
	DNS_RCODE_OK = 0,
	DNS_RCODE_FORMERR = 1,
	DNS_RCODE_SERVFAIL = 2,
	DNS_RCODE_NXDOMAIN = 3,
	DNS_RCODE_NOTIMP = 4,
	DNS_HEADER_LEN = 12,
	DNS_NAME_MAX = 255,
};

struct dns_question {
	char name[DNS_NAME_MAX + 1];	/* presentation form, no final dot */
	uint16_t type, qclass;
	size_t end;			/* offset just past the question */
};

/* Parses the query's first question: 0, or -1 when it is no query we can answer. */
int dns_parse_query(const uint8_t *msg, size_t len, struct dns_question *q);

/*
 * Builds the answer to the query msg: rcode, and when addr_len is 4 or 16,
 * one record of the question's type with that address. Returns the length,
 * or 0 when out is too small.
 */
size_t dns_build_answer(const uint8_t *msg, const struct dns_question *q, int rcode,
			const uint8_t *addr, size_t addr_len, uint8_t *out, size_t cap);

#endif
