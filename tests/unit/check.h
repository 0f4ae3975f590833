/*
 * A two-macro unit test harness: CHECK(condition) inside a test function,
 * RUN(test) from main, then return check_done(). Prints TAP.
 */
#ifndef SOCKSCHAIN_CHECK_H
#define SOCKSCHAIN_CHECK_H

#include <stdio.h>

static int check_tests, check_failed_tests, check_current_failed;

static void check_fail(const char *file, int line, const char *what)
{
	printf("# %s:%d: CHECK(%s) failed\n", file, line, what);
	check_current_failed = 1;
}

#define CHECK(cond) ((cond) ? (void)0 : check_fail(__FILE__, __LINE__, #cond))

static void check_run(const char *name, void (*test)(void))
{
	check_current_failed = 0;
	test();
	check_tests++;
	check_failed_tests += check_current_failed;
	printf("%s %d %s\n", check_current_failed ? "not ok" : "ok", check_tests, name);
	fflush(stdout);
}

#define RUN(test) check_run(#test, test)

static int check_done(void)
{
	printf("1..%d\n", check_tests);
	return check_failed_tests ? 1 : 0;
}

#endif
