/*
 * hello: admitting a session into a room. A viewer's hello asks Redis for
 * what the room's copy does not hold (its own questions and votes); a
 * moderator's or presenter's for the room's key hashes, which the hub
 * compares with the key in constant time. Then the session joins the room
 * (rooms_join()), which sends its welcome.
 */
#ifndef SURAK_HELLO_H
#define SURAK_HELLO_H

struct session;
struct cmd;

void cmd_hello(struct session *s, struct cmd *c);

#endif
