/*
 * pii: personal data in a text (phones of Kazakhstan, IINs, payment card
 * numbers, e-mail addresses, in the forms residents write them), found by
 * shape and masked. Pure: no state, no I/O.
 */
#ifndef SURAK_PII_H
#define SURAK_PII_H

#include <stddef.h>

struct sbuf;

/*
 * Returns how many pieces of personal data text[0..len) (valid UTF-8)
 * holds. When there is any, masked receives the text (NFKC-normalised)
 * with each piece replaced by "•••"; otherwise masked is left empty.
 */
size_t pii_mask(const char *text, size_t len, struct sbuf *masked);

#endif
