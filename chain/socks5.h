/* SOCKS5 (RFC 1928) with username/password (RFC 1929): messages built and judged without sockets. */
#ifndef SOCKSCHAIN_SOCKS5_H
#define SOCKSCHAIN_SOCKS5_H

#include "endpoint.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SOCKS5_GREETING_MAX 4
#define SOCKS5_CHOICE_LEN 2
#define SOCKS5_AUTH_MAX (3 + 255 + 255)
#define SOCKS5_AUTH_REPLY_LEN 2
#define SOCKS5_REQUEST_MAX (4 + 1 + 255 + 2)
/* The reply's first bytes: VER REP RSV ATYP and the first address byte. */
#define SOCKS5_REPLY_HEAD_LEN 5
#define SOCKS5_REPLY_MAX (4 + 1 + 255 + 2)

enum {
	SOCKS5_METHOD_NONE = 0x00,
	SOCKS5_METHOD_PASSWORD = 0x02,
	SOCKS5_METHOD_UNACCEPTABLE = 0xff,
};

/* The methods a greeting offers, as a set. */
#define SOCKS5_OFFER_NONE (1u << 0)
#define SOCKS5_OFFER_PASSWORD (1u << 1)

/* The greeting, offering the methods in offer (one or both). Returns its length. */
int socks5_build_greeting(uint8_t *buf, size_t cap, unsigned offer);

/*
 * Judges the server's method choice against what was offered. Returns the
 * method, or -EACCES (none acceptable) / -EPROTO (not SOCKS5, or a method
 * we did not offer) with *why set.
 */
int socks5_check_choice(const uint8_t choice[SOCKS5_CHOICE_LEN], unsigned offer,
			const char **why);

/* RFC 1929 request. Returns its length, or -ENAMETOOLONG / -EINVAL (empty user). */
int socks5_build_auth(uint8_t *buf, size_t cap, const char *user, const char *password);

/* Returns 0 when the credentials were accepted, else -EACCES / -EPROTO with *why. */
int socks5_check_auth(const uint8_t reply[SOCKS5_AUTH_REPLY_LEN], const char **why);

/* CONNECT request for dest (IPv4, IPv6 or domain). Returns its length or a negative errno. */
int socks5_build_connect(uint8_t *buf, size_t cap, const struct endpoint *dest);

/*
 * From the reply's first SOCKS5_REPLY_HEAD_LEN bytes: its whole length, so
 * that exactly that many bytes are read. Returns -EPROTO for an unknown
 * address type or a version that is not 5.
 */
int socks5_reply_length(const uint8_t head[SOCKS5_REPLY_HEAD_LEN], const char **why);

/* Judges REP: 0 when succeeded, else the errno of the table in the README, with *why. */
int socks5_check_reply(const uint8_t head[SOCKS5_REPLY_HEAD_LEN], const char **why);

#endif
