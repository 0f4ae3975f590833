/* The fake address map: one address per name, and a full map reusing idle names' addresses. */
#define _GNU_SOURCE
#include "../../chain/fakemap.h"
#include "check.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct fake_map *map;
static struct cidr range;
static struct fake_use use = { &range, 1000, 5000 };

static void fresh_map(const char *cidr, int64_t reuse_after_ms)
{
	if (map)
		munmap(map, fake_map_size());
	map = mmap(NULL, fake_map_size(), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(map != MAP_FAILED);
	CHECK(cidr_parse(cidr, &range) == 0);
	use.reuse_after_ms = reuse_after_ms;
	use.now_ms = 5000;
}

static uint32_t last_octets(const struct netaddr *a)
{
	return (uint32_t)a->addr[2] << 8 | a->addr[3];
}

/* The name behind addr, or "" for none. */
static const char *name_of(const struct netaddr *addr)
{
	static char name[FAKE_NAME_MAX + 1];

	if (!fake_map_name(map, &use, addr, name))
		name[0] = '\0';
	return name;
}

static int assign(const char *name, struct netaddr *addr)
{
	return fake_map_assign(map, &use, name, addr);
}

static void one_address_per_name(void)
{
	struct netaddr a, b, c;

	fresh_map("10.99.0.0/24", 1000);
	CHECK(assign("one.test", &a) == 0 && last_octets(&a) == 1);
	CHECK(assign("two.test", &b) == 0 && last_octets(&b) == 2);
	CHECK(assign("ONE.Test", &c) == 0 && memcmp(&a, &c, sizeof(a)) == 0);
	CHECK(strcmp(name_of(&a), "one.test") == 0 && strcmp(name_of(&b), "two.test") == 0);
	c.addr[3] = 3;	/* handed out to no name */
	CHECK(strcmp(name_of(&c), "") == 0);
	CHECK(assign("bad name", &c) == -EINVAL && assign("", &c) == -EINVAL);
}

/* A full map: refused while every name is in use; then the idle ones' addresses are reused. */
static void full_map_reuses_idle_names(void)
{
	struct netaddr a, kept, old;
	char name[32];
	int i;

	fresh_map("10.99.0.0/24", 1000);	/* 254 addresses */
	for (i = 0; i < 254; i++) {
		snprintf(name, sizeof(name), "n%d.test", i);
		CHECK(assign(name, &a) == 0);
	}
	CHECK(assign("late.test", &a) == -ENOSPC);
	CHECK(fake_map_full_news(map) && !fake_map_full_news(map));	/* said once */
	use.now_ms += 999;
	CHECK(assign("late.test", &a) == -ENOSPC);	/* nothing idle for a whole second yet */
	CHECK(assign("n0.test", &old) == 0);	/* in use again: kept */
	CHECK(assign("n1.test", &kept) == 0);
	use.now_ms += 1;
	CHECK(strcmp(name_of(&kept), "n1.test") == 0);	/* connected to: kept too */
	CHECK(assign("late.test", &a) == 0);
	CHECK(last_octets(&a) == 3);	/* n2's, the first idle one */
	CHECK(strcmp(name_of(&a), "late.test") == 0);
	CHECK(strcmp(name_of(&old), "n0.test") == 0 && strcmp(name_of(&kept), "n1.test") == 0);
	/* n2 lost its address; asked again, it takes the next idle one */
	CHECK(assign("n2.test", &a) == 0 && last_octets(&a) == 4);
	CHECK(strcmp(name_of(&a), "n2.test") == 0);
	CHECK(assign("late.test", &a) == 0 && last_octets(&a) == 3);	/* still its own */
	fresh_map("10.99.0.0/30", 1000);	/* 2 addresses: the news is said again */
	CHECK(assign("a.test", &a) == 0 && assign("b.test", &a) == 0);
	CHECK(assign("c.test", &a) == -ENOSPC && fake_map_full_news(map));
	use.now_ms += 1000;
	CHECK(assign("c.test", &a) == 0 && assign("d.test", &a) == 0);
	CHECK(assign("e.test", &a) == -ENOSPC && fake_map_full_news(map));
}

/* Far more names than the map holds, each resolved and connected to in turn. */
static void a_hundred_thousand_names(void)
{
	struct netaddr a;
	char name[32];
	int i, failed = 0;

	fresh_map("240.0.0.0/4", 1);
	for (i = 0; i < 100000; i++) {
		snprintf(name, sizeof(name), "h%d.example", i);
		use.now_ms++;
		if (assign(name, &a) != 0 || strcmp(name_of(&a), name) != 0)
			failed++;
	}
	CHECK(failed == 0);
	CHECK(strcmp(name_of(&a), "h99999.example") == 0);
	CHECK(a.addr[0] == 240 && last_octets(&a) <= FAKE_MAP_CAPACITY);
}

/*
 * Readers that keep using their names, while writers fill the map and
 * reuse idle addresses: a reader's name keeps its address, and no lookup
 * ever gives a torn name.
 */
enum { READERS = 3, WRITERS = 2, RUN_MS = 2500, SLOW_MS = 30000, REUSE_MS = 500 };
static atomic_bool stop;
static atomic_int bad, assigned;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool well_formed(const char *name)
{
	unsigned n;
	char tail;

	return sscanf(name, "w%u.test%c", &n, &tail) == 1 || sscanf(name, "r%u.test%c", &n, &tail) == 1;
}

static void *reader(void *arg)
{
	struct fake_use u = { &range, REUSE_MS, 0 };
	char name[32], back[FAKE_NAME_MAX + 1];
	struct netaddr a, other;
	int64_t next_ms = 0;
	bool held = false, ok;
	unsigned n = 0;

	snprintf(name, sizeof(name), "r%d.test", (int)(intptr_t)arg);
	while (!atomic_load(&stop)) {
		int64_t last_ms = u.now_ms;

		u.now_ms = now_ms();
		/*
		 * A reader the scheduler kept off the CPU for the reuse time has let
		 * its name go idle: losing its address then is right, not a fault.
		 */
		if (last_ms && u.now_ms - last_ms >= REUSE_MS / 2)
			held = false;
		/* Until it holds one, a full map of the writers' fresh names has no room. */
		if (!held) {
			held = fake_map_assign(map, &u, name, &a) == 0;
			continue;
		}
		ok = fake_map_assign(map, &u, name, &a) == 0 && fake_map_name(map, &u, &a, back) &&
		     strcmp(back, name) == 0;
		if (now_ms() - u.now_ms >= REUSE_MS / 2)
			held = false;	/* kept waiting inside the calls: as above */
		else if (!ok)
			atomic_fetch_add(&bad, 1);
		/* now and then another name (looking them all up would keep them all) */
		other = a;
		other.addr[3] = (uint8_t)n;
		if (u.now_ms >= next_ms) {
			if (fake_map_name(map, &u, &other, back) && !well_formed(back))
				atomic_fetch_add(&bad, 1);
			next_ms = u.now_ms + 20;
			n++;
		}
	}
	return NULL;
}

static void *writer(void *arg)
{
	struct fake_use u = { &range, REUSE_MS, 0 };
	char name[32], back[FAKE_NAME_MAX + 1];
	struct netaddr a;
	unsigned n = 0;

	while (!atomic_load(&stop)) {
		snprintf(name, sizeof(name), "w%u.test", (unsigned)(intptr_t)arg * 100000000u + n++);
		u.now_ms = now_ms();
		if (fake_map_assign(map, &u, name, &a) != 0)
			continue;
		/* A writer kept off the CPU for the reuse time may lose its name too. */
		if ((!fake_map_name(map, &u, &a, back) || strcmp(back, name) != 0) &&
		    now_ms() - u.now_ms < REUSE_MS / 2)
			atomic_fetch_add(&bad, 1);
		atomic_fetch_add(&assigned, 1);
	}
	return NULL;
}

static void readers_never_see_a_reused_entry(void)
{
	pthread_t t[READERS + WRITERS];
	struct timespec pause = { RUN_MS / 1000, RUN_MS % 1000 * 1000000L };
	struct timespec tick = { 0, 100 * 1000000L };
	int i;

	fresh_map("10.99.0.0/24", REUSE_MS);
	for (i = 0; i < READERS + WRITERS; i++)
		CHECK(pthread_create(&t[i], NULL, i < READERS ? reader : writer,
				     (void *)(intptr_t)i) == 0);
	nanosleep(&pause, NULL);
	/* A slow machine (valgrind) gets longer to reach reuse, never a weaker check. */
	for (i = 0; i < SLOW_MS / 100 && atomic_load(&assigned) <= 2 * 254; i++)
		nanosleep(&tick, NULL);
	atomic_store(&stop, true);
	for (i = 0; i < READERS + WRITERS; i++)
		pthread_join(t[i], NULL);
	CHECK(atomic_load(&bad) == 0);
	CHECK(atomic_load(&assigned) > 2 * 254);	/* the writers did get reused addresses */
}

#define SHARERS 8
#define SHARED_NAMES 50

/* Child i: the names in its own order, each name's last octet written to got[name]. */
static void share_names(int i, int start, uint32_t *got)
{
	struct netaddr a;
	char name[32], go;
	int k, n;

	if (read(start, &go, 1) != 0)	/* all at once: when the parent closes the pipe */
		_exit(2);
	for (k = 0; k < SHARED_NAMES; k++) {
		n = (k + i * 7) % SHARED_NAMES;
		snprintf(name, sizeof(name), "n%d.test", n);
		if (assign(name, &a) != 0)
			_exit(1);
		got[i * SHARED_NAMES + n] = last_octets(&a);
	}
	_exit(0);
}

/* A map nobody wrote yet, shared by processes that all give out names at once: one lock. */
static void processes_set_up_one_lock(void)
{
	uint32_t *got, seen[SHARED_NAMES + 1] = { 0 };
	int start[2], i, n, status, ok = 0;
	pid_t pid[SHARERS];

	fresh_map("10.99.0.0/24", 1000);
	got = mmap(NULL, sizeof(*got) * SHARERS * SHARED_NAMES, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(got != MAP_FAILED && pipe(start) == 0);
	for (i = 0; i < SHARERS; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			close(start[1]);
			share_names(i, start[0], got);
		}
	}
	close(start[0]);
	close(start[1]);
	for (i = 0; i < SHARERS; i++)
		ok += pid[i] > 0 && waitpid(pid[i], &status, 0) == pid[i] && WIFEXITED(status) &&
		      WEXITSTATUS(status) == 0;
	CHECK(ok == SHARERS);
	for (n = 0; n < SHARED_NAMES; n++) {
		for (i = 1; i < SHARERS; i++)
			CHECK(got[i * SHARED_NAMES + n] == got[n]);	/* one address per name */
		CHECK(got[n] >= 1 && got[n] <= SHARED_NAMES && !seen[got[n]]++);
	}
	munmap(got, sizeof(*got) * SHARERS * SHARED_NAMES);
}

int main(void)
{
	RUN(one_address_per_name);
	RUN(full_map_reuses_idle_names);
	RUN(a_hundred_thousand_names);
	RUN(readers_never_see_a_reused_entry);
	RUN(processes_set_up_one_lock);
	return check_done();
}
