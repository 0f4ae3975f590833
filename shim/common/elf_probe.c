#define _GNU_SOURCE
#include "elf_probe.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Our own ELF header, which the linker provides: the class and machine the library is built for. */
extern const ElfW(Ehdr) __ehdr_start __attribute__((visibility("hidden")));

/*
 * Go's linker writes its build information at the start of the .go.buildinfo
 * section, 16-byte aligned, opening with this magic; with the section headers
 * stripped, Go's own tools look for it at the start of the first writable
 * segment, and so do we. It also writes a note of owner "Go" holding the
 * build ID, in a PT_NOTE segment of its own.
 */
static const char GO_BUILDINFO_MAGIC[] = "\xff Go buildinf:";
#define GO_BUILDINFO_SECTION ".go.buildinfo"
#define GO_BUILDINFO_ALIGN 16
#define GO_DATA_SEARCH 65536	/* bytes of that segment looked at without sections */
#define GO_NOTE_OWNER "Go"
#define GO_NOTE_BUILDID 4
#define NOTES_MAX 4096		/* bytes of a PT_NOTE segment looked at */
#define SHDR_BATCH 32		/* section headers read at once */
#define PHDR_BATCH 16		/* program headers read at once; programs have about 13 */
#define SHSTRTAB_MAX 8192	/* section names read; Go's fit in far less */

/*
 * glibc's loader defines this symbol version, which musl's does not; static
 * glibc programs do too, but only the loader has its own usage text.
 */
#define GLIBC_VERSION_MARK "GLIBC_PRIVATE"
#define GLIBC_LOADER_USAGE "EXECUTABLE-FILE [ARGS-FOR-PROGRAM...]"

static bool read_exact(int fd, void *buf, size_t n, ElfW(Off) off)
{
	return pread(fd, buf, n, (off_t)off) == (ssize_t)n;
}

static bool is_ours(const ElfW(Ehdr) *eh)
{
	return eh->e_ident[EI_CLASS] == __ehdr_start.e_ident[EI_CLASS] &&
	       eh->e_ident[EI_DATA] == __ehdr_start.e_ident[EI_DATA] &&
	       eh->e_machine == __ehdr_start.e_machine;
}

/* Whether a section named .go.buildinfo is there. */
static bool go_section(int fd, const ElfW(Ehdr) *eh)
{
	ElfW(Shdr) sh[SHDR_BATCH], names;
	char strtab[SHSTRTAB_MAX];
	size_t len, i, n;

	if (eh->e_shentsize != sizeof(ElfW(Shdr)) || eh->e_shstrndx >= eh->e_shnum ||
	    !read_exact(fd, &names, sizeof(names), eh->e_shoff + eh->e_shstrndx * sizeof(names)))
		return false;
	len = names.sh_size < sizeof(strtab) ? names.sh_size : sizeof(strtab);
	if (!read_exact(fd, strtab, len, names.sh_offset))
		return false;
	for (i = 0; i < eh->e_shnum; i += n) {
		n = eh->e_shnum - i < SHDR_BATCH ? eh->e_shnum - i : SHDR_BATCH;
		if (!read_exact(fd, sh, n * sizeof(*sh), eh->e_shoff + i * sizeof(*sh)))
			return false;
		for (size_t k = 0; k < n; k++)
			if (sh[k].sh_name + sizeof(GO_BUILDINFO_SECTION) <= len &&
			    memcmp(strtab + sh[k].sh_name, GO_BUILDINFO_SECTION,
				   sizeof(GO_BUILDINFO_SECTION)) == 0)
				return true;
	}
	return false;
}

/* Whether the magic opens a 16-byte aligned block near the start of the segment. */
static bool go_magic_in(int fd, const ElfW(Phdr) *ph, ElfW(Off) search)
{
	char buf[4096];
	ElfW(Off) done, want = ph->p_filesz < search ? ph->p_filesz : search;
	ssize_t got;

	for (done = 0; done < want; done += (ElfW(Off))got) {
		got = pread(fd, buf, sizeof(buf), (off_t)(ph->p_offset + done));
		if (got < (ssize_t)sizeof(GO_BUILDINFO_MAGIC))
			return false;
		for (ssize_t at = 0; at + (ssize_t)sizeof(GO_BUILDINFO_MAGIC) - 1 <= got;
		     at += GO_BUILDINFO_ALIGN)
			if (memcmp(buf + at, GO_BUILDINFO_MAGIC, sizeof(GO_BUILDINFO_MAGIC) - 1) == 0)
				return true;
	}
	return false;
}

/* Whether a PT_NOTE segment holds Go's build ID note. */
static bool go_note_in(int fd, const ElfW(Phdr) *ph)
{
	char buf[NOTES_MAX] __attribute__((aligned(8)));
	size_t len = ph->p_filesz < sizeof(buf) ? ph->p_filesz : sizeof(buf), at = 0;
	ElfW(Nhdr) nh;

	if (pread(fd, buf, len, (off_t)ph->p_offset) != (ssize_t)len)
		return false;
	while (at + sizeof(nh) <= len) {
		memcpy(&nh, buf + at, sizeof(nh));
		at += sizeof(nh);
		/* Go writes the owner padded: "Go\0\0", n_namesz 4 */
		if (nh.n_type == GO_NOTE_BUILDID && nh.n_namesz >= sizeof(GO_NOTE_OWNER) &&
		    at + sizeof(GO_NOTE_OWNER) <= len &&
		    memcmp(buf + at, GO_NOTE_OWNER, sizeof(GO_NOTE_OWNER)) == 0)
			return true;
		/* name and description are each padded to 4 bytes */
		at += ((size_t)nh.n_namesz + 3) / 4 * 4 + ((size_t)nh.n_descsz + 3) / 4 * 4;
	}
	return false;
}

static int read_interp(int fd, const ElfW(Phdr) *ph, char *interp)
{
	if (ph->p_filesz < 2 || ph->p_filesz > PATH_MAX ||
	    !read_exact(fd, interp, ph->p_filesz, ph->p_offset) || interp[ph->p_filesz - 1])
		return -ENOEXEC;	/* the kernel wants a NUL-terminated path */
	return 0;
}

int elf_probe(int fd, struct elf_probe *p)
{
	const ElfW(Phdr) *data = NULL;
	ElfW(Phdr) phs[PHDR_BATCH], ph, first_data;
	ElfW(Ehdr) eh;
	unsigned i;

	*p = (struct elf_probe){ .foreign_arch = false };
	if (!read_exact(fd, &eh, EI_NIDENT, 0) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
		return -ENOEXEC;
	if (!read_exact(fd, &eh, sizeof(eh), 0) || !is_ours(&eh)) {
		p->foreign_arch = true;
		return 0;
	}
	if ((eh.e_type != ET_EXEC && eh.e_type != ET_DYN) || eh.e_phentsize != sizeof(ph))
		return -ENOEXEC;
	for (i = 0; i < eh.e_phnum; i++) {
		if (i % PHDR_BATCH == 0 &&
		    !read_exact(fd, phs, (eh.e_phnum - i < PHDR_BATCH ? eh.e_phnum - i : PHDR_BATCH) *
					 sizeof(ph), eh.e_phoff + i * sizeof(ph)))
			return -ENOEXEC;	/* the kernel could not read them either */
		ph = phs[i % PHDR_BATCH];
		if (ph.p_type == PT_INTERP && read_interp(fd, &ph, p->interp) < 0)
			return -ENOEXEC;
		if (ph.p_type == PT_NOTE && !p->go)
			p->go = go_note_in(fd, &ph);
		if (ph.p_type == PT_LOAD && !data && (ph.p_flags & (PF_W | PF_X)) == PF_W) {
			first_data = ph;
			data = &first_data;
		}
	}
	/* The first block of the data is where Go's linker puts it; elsewhere, only sections tell. */
	if (!p->go && data)
		p->go = go_magic_in(fd, data, eh.e_shnum > 0 ? GO_BUILDINFO_ALIGN : GO_DATA_SEARCH);
	if (!p->go && eh.e_shnum > 0)
		p->go = go_section(fd, &eh);
	return 0;
}

static bool glibc_loader_name(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return (strncmp(base, "ld-linux", 8) == 0 && strstr(base, ".so.")) ||
	       strncmp(base, "ld64.so.", 8) == 0;
}

static int find_running_loader(struct dl_phdr_info *info, size_t size, void *data)
{
	const char **name = data;

	(void)size;
	if (info->dlpi_addr != getauxval(AT_BASE) || !info->dlpi_name || !info->dlpi_name[0])
		return 0;
	*name = info->dlpi_name;
	return 1;
}

/* Whether st is the loader that runs this process: a glibc loader, since the library is in it. */
static bool is_running_loader(const struct stat *st)
{
	const char *name = NULL;
	struct stat own;

	return getauxval(AT_BASE) && dl_iterate_phdr(find_running_loader, &name) && name &&
	       stat(name, &own) == 0 && own.st_dev == st->st_dev && own.st_ino == st->st_ino;
}

bool elf_is_glibc_loader(const char *path)
{
	struct stat st;
	bool glibc = false;
	void *map;
	int fd;

	if (!glibc_loader_name(path))
		return false;
	if (stat(path, &st) == 0 && is_running_loader(&st))
		return true;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map != MAP_FAILED) {
			glibc = memmem(map, (size_t)st.st_size, GLIBC_VERSION_MARK,
				       sizeof(GLIBC_VERSION_MARK) - 1) &&
				memmem(map, (size_t)st.st_size, GLIBC_LOADER_USAGE,
				       sizeof(GLIBC_LOADER_USAGE) - 1);
			munmap(map, (size_t)st.st_size);
		}
	}
	close(fd);
	return glibc;
}
