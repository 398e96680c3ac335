/*
 * role: the table behind role.h, generated from the one list of roles.
 */
#include "role.h"

#include <string.h>

static const struct {
	const char *name;
	enum view view;
} roles[ROLE_COUNT] = {
#define ROLE_ROW(id, name, view) [ROLE_##id] = { name, view },
	ROLES(ROLE_ROW)
#undef ROLE_ROW
};

const char *
role_name(enum role r)
{
	return roles[r].name;
}

int
role_parse(const char *name, enum role *out)
{
	int i;

	for (i = 0; i < ROLE_COUNT; i++)
		if (strcmp(name, roles[i].name) == 0) {
			*out = (enum role)i;
			return 0;
		}
	return -1;
}

enum view
role_view(enum role r)
{
	return roles[r].view;
}
