/*
 * pace: when a room may fan out its next batch. GCRA: a virtual schedule
 * `tat` that each flush moves one tick on; a room may flush once it is no
 * more than one tick ahead of that schedule. Changes that come no faster
 * than one a tick therefore go out at once, whatever their phase, and
 * faster ones are coalesced into one batch a tick. (A plain "not sooner
 * than one tick after the last flush" rule locks onto the changes' phase;
 * docs/BENCHMARKS.md, "Pacing", has the figures behind both rules here.)
 *
 * A flush that takes longer than a tick and PACE_LONG_US (a room of
 * thousands) is followed by half its time without another, so one room's
 * fan-out takes at most two thirds of the loop and commands and Redis
 * replies keep flowing.
 *
 * Times are in microseconds; pure arithmetic, no clock.
 */
#ifndef SURAK_PACE_H
#define SURAK_PACE_H

#include <stdint.h>

#define PACE_LONG_US 20000	/* a flush shorter than this is never followed by a pause */

struct pace {
	uint64_t tat;		/* the virtual schedule: when the next flush is "due" */
};

/* The earliest time a flush is allowed. */
uint64_t pace_allowed_at(const struct pace *p, uint64_t tick);
/* A flush started at `start` and took `took`. */
void pace_flushed(struct pace *p, uint64_t start, uint64_t took, uint64_t tick);

#endif
