/*
 * role: who a connection speaks for. Every role is one line of ROLES; its
 * enum, its wire name, the view of the room it gets and everything sized
 * by ROLE_COUNT follow from that line, so adding a role is a change in one
 * place that the compiler checks (switches over enum role warn when a role
 * is not handled).
 */
#ifndef SURAK_ROLE_H
#define SURAK_ROLE_H

/* What a role sees of a question: every field, or what the public may. */
enum view { VIEW_FULL, VIEW_PUBLIC };

/*         enum       wire name     view */
#define ROLES(X) \
	X(VIEWER,    "viewer",    VIEW_PUBLIC) \
	X(MODERATOR, "moderator", VIEW_FULL) \
	X(PRESENTER, "presenter", VIEW_PUBLIC) \
	X(OPERATOR,  "operator",  VIEW_PUBLIC)

enum role {
#define ROLE_ENUM(id, name, view) ROLE_##id,
	ROLES(ROLE_ENUM)
#undef ROLE_ENUM
	ROLE_COUNT
};

#define ROLE_BIT(r) (1u << (r))

const char *role_name(enum role r);
/* 0 with *out set if name is a role's wire name, else -1. */
int role_parse(const char *name, enum role *out);
enum view role_view(enum role r);

#endif
