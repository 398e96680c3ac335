/*
 * redis_uv: hiredis 0.14's async API on a libuv loop, in place of
 * Debian's adapters/libuv.h, which drops poll errors.
 */
#ifndef SURAK_REDIS_UV_H
#define SURAK_REDIS_UV_H

#include <hiredis/async.h>
#include <uv.h>

/* Attaches ac to loop; REDIS_OK or REDIS_ERR, like redisLibuvAttach(). */
int redis_uv_attach(redisAsyncContext *ac, uv_loop_t *loop);

#endif
