# Surak: build, run and test.
#
#   make run      install what is missing, build, start Redis and the hub
#   make test     the same set-up, then every test suite
#   make bench    the benchmarks (not part of make test)
#   make fuzz     the libFuzzer targets, FUZZ_SECONDS (60) each
#   make screenshots  copy the pages photographed by the last test run into docs/
#   make          just build build/surak
#
# `make SANITIZER=address,undefined` builds into build/san/ instead, and
# `make FUZZ=1` (clang, libFuzzer, ASan, UBSan) into build/fuzz/.

CC ?= gcc
SANITIZER ?=

PKGS := libwebsockets hiredis jansson libutf8proc libuv libcrypto libqrencode libsodium zlib libcurl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wwrite-strings -Werror
CFLAGS ?= -O2 -g
# Hardening (checked by tests/integration/hardening.test.mjs): fortified
# libc calls, stack protector, a position-independent executable, full RELRO.
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CFLAGS += -std=c11 -D_GNU_SOURCE -pthread $(WARN) $(HARDEN) $(PKG_CFLAGS) -Iserver -I$(BUILD)/gen
LDFLAGS += -pie -Wl,-z,relro,-z,now
LDLIBS += $(PKG_LIBS) -lstemmer -lm

ifeq ($(FUZZ),1)
CC := clang
BUILD := build/fuzz
CFLAGS += -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
else ifeq ($(SANITIZER),)
BUILD := build
else
BUILD := build/san
CFLAGS += -O1 -fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZER)
endif

# Every module but main.c, so the unit tests can link them.
MODULES := util log addr config auth role text lexicon dedupe doc minhash same pii screen embed_gen scripts_gen proto metrics \
	msg map qr idset outq event lookup copy pace render redis_uv rconn replicas cluster nodes prelude store fanout welcome presence roster rooms \
	session pending merge past tags receipt moderation hello verify ask similar votes commands httpio access staff staff_api staff_cli console api export desk report webclient telegram http ws workers
LUA := $(wildcard server/lua/*.lua)
DATA := $(wildcard server/data/*.txt)
OBJS := $(MODULES:%=$(BUILD)/obj/%.o)
UNIT := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
FUZZERS := $(patsubst tests/fuzz/%.c,$(BUILD)/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60

# `make V=1` shows the full compiler command lines.
ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all san fuzzers loadtools deps run test unit bench fuzz screenshots clean
all: $(BUILD)/surak

$(BUILD)/surak: $(OBJS) $(BUILD)/obj/main.o
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/%.o: server/%.c server/*.h $(BUILD)/gen/scripts_gen.h | $(BUILD)/obj
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/%_gen.o: $(BUILD)/gen/%_gen.c server/*.h $(BUILD)/gen/scripts_gen.h | $(BUILD)/obj
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/gen/embed_gen.c: scripts/embed.sh $(LUA) $(DATA) | $(BUILD)/gen
	@echo "  EMBED   $@"
	$(Q)scripts/embed.sh $(LUA:server/%=%) $(DATA:server/%=%) > $@.tmp && mv $@.tmp $@

# The C side of the script interface, from the scripts' own headers (server/script.h).
$(BUILD)/gen/scripts_gen.h: scripts/scripts.sh $(LUA) | $(BUILD)/gen
	@echo "  GEN     $@"
	$(Q)scripts/scripts.sh header $(LUA) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/scripts_gen.c: scripts/scripts.sh $(LUA) | $(BUILD)/gen
	@echo "  GEN     $@"
	$(Q)scripts/scripts.sh source $(LUA) > $@.tmp && mv $@.tmp $@

$(BUILD)/tests/%: tests/unit/%.c tests/unit/*.h $(OBJS) | $(BUILD)/tests
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(OBJS) $(LDLIBS) -lcmocka

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(OBJS)
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(OBJS) $(LDLIBS)

$(BUILD)/obj $(BUILD)/gen $(BUILD)/tests:
	$(Q)mkdir -p $@

unit: $(UNIT)

# The sanitizer build of the hub and of the unit tests.
san:
	$(Q)$(MAKE) --no-print-directory SANITIZER=address,undefined build/san/surak unit

# The libFuzzer targets (tests/fuzz/).
fuzzers:
	$(Q)$(MAKE) --no-print-directory FUZZ=1 $(patsubst build/%,build/fuzz/%,$(FUZZERS))

deps:
	$(Q)scripts/deps.sh run

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/run.sh

test:
	$(Q)scripts/deps.sh test
	$(Q)$(MAKE) --no-print-directory all unit loadtools
	$(Q)$(MAKE) --no-print-directory san
	$(Q)$(MAKE) --no-print-directory fuzzers
	$(Q)tests/run.sh

# The load tool and the bare broadcaster (the floor) of make bench, and
# tcp-nodelay, which reads a socket option of the hub's (http.test).
loadtools: build/surak-load build/bare-broadcast build/tcp-nodelay

build/tcp-nodelay: tests/tools/nodelay.c | build/obj
	@echo "  CC      $@"
	$(Q)$(CC) -O2 -g -std=c11 -D_GNU_SOURCE $(WARN) -o $@ $<

build/surak-load: tests/load/load.c | build/obj
	@echo "  CC      $@"
	$(Q)$(CC) -O2 -g -std=c11 $(WARN) -o $@ $< -lm

build/bare-broadcast: tests/load/bare.c | build/obj
	@echo "  CC      $@"
	$(Q)$(CC) -O2 -g -std=c11 $(WARN) -o $@ $< -lcrypto

bench:
	$(Q)scripts/deps.sh bench
	$(Q)$(MAKE) --no-print-directory all loadtools
	$(Q)scripts/bench.sh

fuzz:
	$(Q)scripts/deps.sh test
	$(Q)$(MAKE) --no-print-directory fuzzers
	$(Q)scripts/fuzz.sh $(FUZZ_SECONDS)

screenshots:
	cp tests/out/screenshots/viewer-phone.png tests/out/screenshots/moderator-desktop.png \
	    tests/out/screenshots/presenter-1080p.png tests/out/screenshots/overlay-1080p.png \
	    tests/out/screenshots/console.png tests/out/screenshots/moderator-signed-in.png \
	    tests/out/screenshots/answers.png tests/out/screenshots/desk-responder.png \
	    tests/out/screenshots/report.png tests/out/screenshots/moderator-triage.png \
	    tests/out/screenshots/viewer-answer-phone.png docs/screenshots/

clean:
	rm -rf build
