/*
 * fstat(), not called as such: glibc's passes the kernel an empty path kept
 * in libc's read-only data, and that one read maps 64 kB of it (fault-around)
 * into a program that itself never calls fstat. Our empty path is in our
 * pages, which the library touches anyway.
 */
#ifndef SOCKSCHAIN_FD_STAT_H
#define SOCKSCHAIN_FD_STAT_H

#include <sys/stat.h>

int fd_stat(int fd, struct stat *st);

#endif
