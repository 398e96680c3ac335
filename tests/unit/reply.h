/*
 * hiredis replies built by hand, as Redis would answer, for the unit tests
 * of code that reads them (copy.c, ask.c, cluster.c).
 */
#ifndef SURAK_TEST_REPLY_H
#define SURAK_TEST_REPLY_H

#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static inline redisReply *
reply_node(int type)
{
	redisReply *r = calloc(1, sizeof(*r));

	r->type = type;
	return r;
}

static inline redisReply *
reply_int(long long v)
{
	redisReply *r = reply_node(REDIS_REPLY_INTEGER);

	r->integer = v;
	return r;
}

static inline redisReply *
reply_strn(const char *s, size_t n)
{
	redisReply *r = reply_node(REDIS_REPLY_STRING);

	r->str = malloc(n + 1);
	memcpy(r->str, s, n);
	r->str[n] = '\0';
	r->len = n;
	return r;
}

static inline redisReply *
reply_str(const char *s)
{
	return reply_strn(s, strlen(s));
}

/* An array of n elements, given. */
static inline redisReply *
reply_arr(size_t n, ...)
{
	redisReply *r = reply_node(REDIS_REPLY_ARRAY);
	va_list ap;
	size_t i;

	r->elements = n;
	r->element = calloc(n ? n : 1, sizeof(*r->element));
	va_start(ap, n);
	for (i = 0; i < n; i++)
		r->element[i] = va_arg(ap, redisReply *);
	va_end(ap);
	return r;
}

/* Appends e to the array a. */
static inline void
reply_push(redisReply *a, redisReply *e)
{
	a->element = realloc(a->element, (a->elements + 1) * sizeof(*a->element));
	a->element[a->elements++] = e;
}

static inline void
reply_free(redisReply *r)
{
	size_t i;

	for (i = 0; i < r->elements; i++)
		reply_free(r->element[i]);
	free(r->element);
	free(r->str);
	free(r);
}

#endif
