/*
 * pace: see pace.h.
 */
#include "pace.h"

uint64_t
pace_allowed_at(const struct pace *p, uint64_t tick)
{
	return p->tat > tick ? p->tat - tick : 0;
}

void
pace_flushed(struct pace *p, uint64_t start, uint64_t took, uint64_t tick)
{
	uint64_t rest;

	p->tat = (p->tat > start ? p->tat : start) + tick;
	if (took <= PACE_LONG_US || took <= tick)
		return;
	rest = start + took + took / 2 + tick;
	if (p->tat < rest)
		p->tat = rest;
}
