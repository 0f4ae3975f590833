/*
 * The fake address map, driven by operations decoded from the input and
 * checked against a model kept here: the same name (in any case) always gets
 * the same address, different names different ones, every address lies in
 * the range and is neither its network nor its broadcast address, an assigned
 * address leads back to its name and any other address to nothing. A full
 * map gives a new name the address of a name unused for reuse_after (the
 * old name then has none), and refuses it exactly when no name has been
 * unused that long; resolving a name and looking its address up both use it.
 *
 * Input: byte 0 picks the range's prefix (its low 4 bits: small ranges
 * mostly, to fill them) and reuse_after (bits 4-5: 0, 1, 10 or 100 ms),
 * bytes 1-4 the range's address, host bits and all. Then operations, each a
 * byte and its operands (the byte's value modulo 8):
 *   0 assign a name of the input's bytes: a length byte, then the name
 *   1 assign "hN.test", N from two bytes, with letters upper-cased per a mask byte
 *   2 assign a run of such names: count byte, then N from two bytes
 *   3 look up any address: 4 bytes (IPv6: 16 bytes when the op byte's bit 0x80 is set)
 *   4 look up the address at an offset into the range: two bytes
 *   5 assign again a name assigned before, in another case: index byte
 *   6 the clock moves on by a byte's milliseconds
 *   7 the clock moves on by two bytes' 16 ms
 */
#define _GNU_SOURCE
#include "../../chain/endpoint.h"
#include "../../chain/fakemap.h"
#include "fuzz.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

#define MODEL_MAX FAKE_MAP_CAPACITY	/* room for every name the map can hold */
#define MODEL_SLOTS (MODEL_MAX * 2)

/* What the map should hold: the name and last use at each address's offset in the range. */
struct model {
	struct fake_use use;
	struct cidr range;
	uint32_t base, room;		/* the network address; how many names it holds */
	unsigned count;			/* offsets [0, count) hold names */
	char names[MODEL_MAX][FAKE_NAME_MAX + 1];
	int64_t used_ms[MODEL_MAX];
	unsigned by_name[MODEL_SLOTS];	/* 0: empty, else 1 + offset */
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

/* The offset of name in the model, or -1; *slot where it is or would go. */
static int model_find(struct model *m, const char *name, unsigned **slot)
{
	uint32_t i = hash_lower(name) % MODEL_SLOTS;

	while (m->by_name[i] && strcasecmp(m->names[m->by_name[i] - 1], name) != 0)
		i = (i + 1) % MODEL_SLOTS;
	*slot = &m->by_name[i];
	return (int)m->by_name[i] - 1;
}

/* Drops the name at offset k from the hash (linear probing, so the names after it move up). */
static void model_forget(struct model *m, unsigned k)
{
	unsigned *slot;
	uint32_t i, j, home;

	model_find(m, m->names[k], &slot);
	i = j = (uint32_t)(slot - m->by_name);
	for (;;) {
		j = (j + 1) % MODEL_SLOTS;
		if (!m->by_name[j])
			break;
		home = hash_lower(m->names[m->by_name[j] - 1]) % MODEL_SLOTS;
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		m->by_name[i] = m->by_name[j];
		i = j;
	}
	m->by_name[i] = 0;
}

static void model_init(struct model *m, uint8_t prefix, const uint8_t addr[4], int64_t reuse_ms)
{
	unsigned bits = 32 - prefix;

	/* names[] and used_ms[] are only read where count covers them */
	memset(&m->range, 0, sizeof(m->range));
	memset(m->by_name, 0, sizeof(m->by_name));
	m->count = 0;
	m->range.family = AF_INET;
	m->range.prefix = prefix;
	memcpy(m->range.addr, addr, 4);
	m->use = (struct fake_use){ &m->range, reuse_ms, 1000000 };
	m->base = prefix ? ipv4_value(addr) & ~0u << bits : 0;
	m->room = bits < 2 ? 0 : bits >= 32 ? UINT32_MAX : (1u << bits) - 2;
	if (m->room > FAKE_MAP_CAPACITY)
		m->room = FAKE_MAP_CAPACITY;
}

static bool model_idle(const struct model *m, unsigned k)
{
	return m->use.now_ms - m->used_ms[k] >= m->use.reuse_after_ms;
}

/* The offset of a in the range, if the model holds a name there; else -1. */
static int model_offset(const struct model *m, const struct netaddr *a)
{
	uint32_t off;

	if (a->family != AF_INET || !cidr_contains(&m->range, a))
		return -1;
	off = ipv4_value(a->addr) - m->base - 1;
	return off < m->count ? (int)off : -1;
}

static void check_name_of(struct fake_map *map, struct model *m, const struct netaddr *addr)
{
	char *name = malloc(FAKE_NAME_MAX + 1);
	int k = model_offset(m, addr);
	bool found;

	FUZZ_CHECK(name);
	found = fake_map_name(map, &m->use, addr, name);
	FUZZ_CHECK(found == (k >= 0));
	if (found) {
		FUZZ_CHECK(strcmp(name, m->names[k]) == 0);	/* the spelling first assigned */
		m->used_ms[k] = m->use.now_ms;
	}
	free(name);
}

/* Whether the model has a name unused for reuse_after. */
static bool model_any_idle(const struct model *m)
{
	unsigned k;

	for (k = 0; k < m->count; k++)
		if (model_idle(m, k))
			return true;
	return false;
}

static void assign(struct fake_map *map, struct model *m, const char *text)
{
	char *name = strdup(text);	/* exact size: nothing past its NUL is read */
	struct netaddr addr;
	unsigned *slot;
	int known, rc, k;

	FUZZ_CHECK(name);
	known = model_find(m, name, &slot);
	memset(&addr, 0xa5, sizeof(addr));
	rc = fake_map_assign(map, &m->use, name, &addr);
	if (!endpoint_name_ok(name)) {
		FUZZ_CHECK(rc == -EINVAL);
	} else if (known >= 0) {
		FUZZ_CHECK(rc == 0 && model_offset(m, &addr) == known && addr.port == 0);
		m->used_ms[known] = m->use.now_ms;
	} else if (m->count < m->room) {
		/* a new address, the next one; never the network or broadcast address */
		FUZZ_CHECK(rc == 0 && addr.family == AF_INET && addr.port == 0);
		FUZZ_CHECK(cidr_contains(&m->range, &addr));
		FUZZ_CHECK(ipv4_value(addr.addr) == m->base + 1 + m->count);
		snprintf(m->names[m->count], sizeof(m->names[0]), "%s", name);
		m->used_ms[m->count] = m->use.now_ms;
		*slot = ++m->count;
	} else if (!model_any_idle(m)) {
		FUZZ_CHECK(rc == -ENOSPC);
	} else {
		/* full: an idle name's address, which that name then loses */
		FUZZ_CHECK(rc == 0 && addr.port == 0);
		k = model_offset(m, &addr);
		FUZZ_CHECK(k >= 0 && model_idle(m, (unsigned)k));
		model_forget(m, (unsigned)k);
		snprintf(m->names[k], sizeof(m->names[0]), "%s", name);
		m->used_ms[k] = m->use.now_ms;
		model_find(m, name, &slot);
		*slot = (unsigned)k + 1;
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
		switch (op % 8) {
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
		case 6:
			m->use.now_ms += fuzz_byte(in);
			break;
		case 7:
			m->use.now_ms += (int64_t)fuzz_u16(in) * 16;
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
	static const int64_t reuse_ms[4] = { 0, 1, 10, 100 };
	uint8_t head, addr[4];
	unsigned i;

	head = fuzz_byte(&in);
	for (i = 0; i < 4; i++)
		addr[i] = fuzz_byte(&in);
	model_init(m, prefixes[head % 16], addr, reuse_ms[(head >> 4) % 4]);
	/* fresh zeroed pages: only the pages touched cost anything */
	map = mmap(NULL, size_map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	FUZZ_CHECK(map != MAP_FAILED);
	run(map, m, &in);
	munmap(map, size_map);
	return 0;
}
