# Surak: build, run and test.
#
#   make run      install what is missing, build, start Redis and the hub
#   make test     the same set-up, then every test suite
#   make          just build build/surak
#
# `make SANITIZER=address,undefined` builds into build/san/ instead.

CC ?= gcc
SANITIZER ?=

PKGS := libwebsockets hiredis jansson libutf8proc libuv libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wwrite-strings -Werror
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_GNU_SOURCE -pthread $(WARN) $(PKG_CFLAGS) -Iserver -I$(BUILD)/gen
LDLIBS += $(PKG_LIBS) -lm

ifeq ($(SANITIZER),)
BUILD := build
else
BUILD := build/san
CFLAGS += -O1 -fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZER)
endif

# Every module but main.c, so the unit tests can link them.
MODULES := util log config auth text dedupe embed_gen proto metrics msg map \
	store room session ws http
LUA := $(wildcard server/lua/*.lua)
DATA := $(wildcard server/data/*.txt)
OBJS := $(MODULES:%=$(BUILD)/obj/%.o)
UNIT := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))

.PHONY: all san deps run test unit clean
all: $(BUILD)/surak

$(BUILD)/surak: $(OBJS) $(BUILD)/obj/main.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/%.o: server/%.c server/*.h | $(BUILD)/obj
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/embed_gen.o: $(BUILD)/gen/embed_gen.c | $(BUILD)/obj
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/gen/embed_gen.c: scripts/embed.sh $(LUA) $(DATA) | $(BUILD)/gen
	scripts/embed.sh $(LUA:server/%=%) $(DATA:server/%=%) > $@.tmp && mv $@.tmp $@

$(BUILD)/tests/%: tests/unit/%.c $(OBJS) | $(BUILD)/tests
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(OBJS) $(LDLIBS) -lcmocka

$(BUILD)/obj $(BUILD)/gen $(BUILD)/tests:
	mkdir -p $@

unit: $(UNIT)

# The sanitizer build of the hub and of the unit tests.
san:
	$(MAKE) SANITIZER=address,undefined build/san/surak unit

deps:
	scripts/deps.sh run

run: deps
	$(MAKE) all
	scripts/run.sh

test:
	scripts/deps.sh test
	$(MAKE) all unit
	$(MAKE) san
	tests/run.sh

clean:
	rm -rf build
