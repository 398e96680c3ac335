/*
 * similar: the questions a viewer typing a question is shown before
 * asking it (PROTOCOL.md "similar"): up to three of the room's questions
 * alike enough (verify.h, SIMILAR_MIN), found by the candidates script
 * (which also counts the viewer's rate limit), then the answer an earlier
 * broadcast gave to a question like it (past.h), if any.
 */
#ifndef SURAK_SIMILAR_H
#define SURAK_SIMILAR_H

struct session;
struct cmd;
struct config;

void similar_init(const struct config *cfg);
void cmd_similar(struct session *s, const struct cmd *c);

#endif
