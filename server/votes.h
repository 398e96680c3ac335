/*
 * votes: the votes and unvotes of this hub's viewers. Those on one
 * question that arrive in one turn of the loop go to Redis together, as
 * one call of the votes script with one event for them all; a vote alone
 * goes as the vote script. Each vote is still checked and answered on its
 * own (its rid, its limits, its ack).
 */
#ifndef SURAK_VOTES_H
#define SURAK_VOTES_H

#include <uv.h>

#include "proto.h"

struct session;
struct config;

void votes_init(uv_loop_t *loop, const struct config *cfg);
void votes_shutdown(void);
void cmd_vote(struct session *s, const struct cmd *c);

#endif
