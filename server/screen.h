/*
 * screen: what a question contains that a person should see before the
 * public does. Personal data (phone numbers, 12-digit IIN, e-mail
 * addresses) is flagged and masked in the public's copy; profanity
 * (data/profanity.txt) is flagged for moderators.
 */
#ifndef SURAK_SCREEN_H
#define SURAK_SCREEN_H

#include <stddef.h>

#define SCREEN_PERSONAL 1u	/* flag "personal_data" */
#define SCREEN_PROFANITY 2u	/* flag "profanity" */

struct sbuf;

int screen_init(void);
void screen_free(void);

/*
 * Screens text (cleaned user text). Returns SCREEN_* flags. When personal
 * data is found, masked receives the text with each piece replaced by
 * "•••"; otherwise masked is left empty.
 */
unsigned screen_text(const char *text, size_t len, struct sbuf *masked);

/* "personal_data,profanity" for the flags set (empty string for none). */
void screen_flag_names(unsigned flags, struct sbuf *out);

/*
 * Screens text into what the scripts store: *flags ("personal_data,…" or
 * "") and *masked (the public text, or "" when nothing is masked), both
 * allocated, for the caller to free.
 */
void screen_to_strings(const char *text, char **flags, char **masked);
/*
 * The same for a question and its asker's name: *flags covers both, and
 * *pname receives the name as the public may read it ("" if unchanged).
 */
void screen_both(const char *text, const char *name, char **flags, char **masked, char **pname);

#endif
