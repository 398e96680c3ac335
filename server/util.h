/*
 * util: allocation that aborts on failure, clocks, a growable byte buffer
 * with JSON string escaping, and small parsing helpers shared by every
 * module. Nothing here knows about rooms, Redis or WebSockets.
 */
#ifndef SURAK_UTIL_H
#define SURAK_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Milliseconds: monotonic for deadlines, wall clock for stored times. */
uint64_t now_ms(void);
/* Monotonic clock in microseconds. */
uint64_t now_us(void);
uint64_t wall_ms(void);

/*
 * A growable buffer. `data` is always NUL-terminated so it can be used as a
 * C string; `len` excludes the NUL.
 */
struct sbuf {
	char *data;
	size_t len;
	size_t cap;
};

void sbuf_init(struct sbuf *b, size_t cap);
void sbuf_free(struct sbuf *b);
void sbuf_reset(struct sbuf *b);
void sbuf_grow(struct sbuf *b, size_t extra);
void sbuf_add(struct sbuf *b, const void *p, size_t n);
void sbuf_adds(struct sbuf *b, const char *s);
void sbuf_addc(struct sbuf *b, char c);
void sbuf_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends `s` (n bytes of valid UTF-8) as a quoted JSON string. */
void sbuf_json_str(struct sbuf *b, const char *s, size_t n);
void sbuf_json_strz(struct sbuf *b, const char *s);
/* Takes the buffer's memory; the buffer is left empty. */
char *sbuf_steal(struct sbuf *b, size_t *len);

/* Parses a whole decimal string into [min, max]; 0 on success, -1 if not. */
int parse_long(const char *s, long min, long max, long *out);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void hex_encode(const unsigned char *in, size_t n, char *out);

/* Sorts a JSON array (jansson's json_t) in place; cmp gets two json_t **. */
struct json_t;
void sort_json_array(struct json_t *a, int (*cmp)(const void *, const void *));

#endif
