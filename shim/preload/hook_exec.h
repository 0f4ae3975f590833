/* The library's exec calls, for the syscall() hook. */
#ifndef SOCKSCHAIN_HOOK_EXEC_H
#define SOCKSCHAIN_HOOK_EXEC_H

int shim_execve(const char *path, char *const argv[], char *const envp[]);
int shim_execvpe(const char *file, char *const argv[], char *const envp[]);
int shim_execveat(int dirfd, const char *path, char *const argv[], char *const envp[],
		  int flags);

#endif
