/*
 * hello: admitting a session into a room. A viewer's hello asks Redis for
 * what the room's copy does not hold (its own questions and votes), in a
 * batch with the other viewers of that room that said hello in the same
 * turn of the loop; a moderator's or presenter's asks for the room's key
 * hashes, which the hub compares with the key in constant time. Then the
 * session joins the room (rooms_join()), which sends its welcome.
 */
#ifndef SURAK_HELLO_H
#define SURAK_HELLO_H

#include <uv.h>

struct session;
struct cmd;

struct config;

void hello_init(uv_loop_t *loop, const struct config *cfg);
/* Answers the hellos still collecting (unavailable) and stops. */
void hello_shutdown(void);
void cmd_hello(struct session *s, struct cmd *c);

#endif
