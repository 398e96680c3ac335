/*
 * msg: one serialised server-to-client frame, reference counted so that a
 * batch serialised once is shared by every connection it goes to. The
 * bytes are preceded by LWS_PRE bytes of headroom for lws_write().
 */
#ifndef SURAK_MSG_H
#define SURAK_MSG_H

#include <stddef.h>

struct sbuf;

struct msg {
	unsigned refs;
	size_t len;
	unsigned char *data;	/* points LWS_PRE bytes into buf */
	unsigned char buf[];
};

/* A new message holding a copy of json[0..len), with one reference. */
struct msg *msg_new(const char *json, size_t len);
struct msg *msg_from_sbuf(const struct sbuf *b);
struct msg *msg_ref(struct msg *m);
void msg_unref(struct msg *m);	/* msg_unref(NULL) is a no-op */
/* Messages alive right now, for /metrics and leak checks. */
size_t msg_live(void);

#endif
