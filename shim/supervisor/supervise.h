/*
 * Running a program under the seccomp supervisor: the launcher's way in.
 *
 *   launcher (the process the shell waits for)
 *     `- supervisor (subreaper, non-dumpable, holds the listener)
 *          `- the program, under the filter, and everything it starts
 *
 * The launcher forwards signals to the program and ends with its status
 * (a death by signal mirrored); the supervisor serves until the last process
 * of the tree is gone, background ones included.
 */
#ifndef SOCKSCHAIN_SUPERVISOR_SUPERVISE_H
#define SOCKSCHAIN_SUPERVISOR_SUPERVISE_H

/* How the launcher execs a program (execv, with its fallback for scripts). */
typedef void (*exec_fn)(const char *path, char **argv);

/*
 * Runs path with argv under the supervisor, the chain taken from the
 * environment as the library takes it. Returns the exit status for the
 * launcher: the program's, or 125 when it could not be supervised (after
 * a line saying why); does not return when the program died by a signal.
 */
int supervise(const char *path, char **argv, exec_fn exec_program);

#endif
