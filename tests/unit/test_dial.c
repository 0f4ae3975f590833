/*
 * chain_dial over a socketpair, with a scripted proxy on the other end: the
 * order of requests, exact reads, and the per-hop time budget.
 */
#define _GNU_SOURCE
#include "../../chain/deadline.h"
#include "../../chain/dial.h"
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* What the fake proxy does: answer each request with reply, byte by byte if slow. */
struct script {
	int fd;
	int requests;			/* how many requests to answer */
	uint8_t reply[16];
	size_t reply_len;
	int byte_delay_ms;		/* > 0: trickle the reply */
	const char *after;		/* tunnel bytes sent in the same write as the last reply */
	uint8_t seen[4][64];		/* the requests it read */
};

static int pretend_connected(int fd, const struct sockaddr *addr, socklen_t len)
{
	(void)fd, (void)addr, (void)len;
	return 0;
}

/* Reads one SOCKS4 request; false when the client went away instead. */
static bool read_request(int fd, uint8_t *out)
{
	uint8_t ch = 1;
	size_t n = 0;

	while (n < 8 && read(fd, out + n, 1) == 1)
		n++;
	if (n < 8)
		return false;
	while (ch != 0 && read(fd, &ch, 1) == 1)	/* the user id, to its NUL */
		if (n < 63)
			out[n++] = ch;
	return ch == 0;
}

static void *fake_proxy(void *arg)
{
	struct script *s = arg;
	uint8_t buf[64];
	size_t i;
	int r;

	for (r = 0; r < s->requests; r++) {
		if (!read_request(s->fd, s->seen[r]))
			return NULL;
		if (s->byte_delay_ms) {
			for (i = 0; i < s->reply_len; i++) {
				if (write(s->fd, s->reply + i, 1) != 1)
					return NULL;
				usleep((useconds_t)s->byte_delay_ms * 1000);
			}
			continue;
		}
		memcpy(buf, s->reply, s->reply_len);
		i = s->reply_len;
		if (s->after && r + 1 == s->requests) {
			memcpy(buf + i, s->after, strlen(s->after));
			i += strlen(s->after);
		}
		if (write(s->fd, buf, i) != (ssize_t)i)
			return NULL;
	}
	shutdown(s->fd, SHUT_WR);	/* the script is over: the client sees EOF */
	return NULL;
}

static struct chain_config cfg;
static struct spec_error err;
static struct hop_health health;

static struct dial_env env_for(void)
{
	return (struct dial_env){ .health = &health, .chain_index = 0, .seed = 1,
				  .retry_after_ms = 30000, .do_connect = pretend_connected };
}

static int dial_with(struct script *s, const char *spec, struct dial_report *rep, int *client)
{
	struct endpoint dest = { .addr = { .family = AF_INET, .addr = { 198, 18, 0, 7 }, .port = 80 } };
	int pair[2], rc;
	pthread_t t;

	if (spec_parse(spec, "test", &cfg, &err) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair) < 0)
		return -1000;
	s->fd = pair[1];
	fcntl(pair[1], F_SETFL, 0);
	pthread_create(&t, NULL, fake_proxy, s);
	struct dial_env env = env_for();

	rc = chain_dial(pair[0], AF_INET, &cfg.chains[0], &env, &dest, rep);
	shutdown(pair[0], SHUT_RDWR);
	pthread_join(t, NULL);
	close(pair[1]);
	*client = pair[0];
	return rc;
}

static const uint8_t granted[8] = { 0, 90, 0, 0, 0, 0, 0, 0 };

static void asks_each_hop_in_order(void)
{
	struct script s = { .requests = 3, .reply_len = 8 };
	struct dial_report rep;
	int fd;

	memcpy(s.reply, granted, 8);
	CHECK(dial_with(&s, "socks4://a@127.0.0.1:1 socks4://b@127.0.0.2:2 socks4://127.0.0.3:3",
			&rep, &fd) == 0);
	close(fd);
	CHECK(rep.path_len == 3 && rep.path[0] == 0 && rep.path[2] == 2);
	/* hop 1 is asked for hop 2, hop 2 for hop 3, hop 3 for the destination */
	CHECK(memcmp(s.seen[0], "\x04\x01\x00\x02\x7f\x00\x00\x02" "a", 9) == 0);
	CHECK(memcmp(s.seen[1], "\x04\x01\x00\x03\x7f\x00\x00\x03" "b", 9) == 0);
	CHECK(memcmp(s.seen[2], "\x04\x01\x00\x50\xc6\x12\x00\x07", 8) == 0);
}

static void leaves_tunnel_bytes_unread(void)
{
	struct script s = { .requests = 1, .reply_len = 8, .after = "SSH-2.0-x\r\n" };
	struct dial_report rep;
	char buf[32] = "";
	int fd;

	memcpy(s.reply, granted, 8);
	CHECK(dial_with(&s, "socks4://127.0.0.1:1", &rep, &fd) == 0);
	CHECK(read(fd, buf, sizeof(buf) - 1) == 11);
	CHECK(strcmp(buf, "SSH-2.0-x\r\n") == 0);
	close(fd);
}

static void refusal_names_the_hop(void)
{
	struct script s = { .requests = 2, .reply_len = 8 };
	struct dial_report rep;
	int fd;

	memcpy(s.reply, granted, 8);
	s.reply[1] = 91;
	CHECK(dial_with(&s, "socks4://127.0.0.1:1 socks4://127.0.0.2:2", &rep, &fd) == -ECONNREFUSED);
	close(fd);
	CHECK(rep.failed_pos == 0);
	CHECK(strstr(rep.reason, "91") != NULL);
	CHECK(strstr(rep.reason, "127.0.0.2:2") != NULL);
}

static void trickle_cannot_stretch_the_timeout(void)
{
	struct script s = { .requests = 1, .reply_len = 8, .byte_delay_ms = 150 };
	struct dial_report rep;
	int64_t start = clock_now_ms(), took;
	int fd;

	memcpy(s.reply, granted, 8);
	/* 8 bytes at 150 ms each is 1.2 s; each byte alone is well inside 0.5 s */
	CHECK(dial_with(&s, "socks4://127.0.0.1:1 timeout=0.5", &rep, &fd) == -ETIMEDOUT);
	took = clock_now_ms() - start;
	close(fd);
	CHECK(took >= 450 && took < 1100);
	CHECK(strstr(rep.reason, "in time") != NULL);
}

static void garbage_and_short_replies(void)
{
	struct script s = { .requests = 1, .reply_len = 8 };
	struct dial_report rep;
	int fd;

	memcpy(s.reply, "HTTP/1.0", 8);
	CHECK(dial_with(&s, "socks4://127.0.0.1:1", &rep, &fd) == -EPROTO);
	close(fd);
	memcpy(s.reply, granted, 8);
	s.reply_len = 5;
	CHECK(dial_with(&s, "socks4://127.0.0.1:1", &rep, &fd) == -EPROTO);
	close(fd);
	CHECK(strstr(rep.reason, "closed") != NULL);
}

static void ipv6_destination_through_socks4(void)
{
	struct endpoint dest = { .addr = { .family = AF_INET6, .port = 80 } };
	struct dial_report rep;
	int pair[2];

	CHECK(spec_parse("socks4://127.0.0.1:1", "test", &cfg, &err) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair) == 0);
	struct dial_env env = env_for();

	CHECK(chain_dial(pair[0], AF_INET6, &cfg.chains[0], &env, &dest, &rep) == -EAFNOSUPPORT);
	CHECK(strstr(rep.reason, "IPv6") != NULL);
	close(pair[0]);
	close(pair[1]);
}

/* The resolver a shim supplies, as a test double: what it was given, what it answers. */
static struct {
	int calls;
	int64_t deadline;
	int rc;
} resolver;
static struct netaddr connected_to;

static int record_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	(void)fd;
	return netaddr_from_sockaddr(addr, len, &connected_to);
}

static int fake_resolve(const struct hop *hop, int64_t deadline, struct netaddr *addr,
			char *reason, size_t cap)
{
	resolver.calls++;
	resolver.deadline = deadline;
	if (resolver.rc < 0) {
		snprintf(reason, cap, "has a name that did not resolve in time");
		return resolver.rc;
	}
	*addr = (struct netaddr){ .family = AF_INET, .addr = { 127, 0, 0, 9 }, .port = hop->port };
	return 0;
}

/* A hop 1 given by name is resolved when dialed, within the hop's deadline. */
static void hop_names_resolved_when_dialed(void)
{
	struct endpoint dest = { .addr = { .family = AF_INET, .addr = { 198, 18, 0, 7 }, .port = 80 } };
	struct dial_report rep;
	struct dial_env env = env_for();
	int pair[2];
	int64_t before = clock_now_ms();

	env.do_connect = record_connect;
	env.resolve_hop = fake_resolve;
	CHECK(spec_parse("timeout=2 socks4://proxy.test:1080", "test", &cfg, &err) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair) == 0);
	resolver.rc = -EHOSTUNREACH;
	CHECK(chain_dial(pair[0], AF_INET, &cfg.chains[0], &env, &dest, &rep) == -EHOSTUNREACH);
	CHECK(resolver.calls == 1);
	CHECK(resolver.deadline >= before + 2000 && resolver.deadline <= clock_now_ms() + 2000);
	CHECK(strstr(rep.reason, "did not resolve in time") != NULL);
	CHECK(connected_to.family == 0);	/* nothing was dialed */
	resolver.rc = 0;
	close(pair[1]);	/* no proxy: the handshake ends at once, after the connect */
	chain_dial(pair[0], AF_INET, &cfg.chains[0], &env, &dest, &rep);
	CHECK(resolver.calls == 2);	/* asked again */
	CHECK(connected_to.family == AF_INET && connected_to.addr[3] == 9 &&
	      connected_to.port == 1080);
	close(pair[0]);
}

/* Without connect_timeout, three hop timeouts; with it, what it says. */
static void connection_deadline(void)
{
	CHECK(spec_parse("socks4://127.0.0.1:1", "test", &cfg, &err) == 0);
	CHECK(chain_connect_timeout_ms(&cfg.chains[0]) == 30000);
	CHECK(spec_parse("timeout=0.5 socks4://127.0.0.1:1", "test", &cfg, &err) == 0);
	CHECK(chain_connect_timeout_ms(&cfg.chains[0]) == 1500);
	CHECK(spec_parse("timeout=5 connect_timeout=7 socks4://127.0.0.1:1", "test", &cfg, &err) == 0);
	CHECK(chain_connect_timeout_ms(&cfg.chains[0]) == 7000);
}

static int refuse_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	(void)fd, (void)addr, (void)len;
	errno = ECONNREFUSED;
	return -1;
}

/* Every hop of a dynamic chain skipped: each keeps its own reason, in order. */
static void skips_keep_their_reasons(void)
{
	char spec[2048] = "mode=dynamic";
	struct endpoint dest = { .addr = { .family = AF_INET, .addr = { 198, 18, 0, 7 }, .port = 80 } };
	struct dial_env env = env_for();
	struct dial_report rep;
	unsigned i;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	for (i = 0; i < CHAIN_MAX_HOPS; i++)
		snprintf(spec + strlen(spec), sizeof(spec) - strlen(spec), " socks4://127.0.0.%u:1",
			 i + 1);
	CHECK(spec_parse(spec, "test", &cfg, &err) == 0);
	env.do_connect = refuse_connect;
	memset(&health, 0, sizeof(health));
	CHECK(chain_dial(fd, AF_INET, &cfg.chains[0], &env, &dest, &rep) == -ECONNREFUSED);
	CHECK(rep.nskips == CHAIN_MAX_HOPS);
	for (i = 0; i < rep.nskips; i++) {
		CHECK(rep.skips[i].hop == i);
		CHECK(strcmp(rep.skips[i].reason, "connect: Connection refused") == 0);
		CHECK(i == 0 || rep.skips[i].reason > rep.skips[i - 1].reason);
	}
	memset(&health, 0, sizeof(health));
	close(fd);
}

static unsigned wrong_family_calls;

static int wrong_family_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	(void)fd, (void)len;
	if (addr->sa_family == AF_UNSPEC)	/* between tries */
		return 0;
	wrong_family_calls++;
	errno = EINVAL;
	return -1;
}

/*
 * A family guessed from the program's address, which the socket refuses:
 * one connect, no other hop tried, none marked down, the caller told.
 * Known, the same refusal is any hop's failure: the next one is tried.
 */
static void guessed_family_refused(void)
{
	struct endpoint dest = { .addr = { .family = AF_INET, .addr = { 198, 18, 0, 7 }, .port = 80 } };
	struct dial_env env = env_for();
	struct dial_report rep;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	CHECK(spec_parse("mode=dynamic socks4://127.0.0.1:1 socks4://127.0.0.2:1", "test", &cfg,
			 &err) == 0);
	env.do_connect = wrong_family_connect;
	env.family_guessed = true;
	memset(&health, 0, sizeof(health));
	wrong_family_calls = 0;
	CHECK(chain_dial(fd, AF_INET, &cfg.chains[0], &env, &dest, &rep) == -EINVAL);
	CHECK(rep.family_doubted);
	CHECK(wrong_family_calls == 1);
	CHECK(!health_is_down(&health, 0, 0, clock_now_ms()));
	env.family_guessed = false;
	wrong_family_calls = 0;
	CHECK(chain_dial(fd, AF_INET, &cfg.chains[0], &env, &dest, &rep) == -EINVAL);
	CHECK(!rep.family_doubted);
	CHECK(wrong_family_calls == 2);
	memset(&health, 0, sizeof(health));
	close(fd);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	RUN(asks_each_hop_in_order);
	RUN(leaves_tunnel_bytes_unread);
	RUN(refusal_names_the_hop);
	RUN(trickle_cannot_stretch_the_timeout);
	RUN(garbage_and_short_replies);
	RUN(ipv6_destination_through_socks4);
	RUN(hop_names_resolved_when_dialed);
	RUN(connection_deadline);
	RUN(skips_keep_their_reasons);
	RUN(guessed_family_refused);
	return check_done();
}
