/*
 * gethostid(): without /etc/hostid, libc makes the id from the address of
 * this host's own name, looked up with its internal gethostbyname, which
 * asks DNS when /etc/hosts does not list the name. With dns=remote the
 * lookup is made in /etc/hosts only: the same id whenever libc's would not
 * have asked DNS, and 0 (libc's answer for a name it cannot find) otherwise.
 */
#define _GNU_SOURCE
#include "../common/config.h"
#include "export.h"
#include "real.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define HOSTS_FILE "/etc/hosts"
#define HOSTID_FILE "/etc/hostid"

/* Whether the /etc/hosts line lists name; if so, its IPv4 address in *addr. */
static bool line_names(char *line, const char *name, struct in_addr *addr)
{
	char *save, *word = strtok_r(line, " \t\r\n", &save);

	if (!word || word[0] == '#' || inet_pton(AF_INET, word, addr) != 1)
		return false;
	while ((word = strtok_r(NULL, " \t\r\n", &save)) && word[0] != '#')
		if (strcasecmp(word, name) == 0)
			return true;
	return false;
}

/* The first IPv4 address /etc/hosts gives name; false when it gives none. */
static bool hosts_file_address(const char *name, struct in_addr *addr)
{
	FILE *f = fopen(HOSTS_FILE, "re");
	char line[1024];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = line_names(line, name, addr);
	fclose(f);
	return found;
}

typedef long (*gethostid_t)(void);

SHIM_EXPORT long gethostid(void)
{
	REAL(gethostid_t, gethostid);
	char name[256];
	struct in_addr a;
	uint32_t id;

	if (shim_config_loading() || shim_config()->chain.dns == DNS_LOCAL ||
	    access(HOSTID_FILE, R_OK) == 0)
		return fn ? fn() : 0;
	if (gethostname(name, sizeof(name)) < 0 || !hosts_file_address(name, &a))
		return 0;
	/* libc's: the address as stored, its two halves swapped. */
	id = a.s_addr;
	return (long)(int32_t)(id << 16 | id >> 16);
}
