/* The supervisor process: starts the program under the filter and serves its tree. */
#ifndef SOCKSCHAIN_SUPERVISOR_SERVE_H
#define SOCKSCHAIN_SUPERVISOR_SERVE_H

#include "supervise.h"

#include <signal.h>

/* In the launcher's forked child. Reports to report_fd (see report.h); never returns. */
void serve_tree(int report_fd, const char *path, char **argv, exec_fn exec_program,
		const sigset_t *program_mask) __attribute__((noreturn));

#endif
