/*
 * text: what the hub does to user text. Validation of UTF-8, the cleaning
 * applied to every stored question and name, and the folding into
 * normalised tokens that duplicate detection compares.
 */
#ifndef SURAK_TEXT_H
#define SURAK_TEXT_H

#include <stddef.h>
#include <stdint.h>

struct sbuf;

/* 1 if s[0..n) is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
int text_utf8_valid(const char *s, size_t n);

/*
 * Replaces, in place, every byte of s[0..n) that is not part of well-formed
 * UTF-8 by '?'. Returns how many were replaced.
 */
size_t text_utf8_repair(char *s, size_t n);

/* Number of code points in valid UTF-8. */
size_t text_chars(const char *s, size_t n);

/*
 * Cleans user text for storage: control and format characters (bidi
 * overrides, zero-width marks, NUL) removed, runs of white space collapsed
 * to one space, ends trimmed, stacks of more than four combining marks
 * cut, then NFC. Idempotent. Writes into out (reset first) and returns the
 * number of code points kept, or -1 if s is not valid UTF-8.
 */
long text_clean(const char *s, size_t n, struct sbuf *out);

/*
 * Folds text into comparison tokens, appended to out separated by single
 * spaces: NFKC and case folding (utf8proc), ё→е, Kazakh letters to their
 * Russian look-alikes, Latin look-alike letters inside Cyrillic words to
 * Cyrillic, accents off Latin letters; punctuation, symbols and emoji
 * separate tokens and are dropped; letters and digits never share a token.
 * Returns the number of tokens.
 */
size_t text_fold(const char *s, size_t n, struct sbuf *out);

/* 1 if s holds only ASCII bytes. */
int text_is_ascii(const char *s, size_t n);
/*
 * A folded Latin word (Kazakh in the 2021 Latin alphabet, accents folded
 * away, or Russian typed in Latin letters) in the folded Cyrillic the
 * other residents type, appended to out: "jol" → "жол", "shkola" → "школа".
 */
void text_latin_to_cyrillic(const char *s, size_t n, struct sbuf *out);

#endif
