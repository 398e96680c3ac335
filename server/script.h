/*
 * script: the named interface between C and the Lua scripts.
 *
 * Each script declares its arguments and reply fields in its own header
 * (`--@ args …`, `--@ reply …`, see scripts/scripts.sh). The build turns
 * those lines into scripts_gen.h: for script ask, the argument slots
 * ASK_CLIENT, ASK_RID, … (ASK_NARGS of them) and the reply indexes
 * ASK_R_ACK, ASK_R_ID, … (ASK_R_COUNT elements, "ok" first). C fills an
 * argument array by those names and reads a reply by them; Lua reads its
 * arguments as A.client, A.rid, … from a table built from the same list.
 * tests/unit/test_scripts.c fails when a script uses a name it does not
 * declare, returns another number of fields than it declares, or when the
 * C side never sets one of a script's arguments.
 */
#ifndef SURAK_SCRIPT_H
#define SURAK_SCRIPT_H

#include <stddef.h>

#include "scripts_gen.h"

struct script_def {
	const char *name;		/* "ask" */
	const char *file;		/* "lua/ask.lua", as embedded */
	int nargs;
	const char *const *args;	/* argument names, in ARGV order */
	int nreply;			/* elements of an "ok" reply, "ok" included */
	const char *const *reply;	/* their names, "ok" excluded */
};

extern const struct script_def script_defs[SCRIPT_COUNT];

#endif
