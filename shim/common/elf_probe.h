/*
 * The facts about an ELF file that say whether the preloaded library can be
 * loaded into it: its class and machine against ours, its loader (PT_INTERP),
 * and whether it is a Go program.
 */
#ifndef SOCKSCHAIN_ELF_PROBE_H
#define SOCKSCHAIN_ELF_PROBE_H

#include <limits.h>
#include <stdbool.h>

struct elf_probe {
	bool foreign_arch;	/* not our class, byte order or machine: nothing below is read */
	bool go;		/* Go's build information is in the file */
	char interp[PATH_MAX];	/* its loader; "" when statically linked */
};

/*
 * Reads the ELF file open on fd. 0, or -ENOEXEC when it is not an ELF file
 * the kernel would run (a core file, an object, truncated headers).
 */
int elf_probe(int fd, struct elf_probe *p);

/* Whether the loader at path is glibc's: by its name, and by what it defines. */
bool elf_is_glibc_loader(const char *path);

#endif
