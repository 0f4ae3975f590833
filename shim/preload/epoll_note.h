/*
 * The program's epoll interest in each descriptor, as its last
 * epoll_ctl(ADD/MOD) asked, so that a socket registered before its
 * connect() (as nginx does) can be hidden when that connect() goes to the
 * background (async_conn.c). One set per descriptor: the last one it was
 * added to or modified in.
 *
 * The table (async.notes, one entry per number below MARK_FDS) is made at
 * the first epoll_ctl and read and written without a lock: an entry only
 * ever changes in the thread that calls epoll_ctl, close or connect on that
 * number, and one that does so from two threads at once races with itself
 * in the kernel too. Nothing here makes a system call: the set is checked
 * at connect() time, by the kernel accepting an EPOLL_CTL_MOD of the socket
 * in it.
 */
#ifndef SOCKSCHAIN_EPOLL_NOTE_H
#define SOCKSCHAIN_EPOLL_NOTE_H

#include <stdbool.h>
#include <sys/epoll.h>

/* After a successful epoll_ctl(epfd, op, fd, ev) of the program's. */
void epoll_note(int epfd, int op, int fd, const struct epoll_event *ev);

/* fd was closed, or is a new number: nothing registered under it now. */
void epoll_note_forget(int fd);

/* The set fd was last added to or modified in, and with what; false if none. */
bool epoll_note_get(int fd, int *epfd, struct epoll_event *ev);

#endif
