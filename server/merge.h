/*
 * merge: the rest of a merge, after the moderation command that made it.
 * moderate.lua moves what is one command (the source's own entry, its
 * voters, its author's own words) and leaves the source's variants and
 * their askers to merge_more.lua, a chunk per call; this module runs those
 * calls one after another until the merge is done. The hub that merged
 * runs them, and every hub that loads the room goes on with the merges its
 * snapshot lists as unfinished (a hub may have died halfway): the cursors
 * are in Redis, so two hubs running one merge only share the work.
 */
#ifndef SURAK_MERGE_H
#define SURAK_MERGE_H

#define MERGE_CHUNK 500	/* variants (or voters) one merge_more call moves */

/* Runs merge_more.lua for question id of room until it is done. */
void merge_finish(const char *room, const char *id);

#endif
