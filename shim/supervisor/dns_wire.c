#define _GNU_SOURCE
#include "dns_wire.h"

#include <string.h>

/*
 *   0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |                      ID                       |
 *  |QR|   Opcode  |AA|TC|RD|RA|   Z    |   RCODE   |
 *  |                    QDCOUNT                    |
 *  |            ANCOUNT, NSCOUNT, ARCOUNT          |
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 */
#define FLAG_QR 0x80	/* in byte 2 */
#define FLAG_AA 0x04
#define FLAG_RD 0x01
#define FLAG_RA 0x80	/* in byte 3 */
#define OPCODE_MASK 0x78
#define LABEL_MAX 63
#define ANSWER_TTL 60
#define NAME_POINTER_TO_QUESTION 0xc00c	/* the question's name, right after the header */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint8_t *put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

/* A label byte a host name may hold; anything else makes no name of ours. */
static int host_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

int dns_parse_query(const uint8_t *msg, size_t len, struct dns_question *q)
{
	size_t pos = DNS_HEADER_LEN, out = 0;

	if (len < DNS_HEADER_LEN || (msg[2] & FLAG_QR) || (msg[2] & OPCODE_MASK) ||
	    get16(msg + 4) == 0)
		return -1;
	while (pos < len && msg[pos] != 0) {
		size_t n = msg[pos++];

		if (n > LABEL_MAX || pos + n > len || out + n + 1 > DNS_NAME_MAX)
			return -1;	/* compression pointers too: a question has none */
		if (out)
			q->name[out++] = '.';
		for (; n > 0; n--, pos++) {
			if (!host_char(msg[pos]))
				return -1;
			q->name[out++] = (char)msg[pos];
		}
	}
	if (pos + 5 > len || out == 0)
		return -1;
	q->name[out] = '\0';
	q->type = get16(msg + pos + 1);
	q->qclass = get16(msg + pos + 3);
	q->end = pos + 5;
	return 0;
}

size_t dns_build_answer(const uint8_t *msg, const struct dns_question *q, int rcode,
			const uint8_t *addr, size_t addr_len, uint8_t *out, size_t cap)
{
	int answers = addr_len == 4 || addr_len == 16;
	size_t len = q->end + (answers ? 12 + addr_len : 0);
	uint8_t *p;

	if (len > cap)
		return 0;
	memcpy(out, msg, q->end);	/* the ID and the question as asked */
	out[2] = (uint8_t)(FLAG_QR | FLAG_AA | (msg[2] & FLAG_RD));
	out[3] = (uint8_t)(FLAG_RA | (rcode & 0x0f));
	p = put16(out + 4, 1);
	p = put16(p, (unsigned)answers);
	p = put16(p, 0);
	put16(p, 0);
	if (!answers)
		return len;
	p = put16(out + q->end, NAME_POINTER_TO_QUESTION);
	p = put16(p, q->type);
	p = put16(p, DNS_CLASS_IN);
	p = put16(p, 0);
	p = put16(p, ANSWER_TTL);
	p = put16(p, (unsigned)addr_len);
	memcpy(p, addr, addr_len);
	return len;
}
