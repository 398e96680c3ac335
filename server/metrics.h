/*
 * metrics: process-wide counters and gauges, rendered for GET /metrics in
 * the Prometheus text exposition format.
 */
#ifndef SURAK_METRICS_H
#define SURAK_METRICS_H

#include <stdint.h>

#include "role.h"

struct sbuf;

/* Where a connection was refused for the open-files limit. */
enum refused_at { REFUSED_AT_UPGRADE, REFUSED_AT_ACCEPT, REFUSED_COUNT };

/* Why a Redis command or connection was given up on. */
enum redis_timeout {
	REDIS_TIMEOUT_REPLY,		/* a command's reply later than its deadline */
	REDIS_TIMEOUT_WAIT,		/* a command waited too long for admission */
	REDIS_TIMEOUT_HEARTBEAT,	/* Redis did not answer the heartbeat: connection reset */
	REDIS_TIMEOUT_SUBSCRIBER,	/* the subscriber missed a heartbeat: connection reset */
	REDIS_TIMEOUT_COUNT
};

struct metrics {
	uint64_t connections[ROLE_COUNT];	/* gauge: live WebSocket sessions, by role */
	uint64_t connections_total;	/* WebSocket connections accepted */
	uint64_t connections_refused;	/* refused: origin, IP limit, protocol */
	uint64_t rooms;			/* gauge: rooms with local sessions */
	uint64_t asked;			/* questions stored (new or duplicate) */
	uint64_t merged;		/* of which merged as duplicates */
	uint64_t ask_retries;		/* near-duplicate look-ups run again after a race */
	uint64_t ask_local;		/* asks whose candidates came from the hub's copy (lookup.h) */
	uint64_t ask_unchecked;		/* asks stored after ASK_TRIES retries, unchecked against newer */
	uint64_t ask_waits;		/* asks that waited for a close one in flight on this hub (ask.c) */
	uint64_t past_local;		/* look-ups of the deployment's memory in this hub's copy (past.c) */
	uint64_t past_records;		/* gauge: records in that copy */
	uint64_t past_whole;		/* gauge: 1 while the copy answers (holds the whole log) */
	uint64_t vote_batches;		/* calls of the votes script (votes.c) */
	uint64_t votes_batched;		/* votes sent in them */
	uint64_t acks;
	uint64_t events;		/* room events received from Redis */
	uint64_t frames_out;		/* WebSocket frames written */
	uint64_t bytes_out;
	uint64_t slow_resyncs;		/* sessions reset for falling behind */
	uint64_t slow_closes;		/* sessions closed for not reading at all */
	uint64_t keepalive_closes;	/* sessions dropped for not answering a ping */
	uint64_t hello_timeouts;	/* sessions dropped for never saying hello */
	uint64_t redis_up;		/* gauge: 1 while commands are accepted */
	uint64_t redis_reconnects;
	uint64_t redis_inflight;	/* gauge: commands sent to Redis, not answered */
	uint64_t redis_waiting;		/* gauge: commands waiting for admission */
	uint64_t redis_cancelled;	/* commands not sent: their client had left */
	uint64_t redis_replica_timeouts;	/* changes answered unavailable: too few replicas had them in time */
	uint64_t redis_waited;		/* commands that waited for admission */
	uint64_t redis_timeouts[REDIS_TIMEOUT_COUNT];	/* by cause */
	uint64_t loop_lag_count;	/* histogram of the loop's lag */
	uint64_t loop_lag_sum_us;
	uint64_t loop_lag_bucket[10];
	uint64_t refused_files[REFUSED_COUNT];	/* refused near the open-files limit, by where */
	uint64_t redis_rtt_us;		/* gauge: last heartbeat round trip */
	uint64_t redis_rtt_count;	/* histogram of round trips */
	uint64_t redis_rtt_sum_us;
	uint64_t redis_rtt_bucket[8];
	uint64_t http_requests;
};

extern struct metrics metrics;

/* Counts one error sent to a client, by its contract code. */
void metrics_error(const char *code);
void metrics_redis_rtt(uint64_t us);
/* How late the loop ran a timer, in microseconds. */
void metrics_loop_lag(uint64_t us);
void metrics_render(struct sbuf *out);

#endif
