/*
 * resolve CALL ARGS...: calls one resolver function the way programs do and
 * prints what it returned, for the DNS suites to check under the library.
 *
 *   getaddrinfo NAME|- [SERVICE|-] [unspec|inet|inet6|unix|nohints] [FLAG...]
 *       FLAG: passive canonname numerichost addrconfig v4mapped numericserv
 *       prints "family addr port socktype" a line, and "canon NAME"; or "EAI_..."
 *   gethostbyname NAME | gethostbyname2 NAME 4|6 | gethostbyname_r NAME [BUFLEN]
 *   gethostbyaddr ADDR | gethostbyaddr_r ADDR
 *       prints "name NAME" and "addr ADDR" lines; or "h_errno N" / "errno NAME"
 *   getnameinfo ADDR PORT [FLAG...]
 *       FLAG: namereqd numerichost numericserv nohost noserv hostlen=N servlen=N
 *       prints "host HOST serv SERV" ("-" for a NULL buffer); or "EAI_..."
 *   getnameinfo-of NAME PORT [FLAG...]: the same, on the address NAME resolves to
 *   reverse NAME: resolves NAME, then in the same process looks its address up
 *       with gethostbyaddr, gethostbyaddr_r and getnameinfo (plain and numeric)
 *   getaddrinfo_a wait|nowait|thread|signal NAME...: one request per NAME (AF_INET,
 *       stream); nowait waits with gai_suspend, thread and signal for their
 *       notification; prints "NAME ADDR" or "NAME EAI_...", then "notified" if told
 *   rcmd|rexec|ruserok NAME: calls it; prints "ok N" or "refused errno=NAME"
 *   gethostid: prints "hostid HEX"
 *   getnetbyname NAME: prints "net NAME HEX" or "none"
 *   res_query|res_search|res_querydomain|res_send NAME (and their res_n* forms)
 *       prints "len N" or "refused h_errno=N errno=NAME"
 *   threads N NAME...: N threads each getaddrinfo every NAME; prints "NAME ADDR" once
 *       per distinct pair, so a consistent map prints each name once
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <resolv.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const struct {
	int code;
	const char *name;
} eai_names[] = {
	{ EAI_BADFLAGS, "EAI_BADFLAGS" }, { EAI_NONAME, "EAI_NONAME" },
	{ EAI_AGAIN, "EAI_AGAIN" },	  { EAI_FAIL, "EAI_FAIL" },
	{ EAI_FAMILY, "EAI_FAMILY" },	  { EAI_SOCKTYPE, "EAI_SOCKTYPE" },
	{ EAI_SERVICE, "EAI_SERVICE" },	  { EAI_MEMORY, "EAI_MEMORY" },
	{ EAI_SYSTEM, "EAI_SYSTEM" },	  { EAI_OVERFLOW, "EAI_OVERFLOW" },
	{ EAI_NODATA, "EAI_NODATA" },	  { EAI_ADDRFAMILY, "EAI_ADDRFAMILY" },
};

static int print_eai(int rc)
{
	size_t i;

	for (i = 0; i < sizeof(eai_names) / sizeof(eai_names[0]); i++)
		if (eai_names[i].code == rc) {
			printf("%s\n", eai_names[i].name);
			return 1;
		}
	printf("EAI_UNKNOWN %d\n", rc);
	return 1;
}

static void print_sockaddr(const struct sockaddr *sa)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ip, sizeof(ip));
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
		printf("inet %s %d", ip, port);
	} else if (sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, ip, sizeof(ip));
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
		printf("inet6 %s %d", ip, port);
	} else {
		printf("family%d", sa->sa_family);
	}
}

static int parse_hints(int argc, char **argv, struct addrinfo *hints)
{
	static const struct {
		const char *word;
		int flag;
	} flags[] = {
		{ "passive", AI_PASSIVE },	   { "canonname", AI_CANONNAME },
		{ "numerichost", AI_NUMERICHOST }, { "addrconfig", AI_ADDRCONFIG },
		{ "v4mapped", AI_V4MAPPED },	   { "numericserv", AI_NUMERICSERV },
	};
	int i;
	size_t f;

	memset(hints, 0, sizeof(*hints));
	if (argc > 0 && strcmp(argv[0], "nohints") == 0)
		return 0;
	if (argc > 0)
		hints->ai_family = strcmp(argv[0], "inet") == 0 ? AF_INET
				   : strcmp(argv[0], "inet6") == 0 ? AF_INET6
				   : strcmp(argv[0], "unix") == 0 ? AF_UNIX : AF_UNSPEC;
	for (i = 1; i < argc; i++)
		for (f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
			if (strcmp(argv[i], flags[f].word) == 0)
				hints->ai_flags |= flags[f].flag;
	return 1;
}

static int do_getaddrinfo(int argc, char **argv)
{
	const char *node = argc > 0 && strcmp(argv[0], "-") ? argv[0] : NULL;
	const char *service = argc > 1 && strcmp(argv[1], "-") ? argv[1] : NULL;
	struct addrinfo hints, *res, *ai;
	int use_hints = parse_hints(argc - 2, argv + 2, &hints);
	int rc = getaddrinfo(node, service, use_hints ? &hints : NULL, &res);

	if (rc != 0)
		return print_eai(rc);
	if (res->ai_canonname)
		printf("canon %s\n", res->ai_canonname);
	for (ai = res; ai; ai = ai->ai_next) {
		print_sockaddr(ai->ai_addr);
		printf(" %d\n", ai->ai_socktype);
	}
	freeaddrinfo(res);
	return 0;
}

static int print_hostent(const struct hostent *he)
{
	char ip[INET6_ADDRSTRLEN];
	char **a;

	if (!he) {
		printf("h_errno %d\n", h_errno);
		return 1;
	}
	printf("name %s\n", he->h_name);
	for (a = he->h_addr_list; *a; a++)
		printf("addr %s\n", inet_ntop(he->h_addrtype, *a, ip, sizeof(ip)));
	return 0;
}

static int do_gethostbyname_r(const char *name, size_t buflen)
{
	struct hostent he, *result = NULL;
	char *buf = malloc(buflen);
	int herr = 0, rc = gethostbyname_r(name, &he, buf, buflen, &result, &herr);

	if (rc != 0 || !result) {
		printf("errno %s h_errno %d\n", rc ? strerrorname_np(rc) : "0", herr);
		free(buf);
		return 1;
	}
	rc = print_hostent(result);
	free(buf);
	return rc;
}

/* An address for the reverse calls: family and bytes from text. */
static int parse_addr(const char *text, struct sockaddr_storage *ss, int port)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		return sizeof(*in4);
	}
	if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		return sizeof(*in6);
	}
	return 0;
}

static int do_gethostbyaddr(const char *text, int reentrant)
{
	struct sockaddr_storage ss;
	struct hostent he, *result = NULL;
	char buf[1024];
	int herr = 0, rc, len = parse_addr(text, &ss, 0);
	const void *bytes = ss.ss_family == AF_INET
		? (const void *)&((struct sockaddr_in *)&ss)->sin_addr
		: (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr;
	socklen_t blen = ss.ss_family == AF_INET ? 4 : 16;

	if (!len)
		return 2;
	if (!reentrant)
		return print_hostent(gethostbyaddr(bytes, blen, ss.ss_family));
	rc = gethostbyaddr_r(bytes, blen, ss.ss_family, &he, buf, sizeof(buf), &result, &herr);
	if (rc != 0 || !result) {
		printf("h_errno %d\n", herr);
		return 1;
	}
	return print_hostent(result);
}

/* FLAG: namereqd numerichost numericserv (NI_*), nohost noserv (NULL buffers), hostlen=N servlen=N. */
static int do_getnameinfo(int argc, char **argv)
{
	struct sockaddr_storage ss;
	char host[300], serv[64];
	socklen_t hostlen = sizeof(host), servlen = sizeof(serv);
	int flags = 0, len = parse_addr(argv[0], &ss, argc > 1 ? atoi(argv[1]) : 0), rc, i;
	bool nohost = false, noserv = false;

	if (!len)
		return 2;
	for (i = 2; i < argc; i++) {
		flags |= strcmp(argv[i], "namereqd") == 0 ? NI_NAMEREQD
			 : strcmp(argv[i], "numerichost") == 0 ? NI_NUMERICHOST
			 : strcmp(argv[i], "numericserv") == 0 ? NI_NUMERICSERV : 0;
		nohost = nohost || strcmp(argv[i], "nohost") == 0;
		noserv = noserv || strcmp(argv[i], "noserv") == 0;
		if (strncmp(argv[i], "hostlen=", 8) == 0)
			hostlen = (socklen_t)atoi(argv[i] + 8);
		if (strncmp(argv[i], "servlen=", 8) == 0)
			servlen = (socklen_t)atoi(argv[i] + 8);
	}
	rc = getnameinfo((struct sockaddr *)&ss, (socklen_t)len, nohost ? NULL : host,
			 nohost ? 0 : hostlen, noserv ? NULL : serv, noserv ? 0 : servlen, flags);
	if (rc != 0)
		return print_eai(rc);
	printf("host %s serv %s\n", nohost ? "-" : host, noserv ? "-" : serv);
	return 0;
}

/* getnameinfo ARGS... on the fake address NAME gets, in this process. */
static int do_getnameinfo_of(const char *name, int argc, char **argv)
{
	struct hostent *he = gethostbyname(name);
	char ip[INET_ADDRSTRLEN], *args[16] = { ip };
	int i;

	if (!he)
		return print_hostent(he);
	inet_ntop(AF_INET, he->h_addr_list[0], ip, sizeof(ip));
	for (i = 0; i < argc && i < 15; i++)
		args[i + 1] = argv[i];
	return do_getnameinfo(i + 1, args);
}

/* The reverse calls on the address NAME got, in this process (the map is per process). */
static int do_reverse(const char *name)
{
	struct hostent *he = gethostbyname(name);
	char ip[INET_ADDRSTRLEN], *args[3] = { ip, "80", "numerichost" };
	int rc = 0;

	if (!he)
		return print_hostent(he);
	inet_ntop(AF_INET, he->h_addr_list[0], ip, sizeof(ip));
	printf("addr %s\n", ip);
	fputs("gethostbyaddr ", stdout);
	rc |= do_gethostbyaddr(ip, 0);
	fputs("gethostbyaddr_r ", stdout);
	rc |= do_gethostbyaddr(ip, 1);
	fputs("getnameinfo ", stdout);
	rc |= do_getnameinfo(2, args);
	fputs("getnameinfo numerichost ", stdout);
	rc |= do_getnameinfo(3, args);
	return rc;
}

/* CALL: res_query res_search res_querydomain res_send, or their res_n* forms. */
static int do_res_query(const char *call, const char *name)
{
	unsigned char answer[512], query[512];
	struct __res_state state = { 0 };
	int n, qlen;
	bool nform = strncmp(call, "res_n", 5) == 0;
	const char *base = call + (nform ? 5 : 4);

	if (nform && res_ninit(&state) < 0)
		return 2;
	qlen = res_mkquery(QUERY, name, 1 /* IN */, 1 /* A */, NULL, 0, NULL, query, sizeof(query));
	errno = 0;
	if (strcmp(base, "query") == 0)
		n = nform ? res_nquery(&state, name, 1, 1, answer, sizeof(answer))
			  : res_query(name, 1, 1, answer, sizeof(answer));
	else if (strcmp(base, "search") == 0)
		n = nform ? res_nsearch(&state, name, 1, 1, answer, sizeof(answer))
			  : res_search(name, 1, 1, answer, sizeof(answer));
	else if (strcmp(base, "querydomain") == 0)
		n = nform ? res_nquerydomain(&state, name, "test", 1, 1, answer, sizeof(answer))
			  : res_querydomain(name, "test", 1, 1, answer, sizeof(answer));
	else if (strcmp(base, "send") == 0 && qlen > 0)
		n = nform ? res_nsend(&state, query, qlen, answer, sizeof(answer))
			  : res_send(query, qlen, answer, sizeof(answer));
	else
		return 2;
	if (nform)
		res_nclose(&state);
	if (n < 0) {
		printf("refused h_errno=%d errno=%s\n", h_errno, errno ? strerrorname_np(errno) : "0");
		return 1;
	}
	printf("len %d\n", n);
	return 0;
}

static sem_t notified;

static void on_notify(union sigval value)
{
	(void)value;
	sem_post(&notified);
}

static void on_signal(int signo)
{
	(void)signo;
	sem_post(&notified);
}

static int do_getaddrinfo_a(const char *mode, int count, char **names)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
	struct gaicb *reqs = calloc((size_t)count, sizeof(*reqs));
	struct gaicb **list = calloc((size_t)count, sizeof(*list));
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	struct timespec deadline;
	char ip[INET_ADDRSTRLEN];
	int i, rc, told = 0;

	sem_init(&notified, 0, 0);
	if (strcmp(mode, "thread") == 0) {
		sev.sigev_notify = SIGEV_THREAD;
		sev.sigev_notify_function = on_notify;
	} else if (strcmp(mode, "signal") == 0) {
		signal(SIGUSR1, on_signal);
		sev.sigev_notify = SIGEV_SIGNAL;
		sev.sigev_signo = SIGUSR1;
	}
	for (i = 0; i < count; i++) {
		reqs[i] = (struct gaicb){ .ar_name = names[i], .ar_service = "80", .ar_request = &hints };
		list[i] = &reqs[i];
	}
	rc = getaddrinfo_a(strcmp(mode, "wait") == 0 ? GAI_WAIT : GAI_NOWAIT, list, count, &sev);
	if (rc != 0)
		return print_eai(rc);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 5;
	if (sev.sigev_notify != SIGEV_NONE)
		while ((told = sem_timedwait(&notified, &deadline) == 0) == 0 && errno == EINTR)
			;
	for (i = 0; i < count; i++) {
		const struct gaicb *one[1] = { list[i] };
		struct timespec five = { 5, 0 };

		while (gai_error(list[i]) == EAI_INPROGRESS && gai_suspend(one, 1, &five) != 0)
			;
		rc = gai_error(list[i]);
		printf("%s ", names[i]);
		if (rc != 0) {
			print_eai(rc);
			continue;
		}
		inet_ntop(AF_INET, &((struct sockaddr_in *)list[i]->ar_result->ai_addr)->sin_addr, ip,
			  sizeof(ip));
		printf("%s%s\n", ip, gai_cancel(list[i]) == EAI_ALLDONE ? "" : " not-done");
		freeaddrinfo(list[i]->ar_result);
	}
	if (told)
		printf("notified\n");
	free(reqs);
	free(list);
	return 0;
}

static int print_refusal(const char *call, int rc)
{
	if (rc >= 0) {
		printf("%s ok %d\n", call, rc);
		return 0;
	}
	printf("%s refused errno=%s\n", call, errno ? strerrorname_np(errno) : "0");
	return 1;
}

/* The r-commands: each would resolve NAME and (but ruserok) connect by itself. */
static int do_rcommand(const char *call, const char *name)
{
	char *host = (char *)name;
	int fd2 = -1;

	errno = 0;
	if (strcmp(call, "rcmd") == 0)
		return print_refusal(call, rcmd(&host, htons(514), "root", "root", "true", NULL));
	if (strcmp(call, "rcmd_af") == 0)
		return print_refusal(call, rcmd_af(&host, htons(514), "root", "root", "true", NULL,
						   AF_UNSPEC));
	if (strcmp(call, "rexec") == 0)
		return print_refusal(call, rexec(&host, htons(512), "user", "pass", "true", &fd2));
	if (strcmp(call, "rexec_af") == 0)
		return print_refusal(call, rexec_af(&host, htons(512), "user", "pass", "true", &fd2,
						    AF_UNSPEC));
	return print_refusal(call, ruserok(name, 0, "user", "user"));
}

/* One thread's work: resolve every name, note each address. */
struct resolver_thread {
	pthread_t id;
	char **names;
	int count;
	char (*seen)[INET6_ADDRSTRLEN];
};

static void *resolve_all(void *arg)
{
	struct resolver_thread *t = arg;
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res;
	int i;

	for (i = 0; i < t->count; i++) {
		if (getaddrinfo(t->names[i], "80", &hints, &res) != 0) {
			strcpy(t->seen[i], "fail");
			continue;
		}
		inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, t->seen[i],
			  INET6_ADDRSTRLEN);
		freeaddrinfo(res);
	}
	return NULL;
}

static int do_threads(int nthreads, int count, char **names)
{
	struct resolver_thread *t = calloc((size_t)nthreads, sizeof(*t));
	char (*seen)[INET6_ADDRSTRLEN] = calloc((size_t)(nthreads * count), INET6_ADDRSTRLEN);
	int i, k, rc = 0;

	for (i = 0; i < nthreads; i++) {
		t[i] = (struct resolver_thread){ .names = names, .count = count,
						 .seen = seen + i * count };
		pthread_create(&t[i].id, NULL, resolve_all, &t[i]);
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(t[i].id, NULL);
	for (k = 0; k < count; k++) {
		bool same = strcmp(seen[k], "fail") != 0;

		for (i = 1; i < nthreads; i++)
			same = same && strcmp(seen[k], seen[i * count + k]) == 0;
		printf("%s %s%s\n", names[k], seen[k], same ? "" : " INCONSISTENT");
		rc |= !same;
	}
	free(t);
	free(seen);
	return rc;
}

int main(int argc, char **argv)
{
	const char *call = argc > 1 ? argv[1] : "";

	if (strcmp(call, "getaddrinfo") == 0 && argc > 2)
		return do_getaddrinfo(argc - 2, argv + 2);
	if (strcmp(call, "gethostbyname") == 0 && argc > 2)
		return print_hostent(gethostbyname(argv[2]));
	if (strcmp(call, "gethostbyname2") == 0 && argc > 3)
		return print_hostent(gethostbyname2(argv[2], argv[3][0] == '6' ? AF_INET6 : AF_INET));
	if (strcmp(call, "gethostbyname_r") == 0 && argc > 2)
		return do_gethostbyname_r(argv[2], argc > 3 ? (size_t)atoi(argv[3]) : 1024);
	if (strcmp(call, "gethostbyaddr") == 0 && argc > 2)
		return do_gethostbyaddr(argv[2], 0);
	if (strcmp(call, "gethostbyaddr_r") == 0 && argc > 2)
		return do_gethostbyaddr(argv[2], 1);
	if (strcmp(call, "getnameinfo") == 0 && argc > 2)
		return do_getnameinfo(argc - 2, argv + 2);
	if (strcmp(call, "getnameinfo-of") == 0 && argc > 3)
		return do_getnameinfo_of(argv[2], argc - 3, argv + 3);
	if (strcmp(call, "reverse") == 0 && argc > 2)
		return do_reverse(argv[2]);
	if (strcmp(call, "getaddrinfo_a") == 0 && argc > 3)
		return do_getaddrinfo_a(argv[2], argc - 3, argv + 3);
	if ((strcmp(call, "rcmd") == 0 || strcmp(call, "rcmd_af") == 0 || strcmp(call, "rexec") == 0 ||
	     strcmp(call, "rexec_af") == 0 || strcmp(call, "ruserok") == 0) && argc > 2)
		return do_rcommand(call, argv[2]);
	if (strcmp(call, "getnetbyname") == 0 && argc > 2) {
		struct netent *ne = getnetbyname(argv[2]);

		printf(ne ? "net %s %x\n" : "none\n", ne ? ne->n_name : "", ne ? ne->n_net : 0);
		return !ne;
	}
	if (strcmp(call, "gethostid") == 0) {
		printf("hostid %lx\n", gethostid());
		return 0;
	}
	if (strncmp(call, "res_", 4) == 0 && argc > 2)
		return do_res_query(call, argv[2]);
	if (strcmp(call, "threads") == 0 && argc > 3)
		return do_threads(atoi(argv[2]), argc - 3, argv + 3);
	fprintf(stderr, "usage: resolve getaddrinfo|gethostbyname|gethostbyname2|gethostbyname_r|"
			"gethostbyaddr|gethostbyaddr_r|getnameinfo|res_query|threads ARGS...\n");
	return 2;
}
