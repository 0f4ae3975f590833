#define _GNU_SOURCE
#include "epoll_note.h"

#include "async_state.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/* One descriptor's registration: epfd + 1 (0: none), and what it asked for. */
struct epoll_note {
	int epfd1;
	uint32_t events;
	uint64_t data;
};

/* The table, made by the first caller; a racing second one frees its own. */
static struct epoll_note *notes_made(void)
{
	struct epoll_note *t = __atomic_load_n(&async.notes, __ATOMIC_ACQUIRE), *none = NULL;
	int saved = errno;

	if (t)
		return t;
	t = calloc(MARK_FDS, sizeof(*t));	/* untouched pages cost nothing */
	errno = saved;
	if (t && !__atomic_compare_exchange_n(&async.notes, &none, t, false, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE)) {
		free(t);
		t = none;
	}
	return t;
}

void epoll_note(int epfd, int op, int fd, const struct epoll_event *ev)
{
	struct epoll_note *t, *n;

	if (fd < 0 || fd >= MARK_FDS || epfd < 0 || epfd >= INT32_MAX)
		return;
	if (op == EPOLL_CTL_DEL) {
		t = __atomic_load_n(&async.notes, __ATOMIC_ACQUIRE);
		if (t && __atomic_load_n(&t[fd].epfd1, __ATOMIC_RELAXED) == epfd + 1)
			__atomic_store_n(&t[fd].epfd1, 0, __ATOMIC_RELEASE);
		return;
	}
	if ((op != EPOLL_CTL_ADD && op != EPOLL_CTL_MOD) || !ev || !(t = notes_made()))
		return;
	n = &t[fd];
	__atomic_store_n(&n->epfd1, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&n->events, ev->events, __ATOMIC_RELAXED);
	__atomic_store_n(&n->data, ev->data.u64, __ATOMIC_RELAXED);
	__atomic_store_n(&n->epfd1, epfd + 1, __ATOMIC_RELEASE);
}

void epoll_note_forget(int fd)
{
	struct epoll_note *t = __atomic_load_n(&async.notes, __ATOMIC_ACQUIRE);

	if (t && fd >= 0 && fd < MARK_FDS && __atomic_load_n(&t[fd].epfd1, __ATOMIC_RELAXED))
		__atomic_store_n(&t[fd].epfd1, 0, __ATOMIC_RELEASE);
}

bool epoll_note_get(int fd, int *epfd, struct epoll_event *ev)
{
	struct epoll_note *t = __atomic_load_n(&async.notes, __ATOMIC_ACQUIRE);
	int epfd1;

	if (!t || fd < 0 || fd >= MARK_FDS)
		return false;
	epfd1 = __atomic_load_n(&t[fd].epfd1, __ATOMIC_ACQUIRE);
	if (epfd1 == 0)
		return false;
	*epfd = epfd1 - 1;
	ev->events = __atomic_load_n(&t[fd].events, __ATOMIC_RELAXED);
	ev->data.u64 = __atomic_load_n(&t[fd].data, __ATOMIC_RELAXED);
	return true;
}
