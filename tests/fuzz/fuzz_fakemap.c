/*
 * The fake address map, driven by operations decoded from the input and
 * checked against a model kept here: the same name (in any case) always gets
 * the same address, different names different ones, every address lies in
 * the range and is neither its network nor its broadcast address, an assigned
 * address leads back to its name and any other address to nothing, and the
 * map says full exactly when the range (or the map) has no address left.
 *
 * Input: byte 0 picks the range's prefix (small ranges mostly, to fill them),
 * bytes 1-4 its address, host bits and all. Then operations, each a byte and
 * its operands:
 *   0 assign a name of the input's bytes: a length byte, then the name
 *   1 assign "hN.test", N from two bytes, with letters upper-cased per a mask byte
 *   2 assign a run of such names: count byte, then N from two bytes
 *   3 look up any address: 4 bytes (IPv6: 16 bytes when the op byte's bit 0x80 is set)
 *   4 look up the address at an offset into the range: two bytes
 *   5 assign again a name assigned before, in another case: index byte
 */
#define _GNU_SOURCE
#include "../../chain/endpoint.h"
#include "../../chain/fakemap.h"
#include "fuzz.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

#define MODEL_MAX (FAKE_MAP_CAPACITY + 1)	/* room for every name the map can hold */
#define MODEL_SLOTS (MODEL_MAX * 2)

struct model {
	struct cidr range;
	uint32_t base, room;		/* the network address; how many addresses it offers */
	unsigned count;
	char names[MODEL_MAX][FAKE_NAME_MAX + 1];
	uint32_t addrs[MODEL_MAX];
	unsigned by_name[MODEL_SLOTS];	/* 0: empty, else 1 + index */
	unsigned by_addr[MODEL_SLOTS];
};

static uint32_t ipv4_value(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static uint32_t hash_lower(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s)) * 16777619u;
	return h;
}

/* The index of name in the model, or -1; *slot where it is or would go. */
static int model_find(struct model *m, const char *name, unsigned **slot)
{
	uint32_t i = hash_lower(name) % MODEL_SLOTS;

	while (m->by_name[i] && strcasecmp(m->names[m->by_name[i] - 1], name) != 0)
		i = (i + 1) % MODEL_SLOTS;
	*slot = &m->by_name[i];
	return (int)m->by_name[i] - 1;
}

static int model_find_addr(struct model *m, uint32_t a, unsigned **slot)
{
	uint32_t i = (a * 2654435761u) % MODEL_SLOTS;

	while (m->by_addr[i] && m->addrs[m->by_addr[i] - 1] != a)
		i = (i + 1) % MODEL_SLOTS;
	*slot = &m->by_addr[i];
	return (int)m->by_addr[i] - 1;
}

static void model_init(struct model *m, const uint8_t prefix, const uint8_t addr[4])
{
	unsigned bits = 32 - prefix;

	/* names[] and addrs[] are only read where count covers them */
	memset(&m->range, 0, sizeof(m->range));
	memset(m->by_name, 0, sizeof(m->by_name));
	memset(m->by_addr, 0, sizeof(m->by_addr));
	m->count = 0;
	m->range.family = AF_INET;
	m->range.prefix = prefix;
	memcpy(m->range.addr, addr, 4);
	m->base = prefix ? ipv4_value(addr) & ~0u << bits : 0;
	m->room = bits < 2 ? 0 : bits >= 32 ? UINT32_MAX : (1u << bits) - 2;
	if (m->room > FAKE_MAP_CAPACITY)
		m->room = FAKE_MAP_CAPACITY;
}

static void check_name_of(struct fake_map *map, struct model *m, const struct netaddr *addr)
{
	char *name = malloc(FAKE_NAME_MAX + 1);
	unsigned *slot;
	int i = addr->family == AF_INET ? model_find_addr(m, ipv4_value(addr->addr), &slot) : -1;
	bool found;

	FUZZ_CHECK(name);
	found = fake_map_name(map, &m->range, addr, name);
	FUZZ_CHECK(found == (i >= 0));
	if (found)
		FUZZ_CHECK(strcmp(name, m->names[i]) == 0);	/* the spelling first assigned */
	free(name);
}

static void assign(struct fake_map *map, struct model *m, const char *text)
{
	char *name = strdup(text);	/* exact size: nothing past its NUL is read */
	struct netaddr addr;
	unsigned *slot, *aslot;
	int known, rc;
	uint32_t a;

	FUZZ_CHECK(name);
	known = model_find(m, name, &slot);
	if (known < 0 && m->count == MODEL_MAX) {
		free(name);
		return;
	}
	memset(&addr, 0xa5, sizeof(addr));
	rc = fake_map_assign(map, &m->range, name, &addr);
	if (!endpoint_name_ok(name)) {
		FUZZ_CHECK(rc == -EINVAL);
	} else if (known >= 0) {
		FUZZ_CHECK(rc == 0 && addr.family == AF_INET && ipv4_value(addr.addr) == m->addrs[known]);
	} else if (m->count >= m->room) {
		FUZZ_CHECK(rc == -ENOSPC);
	} else {
		FUZZ_CHECK(rc == 0 && addr.family == AF_INET && addr.port == 0);
		a = ipv4_value(addr.addr);
		FUZZ_CHECK(cidr_contains(&m->range, &addr));
		FUZZ_CHECK(a != m->base && a != (m->base | (m->room ? ~0u >> m->range.prefix : 0)));
		FUZZ_CHECK(model_find_addr(m, a, &aslot) < 0);	/* a new name, a new address */
		snprintf(m->names[m->count], sizeof(m->names[0]), "%s", name);
		m->addrs[m->count] = a;
		*slot = *aslot = ++m->count;
	}
	if (rc == 0)
		check_name_of(map, m, &addr);
	free(name);
}

/* "hN.test", with letters upper-cased where mask has a bit for them. */
static void generated_name(char *out, size_t cap, unsigned n, uint8_t mask)
{
	size_t i;

	snprintf(out, cap, "h%u.test", n);
	for (i = 0; out[i]; i++)
		if (out[i] >= 'a' && out[i] <= 'z' && (mask >> (i % 8)) & 1)
			out[i] -= 32;
}

static void flip_case(char *s)
{
	for (; *s; s++)
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))
			*s ^= 0x20;
}

static void run(struct fake_map *map, struct model *m, struct fuzz_input *in)
{
	char name[FAKE_NAME_MAX + 2];
	struct netaddr addr;
	unsigned i, n, len;
	uint8_t op;

	while (in->left) {
		op = fuzz_byte(in);
		switch (op % 6) {
		case 0:
			len = fuzz_byte(in);
			for (i = 0; i < len && in->left; i++)
				name[i] = (char)fuzz_byte(in);
			name[i] = '\0';
			assign(map, m, name);
			break;
		case 1:
			n = fuzz_u16(in);
			generated_name(name, sizeof(name), n, fuzz_byte(in));
			assign(map, m, name);
			break;
		case 2:
			len = fuzz_byte(in);
			n = fuzz_u16(in);
			for (i = 0; i < len; i++) {
				generated_name(name, sizeof(name), n + i, 0);
				assign(map, m, name);
			}
			break;
		case 3:
			memset(&addr, 0, sizeof(addr));
			addr.family = op & 0x80 ? AF_INET6 : AF_INET;
			for (i = 0; i < (op & 0x80 ? 16u : 4u); i++)
				addr.addr[i] = fuzz_byte(in);
			check_name_of(map, m, &addr);
			break;
		case 4:
			n = m->base + fuzz_u16(in);
			memset(&addr, 0, sizeof(addr));
			addr.family = AF_INET;
			addr.addr[0] = (uint8_t)(n >> 24);
			addr.addr[1] = (uint8_t)(n >> 16);
			addr.addr[2] = (uint8_t)(n >> 8);
			addr.addr[3] = (uint8_t)n;
			check_name_of(map, m, &addr);
			break;
		case 5:
			if (m->count == 0)
				break;
			snprintf(name, sizeof(name), "%s", m->names[fuzz_byte(in) % m->count]);
			flip_case(name);
			assign(map, m, name);
			break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* mostly /24 and smaller, to fill them; a few larger, and the edges /31 and /32 */
	static const uint8_t prefixes[16] = { 24, 24, 24, 24, 25, 26, 27, 28,
					      29, 30, 31, 32, 23, 16, 8, 0 };
	struct fuzz_input in = { data, size };
	size_t size_map = fake_map_size();
	static struct model model;
	struct model *m = &model;
	struct fake_map *map;
	uint8_t prefix, addr[4];
	unsigned i;

	prefix = prefixes[fuzz_byte(&in) % 16];
	for (i = 0; i < 4; i++)
		addr[i] = fuzz_byte(&in);
	model_init(m, prefix, addr);
	/* fresh zeroed pages: only the pages touched cost anything */
	map = mmap(NULL, size_map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	FUZZ_CHECK(map != MAP_FAILED);
	FUZZ_CHECK(fake_map_init(map) == 0);
	run(map, m, &in);
	munmap(map, size_map);
	return 0;
}
