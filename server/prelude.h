/*
 * prelude: the part of lib.lua a script needs. Every script is sent to
 * Redis as lib.lua followed by the script (store.c), and Redis runs the
 * whole chunk on every call: lib.lua's ~60 definitions cost 15-25 us of
 * every call, some 40-60 us an ask (docs/BENCHMARKS.md, "A smaller
 * prelude"). lib.lua is a sequence of top-level definitions, each
 * starting with "local" at the start of a line; a script gets those its
 * text names and those they name, transitively, in lib.lua's order.
 *
 * Names are matched as words anywhere (in comments and strings too, and
 * after a dot): a definition kept that is not needed costs a little time,
 * one left out would fail, so the match errs on keeping.
 * tests/unit/test_scripts.c checks with luac that no script reads a
 * name its prelude left out.
 */
#ifndef SURAK_PRELUDE_H
#define SURAK_PRELUDE_H

#include <stddef.h>

struct sbuf;
struct prelude;

/* lib.lua (len bytes, kept by the caller) cut into its definitions. */
struct prelude *prelude_new(const char *lib, size_t len);
/*
 * Appends to out lib.lua with the definitions text does not need turned
 * into as many empty lines, so that a line number in a Redis error is the
 * line of the whole lib.lua's composition.
 */
void prelude_for(const struct prelude *pl, const char *text, struct sbuf *out);
void prelude_free(struct prelude *pl);

#endif
