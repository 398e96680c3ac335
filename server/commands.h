/*
 * commands: what a client's frame asks for. Parses it (proto.c), checks
 * it against the session's state and role through one table (command →
 * roles allowed → handler), and runs it. The ask pipeline is in ask.c,
 * similar questions in similar.c, admission (hello) in hello.c; the rest
 * are here.
 */
#ifndef SURAK_COMMANDS_H
#define SURAK_COMMANDS_H

#include <stddef.h>
#include <uv.h>

struct session;
struct config;

void commands_init(uv_loop_t *loop, const struct config *cfg);
void commands_shutdown(void);
/* One complete frame of a session (the frame handler given to session_init()). */
void commands_frame(struct session *s, const char *data, size_t len);

#endif
