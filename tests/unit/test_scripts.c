/*
 * The interface between C and the Lua scripts (server/script.h): every
 * script's declared arguments and reply fields must agree with how the
 * script and the C side use them.
 *   - the script reads only arguments it declares (A.name), and reads each;
 *   - each of its {"ok", …} answers has exactly the declared fields;
 *   - the C side sets every declared argument by its slot ([ASK_CLIENT] = …)
 *     and runs every script (SCRIPT_ASK) somewhere in server/.
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
#include <cmocka.h>

#include "embed.h"
#include "script.h"
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(arguments_used_as_declared),
		cmocka_unit_test(replies_as_declared),
		cmocka_unit_test(c_side_sets_every_argument),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
