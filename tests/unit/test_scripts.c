/*
 * The interface between C and the Lua scripts (server/script.h): every
 * script's declared arguments and reply fields must agree with how the
 * script and the C side use them.
 *   - the script reads only arguments it declares (A.name), and reads each;
 *   - each of its {"ok", …} answers has exactly the declared fields;
 *   - the C side sets every declared argument by its slot ([ASK_CLIENT] = …)
 *     and runs every script (SCRIPT_ASK) somewhere in server/;
 *   - the script as the hub sends it, with only the part of lib.lua it
 *     needs (prelude.h), reads no global but Redis's own (luac5.1 -l lists
 *     every global a chunk reads or writes): a definition the prelude left
 *     out would be read as a global, and fail in Redis.
 * Run from the repository's top (tests/run.sh does).
 */
#include <ctype.h>
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "embed.h"
#include "script.h"
#include "store.h"
#include "util.h"

/* Every C file of server/, concatenated. */
static char *
c_sources(void)
{
	struct sbuf b = { 0 };
	struct dirent *e;
	DIR *d = opendir("server");
	char path[512], buf[8192];

	assert_non_null(d);
	sbuf_init(&b, 1 << 20);
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name), k;
		FILE *f;

		if (n < 3 || strcmp(e->d_name + n - 2, ".c") != 0)
			continue;
		snprintf(path, sizeof(path), "server/%s", e->d_name);
		assert_non_null(f = fopen(path, "r"));
		while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
			sbuf_add(&b, buf, k);
		fclose(f);
	}
	closedir(d);
	return sbuf_steal(&b, NULL);
}

static int
declared(const struct script_def *d, const char *name, size_t n)
{
	int i;

	for (i = 0; i < d->nargs; i++)
		if (strlen(d->args[i]) == n && memcmp(d->args[i], name, n) == 0)
			return 1;
	return 0;
}

static int
ident(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* The script reads every argument it declares, and no other. */
static void
arguments_used_as_declared(void **state)
{
	int s, i;

	(void)state;
	for (s = 0; s < SCRIPT_COUNT; s++) {
		const struct script_def *d = &script_defs[s];
		const struct embedded *e = embed_get(d->file);
		const char *p;

		assert_non_null(e);
		for (p = e->data; (p = strstr(p, "A.")) != NULL; p += 2) {
			size_t n = 0;

			if (p > e->data && ident(p[-1]))
				continue;	/* part of another name */
			while (ident(p[2 + n]))
				n++;
			if (!declared(d, p + 2, n))
				fail_msg("%s reads A.%.*s, which its header does not declare", d->file,
				    (int)n, p + 2);
		}
		for (i = 0; i < d->nargs; i++) {
			char use[64];

			snprintf(use, sizeof(use), "A.%s", d->args[i]);
			for (p = e->data; (p = strstr(p, use)) != NULL; p++)
				if (!ident(p[strlen(use)]) && (p == e->data || !ident(p[-1])))
					break;
			if (p == NULL)
				fail_msg("%s declares '%s' but never reads A.%s", d->file, d->args[i],
				    d->args[i]);
		}
	}
}

/* Elements of the table constructor starting at p ('{'), counted at its top level. */
static int
table_elements(const char *p)
{
	int depth = 0, n = 1;
	char quote = 0;

	for (; *p; p++) {
		if (quote) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == quote)
				quote = 0;
			continue;
		}
		if (*p == '\'' || *p == '"')
			quote = *p;
		else if (*p == '{' || *p == '(' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ')' || *p == ']') {
			if (--depth == 0)
				return n;
		} else if (*p == ',' && depth == 1)
			n++;
	}
	return -1;
}

/* Every {"ok", …} a script returns has the fields its header declares. */
static void
replies_as_declared(void **state)
{
	int s;

	(void)state;
	for (s = 0; s < SCRIPT_COUNT; s++) {
		const struct script_def *d = &script_defs[s];
		const struct embedded *e = embed_get(d->file);
		const char *p;
		int seen = 0;

		for (p = e->data; (p = strstr(p, "return {'ok'")) != NULL; p++) {
			int n = table_elements(p + 7);

			seen++;
			if (n != d->nreply)
				fail_msg("%s returns an \"ok\" with %d elements; its header declares %d",
				    d->file, n, d->nreply);
		}
		if (seen == 0)
			fail_msg("%s never returns {'ok', …}", d->file);
	}
}

/* The C side sets each declared argument by its slot, and runs each script. */
static void
c_side_sets_every_argument(void **state)
{
	char *src = c_sources(), name[128], up[64];
	int s, i;
	size_t k;

	(void)state;
	for (s = 0; s < SCRIPT_COUNT; s++) {
		const struct script_def *d = &script_defs[s];

		for (k = 0; d->name[k] && k < sizeof(up) - 1; k++)
			up[k] = (char)toupper((unsigned char)d->name[k]);
		up[k] = '\0';
		snprintf(name, sizeof(name), "SCRIPT_%s,", up);
		if (strstr(src, name) == NULL)
			fail_msg("no C code runs %s (%s)", d->file, name);
		for (i = 0; i < d->nargs; i++) {
			char slot[128];

			snprintf(slot, sizeof(slot), "[%s_", up);
			for (k = 0; d->args[i][k] && strlen(slot) < sizeof(slot) - 8; k++) {
				size_t l = strlen(slot);

				slot[l] = (char)toupper((unsigned char)d->args[i][k]);
				slot[l + 1] = '\0';
			}
			strcat(slot, "] =");
			if (strstr(src, slot) == NULL)
				fail_msg("no C code sets argument '%s' of %s (%s)", d->args[i], d->file, slot);
		}
	}
	free(src);
}

/* The globals Redis gives a script (and Lua 5.1's own). */
static const char *const redis_globals[] = {
	"KEYS", "ARGV", "redis", "cjson", "cmsgpack", "bit", "struct", "string", "table", "math",
	"tonumber", "tostring", "type", "pairs", "ipairs", "unpack", "next", "select", "error",
	"pcall", "assert", "setmetatable", "getmetatable", "rawget", "rawset", "rawequal",
};

/* Each script, as the hub loads it, reads and writes only Redis's globals. */
static void
scripts_use_no_other_global(void **state)
{
	char path[] = "/tmp/surak-script-XXXXXX", cmd[128], line[512];
	int s, fd;

	(void)state;
	for (s = 0; s < SCRIPT_COUNT; s++) {
		char *src = store_script_source((enum script_id)s);
		size_t len;
		FILE *p;
		int status;

		assert_non_null(src);
		len = strlen(src);
		strcpy(path, "/tmp/surak-script-XXXXXX");
		assert_true((fd = mkstemp(path)) >= 0);
		assert_int_equal(write(fd, src, len), (ssize_t)len);
		close(fd);
		free(src);
		snprintf(cmd, sizeof(cmd), "luac5.1 -l -p %s 2>&1", path);
		assert_non_null(p = popen(cmd, "r"));
		while (fgets(line, sizeof(line), p)) {
			const char *g = strstr(line, "GETGLOBAL");
			const char *name;
			size_t i, n;
			int known = 0;

			if (g == NULL && (g = strstr(line, "SETGLOBAL")) == NULL)
				continue;
			if ((name = strstr(g, "; ")) == NULL)
				continue;
			name += 2;
			n = strcspn(name, "\r\n");
			for (i = 0; i < ARRAY_LEN(redis_globals); i++)
				if (strlen(redis_globals[i]) == n && memcmp(redis_globals[i], name, n) == 0)
					known = 1;
			if (!known)
				fail_msg("%s uses '%.*s', not defined in what it is sent with", script_defs[s].file,
				    (int)n, name);
		}
		status = pclose(p);
		unlink(path);
		assert_int_equal(status, 0);	/* luac5.1 compiled it */
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(arguments_used_as_declared),
		cmocka_unit_test(replies_as_declared),
		cmocka_unit_test(c_side_sets_every_argument),
		cmocka_unit_test(scripts_use_no_other_global),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
