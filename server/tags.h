/*
 * tags: the topics and places of a question (DESK.md, Follow-up), found in
 * its words when it arrives: Russian and Kazakh, Kazakh typed with Russian
 * or Latin letters, typos that keep a word's beginning. The word lists and
 * the gazetteer are data files (server/data/topics.txt and places.txt,
 * compiled in; --tags DIR reads another region's from DIR), one catalog
 * of ids and names in three languages, which moderators correct with the
 * `tag` action and the pages filter by.
 *
 * File format: a line "id = ru | kk | en" begins a tag (places may name a
 * parent: "id < parent = …", and a place found counts its parent too);
 * the indented lines under it are its words, separated by spaces. A word
 * ending in * matches every word it begins ("дорог*": дорога, дорогу);
 * without it, only itself; words joined by _ match in a row
 * ("детск*_сад*"). Words are folded as residents' text is (lower case,
 * ё → е, Kazakh letters to their Russian look-alikes), so they are written
 * in ordinary spelling. A topic with no words ("other") is given when no
 * other topic is found. # begins a comment.
 */
#ifndef SURAK_TAGS_H
#define SURAK_TAGS_H

#include <stddef.h>

struct sbuf;

enum tag_kind { TAG_TOPIC, TAG_PLACE, TAG_KINDS };

/* Loads the lists from dir (NULL: the compiled-in ones). 0, or -1 with the reason logged. */
int tags_init(const char *dir);
void tags_free(void);

/*
 * The topics and places of a text, as comma-separated ids appended to
 * topics and places (sbufs initialised by the caller), in catalog order.
 */
void tags_of(const char *text, size_t len, struct sbuf *topics, struct sbuf *places);

/* 1 if every id of a comma-separated list (possibly empty) is a known tag of that kind. */
int tags_known(enum tag_kind kind, const char *list);

/* {"topics":[{"id","name":{"ru","kk","en"}},…],"places":[{"id","parent","name"},…]} */
void tags_catalog(struct sbuf *out);

#endif
