/*
 * embed: files compiled into the binary (the Lua scripts and the word
 * lists under server/data/), so one binary carries everything it needs.
 * The table itself is generated at build time by scripts/embed.sh.
 */
#ifndef SURAK_EMBED_H
#define SURAK_EMBED_H

#include <stddef.h>

struct embedded {
	const char *name;	/* path under server/, e.g. "lua/ask.lua" */
	const char *data;	/* NUL-terminated */
	size_t len;
};

extern const struct embedded embedded_files[];
extern const size_t embedded_count;

/* The embedded file named `name`, or NULL. */
const struct embedded *embed_get(const char *name);

#endif
