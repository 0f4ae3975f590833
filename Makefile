# sockschain: `make` builds build/libsockschain.so and build/sockschain
# (SANITIZE=1: the same under build/san/).
#   make demo                 curl through three bundled test proxies, with -v
#   make test [SANITIZE=1]    every suite (under ASan+UBSan); ends "N passed, N failed"
#                             (bats-core fetched if missing; SOCKSCHAIN_TEST_NO_NETNS=1
#                             to run where no private network namespace can be made)
#   make test-valgrind        the unit tests and our programs' suites under memcheck
#   make fuzz [FUZZ_SECONDS=N], make fuzz-regress     libFuzzer harnesses (clang)
#   make bench [BENCH_RUNS=5 BENCH_N=...]   connection rates etc. against the floor and proxychains-ng
#   make install [PREFIX=/usr/local DESTDIR=]

VERSION  := 0.1.0
CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -std=c11 -Wall -Wextra -Werror
# Each flavour builds in its own directory, so that switching flavours rebuilds
# what it must: plain in build/, SANITIZE=1 in build/san/, fuzz in build/fuzz/.
ifeq ($(SANITIZE),1)
BUILD    := build/san
else
BUILD    := build
endif
OBJ      := $(BUILD)/obj

ifeq ($(SANITIZE),1)
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
# A preloaded sanitized library needs the sanitizer runtime loaded first.
SAN_RT   := $(shell $(CC) -print-file-name=libasan.so)
SAN_DEFS := -DPRELOAD_FIRST='"$(SAN_RT)"'
endif

ALL_CFLAGS  := $(WARN) $(CFLAGS) $(SAN) -fPIC -fvisibility=hidden -pthread -DSOCKSCHAIN_VERSION='"$(VERSION)"'
ALL_LDFLAGS := $(LDFLAGS) $(SAN) -pthread

CHAIN_SRC    := $(wildcard chain/*.c)
# shim/: one folder per program, and common/ for what more than one links.
# common/ first: its variables written at load share a page (common/written_at_load.h).
SHIM_LIB_SRC := $(wildcard shim/common/*.c shim/preload/*.c)
# The launcher becomes the seccomp supervisor with --supervise: it links all of common/.
SUPERVISOR_SRC := $(wildcard shim/supervisor/*.c)
LAUNCHER_SRC := $(wildcard shim/launcher/*.c) $(wildcard shim/common/*.c) $(SUPERVISOR_SRC)
UNIT_SRC     := $(wildcard tests/unit/test_*.c)
TOOLS        := testproxy target dnsrecorder delaylink netns client resolve badptr sysprobe evloop \
		noseccomp gaiconnect pendingio
BENCH_SRC    := $(wildcard tests/bench/*.c)

CHAIN_OBJ    := $(CHAIN_SRC:%.c=$(OBJ)/%.o)
LIB          := $(BUILD)/libsockschain.so
LAUNCHER     := $(BUILD)/sockschain
UNIT_BIN     := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_BIN     := $(TOOLS:%=$(BUILD)/tests/%) $(BUILD)/tests/bench

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  := $(PREFIX)/bin
LIBDIR  := $(PREFIX)/lib/sockschain
MANDIR  ?= $(PREFIX)/share/man
COMPDIR ?= $(PREFIX)/share/bash-completion/completions
# The installed library carries its version; the launcher asks for its own.
SONAME  := libsockschain.so.$(firstword $(subst ., ,$(VERSION)))
LIBFILE := libsockschain.so.$(VERSION)

.PHONY: all test test-valgrind unit demo bench install uninstall clean
.SECONDARY:
all: $(LIB) $(LAUNCHER)

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(OBJ)/shim/common/preload_list.o: ALL_CFLAGS += $(SAN_DEFS)

# Built as distributions build programs: read() and recv() become __read_chk and __recv_chk.
$(OBJ)/tests/tools/pendingio.o: ALL_CFLAGS += -O2 -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2

# -Bsymbolic-functions: the library's references to its own hooks (the self
# check of preload/real.h) bind at link time, not by 75 symbol lookups at
# load in every program started under it (a quarter of what it adds to a
# bare /bin/true, in instructions).
LIB_LDFLAGS := -Wl,-soname,$(SONAME) -Wl,-z,defs -Wl,-z,now -Wl,-Bsymbolic-functions

$(LIB): $(CHAIN_OBJ) $(SHIM_LIB_SRC:%.c=$(OBJ)/%.o)
	$(CC) -shared $(LIB_LDFLAGS) -o $@ $^ $(ALL_LDFLAGS) -ldl

$(LAUNCHER): $(CHAIN_OBJ) $(LAUNCHER_SRC:%.c=$(OBJ)/%.o)
	$(CC) -o $@ $^ $(ALL_LDFLAGS)

$(BUILD)/tests/test_%: $(OBJ)/tests/unit/test_%.o $(CHAIN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(ALL_LDFLAGS)

$(BUILD)/tests/%: $(OBJ)/tests/servers/%.o $(OBJ)/tests/servers/servutil.o
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(ALL_LDFLAGS)

$(BUILD)/tests/%: $(OBJ)/tests/tools/%.o
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(ALL_LDFLAGS)

# The benchmark client reuses the chain/ codecs for its in-process floor.
$(BUILD)/tests/bench: $(BENCH_SRC:%.c=$(OBJ)/%.o) $(CHAIN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(ALL_LDFLAGS)

# The same client statically linked, which only the supervisor reaches (never sanitized).
$(BUILD)/tests/bench-static: $(BENCH_SRC) $(CHAIN_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -std=c11 -O2 -static -pthread -o $@ $(BENCH_SRC) $(CHAIN_SRC)

# Never sanitized: a static program is exactly what the sanitizers cannot be loaded into.
$(BUILD)/tests/static-hello: tests/tools/static-hello.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -O2 -static -o $@ $<

# The test client, statically linked, for the supervisor suite (never sanitized either).
$(BUILD)/tests/client-static: tests/tools/client.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -O2 -static -pthread -o $@ $<

unit: $(UNIT_BIN)
	@for t in $(UNIT_BIN); do $$t || exit 1; done

# The suites find the flavour's programs through SOCKSCHAIN_BUILD.
export SOCKSCHAIN_BUILD := $(abspath $(BUILD))

test: all $(UNIT_BIN) $(TOOL_BIN) $(BUILD)/tests/static-hello $(BUILD)/tests/client-static
	@SANITIZE=$(SANITIZE) SAN_RT=$(SAN_RT) tests/run $(UNIT_BIN)

# The C unit tests, then the suites whose programs are ours, under valgrind memcheck.
VALGRIND_SUITES := chain faults protocols socket dns policies launcher migrate pipeline addresses
test-valgrind: all $(UNIT_BIN) $(TOOL_BIN) $(BUILD)/tests/static-hello $(BUILD)/tests/client-static
	@VALGRIND=1 TEST_SUITES="$(VALGRIND_SUITES:%=tests/bats/%.bats)" tests/run $(UNIT_BIN)

demo: all $(BUILD)/tests/testproxy $(BUILD)/tests/target
	@examples/demo.sh

bench: all $(TOOL_BIN) $(BUILD)/tests/bench-static
	@tests/bench/run

# The launcher looks for ../lib/sockschain/$(LIBFILE) from where it is, so
# BINDIR and LIBDIR follow PREFIX only. libsockschain.so links to it: a
# stable name for LD_PRELOAD by hand.
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(COMPDIR)
	install -m 0755 $(LAUNCHER) $(DESTDIR)$(BINDIR)/sockschain
	install -m 0644 $(LIB) $(DESTDIR)$(LIBDIR)/$(LIBFILE)
	ln -sf $(LIBFILE) $(DESTDIR)$(LIBDIR)/libsockschain.so
	install -m 0644 shim/man/sockschain.1 $(DESTDIR)$(MANDIR)/man1/sockschain.1
	install -m 0644 shim/man/sockschain.conf.5 $(DESTDIR)$(MANDIR)/man5/sockschain.conf.5
	install -m 0644 shim/completion/sockschain.bash $(DESTDIR)$(COMPDIR)/sockschain

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sockschain $(DESTDIR)$(LIBDIR)/$(LIBFILE) \
		$(DESTDIR)$(LIBDIR)/libsockschain.so $(DESTDIR)$(MANDIR)/man1/sockschain.1 \
		$(DESTDIR)$(MANDIR)/man5/sockschain.conf.5 $(DESTDIR)$(COMPDIR)/sockschain
	-rmdir $(DESTDIR)$(LIBDIR)

clean:
	rm -rf $(BUILD)

# Fuzzing, with clang's libFuzzer: `make fuzz` runs each harness of tests/fuzz/ for
# FUZZ_SECONDS on a scratch corpus (build/fuzz/corpus/NAME, seeded from
# tests/fuzz/corpus/NAME) and fails on any finding, saved as build/fuzz/NAME-crash-*;
# `make fuzz-NAME` runs one. `make fuzz-regress` replays the seeds and the kept
# reproducers (tests/fuzz/regress/NAME) once each, without fuzzing.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 30
FUZZ         := build/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := $(WARN) -g -O1 $(FUZZ_SAN) -pthread
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN     := $(FUZZ_NAMES:%=$(FUZZ)/fuzz_%)
FUZZ_OBJ     := $(CHAIN_SRC:%.c=$(FUZZ)/obj/%.o)

.PHONY: fuzz fuzz-regress

$(FUZZ)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ)

fuzz: $(FUZZ_NAMES:%=fuzz-%)

fuzz-%: $(FUZZ)/fuzz_%
	@mkdir -p $(FUZZ)/corpus/$*
	@cp tests/fuzz/corpus/$*/* $(FUZZ)/corpus/$*/
	@echo "fuzz $*: $(FUZZ_SECONDS) s, log in $(FUZZ)/$*.log"
	@$< -max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 \
		-artifact_prefix=$(FUZZ)/$*- $(FUZZ)/corpus/$* \
		$(wildcard tests/fuzz/regress/$*) >$(FUZZ)/$*.log 2>&1 \
		|| { tail -n 40 $(FUZZ)/$*.log; echo "fuzz $*: FAILED, input in $(FUZZ)/$*-*"; exit 1; }
	@grep -E '^#[0-9]+[[:space:]]+DONE' $(FUZZ)/$*.log | sed 's/^/fuzz $*: /'

fuzz-regress: $(FUZZ_BIN)
	@for h in $(FUZZ_NAMES); do \
		$(FUZZ)/fuzz_$$h tests/fuzz/corpus/$$h/* $$(ls -d tests/fuzz/regress/$$h/* 2>/dev/null) \
			>$(FUZZ)/$$h-regress.log 2>&1 \
			|| { tail -n 40 $(FUZZ)/$$h-regress.log; echo "fuzz-regress $$h: FAILED"; exit 1; }; \
		echo "fuzz-regress $$h: $$(grep -c '^Executed' $(FUZZ)/$$h-regress.log) inputs ok"; \
	done

-include $(wildcard $(FUZZ)/obj/chain/*.d)

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)
