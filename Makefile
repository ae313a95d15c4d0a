# mxq - GNU make.  make [WERROR=1] [SANITIZE=1]; make check; make demo
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share
DESTDIR ?=

CC ?= cc
PKG_CONFIG ?= pkg-config
PYTHON ?= /usr/bin/python3
CLANG ?= clang
VERSION := 0.1.0

# libcurl's headers only: it is loaded at run time, when --smtp fetches an
# MTA-STS policy (src/curl_load.c says why).
LIBS_PC := libcares libidn2 jansson libssl libcrypto
PC_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(LIBS_PC) libcurl 2>/dev/null)
PC_LIBS := $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null)

CFLAGS ?= -O2 -g
WARNINGS := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wvla
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif
SAN_FLAGS :=
ifeq ($(SANITIZE),1)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
endif
MXQ_CPPFLAGS := -std=c11 -pthread -D_DEFAULT_SOURCE -DMXQ_VERSION='"$(VERSION)"' \
	-Iinclude $(PC_CFLAGS)
ALL_CFLAGS = $(MXQ_CPPFLAGS) $(WARNINGS) $(SAN_FLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SAN_FLAGS) $(LDFLAGS)
LDLIBS += $(PC_LIBS) -lpthread -lm -ldl

B := build
LIB_SRC := src/status.c src/wire.c src/answer.c src/esc.c src/msg.c \
	src/idn.c src/mx.c src/cli.c src/resolver.c src/questions.c \
	src/lookup.c src/check_addr.c src/check_tlsa.c src/check_ptr.c \
	src/check_ns.c src/check_sts.c src/probe.c src/input.c src/run.c \
	src/special.c src/smtp.c src/sts.c src/curl_load.c \
	src/fmt.c src/fmt_text.c src/fmt_short.c src/fmt_json.c
LIB_OBJ := $(LIB_SRC:src/%.c=$(B)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/%)

.PHONY: all check unit fuzz-replay system demo install uninstall clean \
	fuzz bench lint deps-test

all: mxq

mxq: $(LIB_OBJ) $(B)/main.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/%.o: src/%.c | $(B)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/test_%.o: tests/unit/test_%.c | $(B)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/test_%: $(B)/test_%.o $(LIB_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# The engine's tests run on a fake transport instead of the real one.
$(B)/fake_resolver.o: tests/unit/fake_resolver.c | $(B)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/test_lookup: $(B)/test_lookup.o $(B)/fake_resolver.o \
    $(filter-out $(B)/resolver.o,$(LIB_OBJ))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(B):
	mkdir -p $(B)

# The README's test command: missing test dependencies are installed, then
# the unit tests, every fuzz input kept, and the system tests.
check: deps-test
	$(MAKE) unit fuzz-replay system

deps-test:
	@sh scripts/deps.sh test

unit: $(UNIT_BIN)
	@sh tests/unit/run.sh $(UNIT_BIN)

# The fuzz harnesses as plain programs, on their seed corpus and on every
# input that ever found a bug (tests/fuzz/crashes); libFuzzer itself and
# clang are for `make fuzz`.
FUZZ_HARNESSES := fuzz_wire fuzz_answer fuzz_name fuzz_fmt
REPLAY_BIN := $(FUZZ_HARNESSES:%=$(B)/replay_%)

$(B)/replay_%.o: tests/fuzz/%.c | $(B)
	$(CC) $(ALL_CFLAGS) -Itests/fuzz -Itests/unit -Wno-missing-prototypes \
	    -MMD -MP -c -o $@ $<

$(B)/replay.o: tests/fuzz/replay.c | $(B)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/replay_%: $(B)/replay_%.o $(B)/replay.o $(LIB_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/replay_fuzz_fmt: $(B)/replay_fuzz_fmt.o $(B)/replay.o \
    $(B)/fake_resolver.o $(filter-out $(B)/resolver.o,$(LIB_OBJ))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

fuzz-replay: $(REPLAY_BIN)
	@for h in $(FUZZ_HARNESSES); do \
		set -- tests/fuzz/corpus/$$h/*; \
		for c in tests/fuzz/crashes/$$h-*; do \
			[ -f "$$c" ] && set -- "$$@" "$$c"; \
		done; \
		printf '%s: ' $$h; $(B)/replay_$$h "$$@" || exit 1; \
	done

# In a network namespace with only loopback, where one can be made: a
# mistake that aims a packet elsewhere finds no route.
system: mxq
	MXQ=$(CURDIR)/mxq sh scripts/loopback-only.sh \
	    $(PYTHON) -m pytest -q -p no:cacheprovider tests/system

demo:
	@sh examples/demo.sh

BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR ?= $(DATADIR)/zsh/site-functions
FISHCOMPDIR ?= $(DATADIR)/fish/vendor_completions.d

install: mxq
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) \
		$(DESTDIR)$(FISHCOMPDIR)
	install -m 755 mxq $(DESTDIR)$(BINDIR)/mxq
	install -m 644 man/mxq.1 $(DESTDIR)$(MANDIR)/man1/mxq.1
	install -m 644 completions/mxq.bash $(DESTDIR)$(BASHCOMPDIR)/mxq
	install -m 644 completions/_mxq $(DESTDIR)$(ZSHCOMPDIR)/_mxq
	install -m 644 completions/mxq.fish $(DESTDIR)$(FISHCOMPDIR)/mxq.fish

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/mxq $(DESTDIR)$(MANDIR)/man1/mxq.1 \
		$(DESTDIR)$(BASHCOMPDIR)/mxq $(DESTDIR)$(ZSHCOMPDIR)/_mxq \
		$(DESTDIR)$(FISHCOMPDIR)/mxq.fish

# FUZZ_SECONDS per harness, after replaying the seed corpus.
FUZZ_SECONDS ?= 60
fuzz:
	sh tests/fuzz/run.sh $(FUZZ_SECONDS)

bench: mxq
	sh bench/run.sh

lint:
	mandoc -Tlint -W warning man/mxq.1
	clang-format --dry-run --Werror $(LIB_SRC) src/main.c 2>/dev/null || \
		echo 'lint: clang-format differences (advisory)'

clean:
	rm -rf $(B) mxq

-include $(wildcard $(B)/*.d)
