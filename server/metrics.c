/*
 * metrics: plain counters in one struct. Errors are counted per contract
 * code in a small fixed table, so an unknown code cannot grow memory.
 */
#include "metrics.h"

#include <string.h>

#include "msg.h"
#include "util.h"

struct metrics metrics;

static const char *const error_codes[] = {
	"bad_json", "bad_request", "unknown_type", "not_allowed", "auth_failed",
	"no_room", "no_question", "empty", "too_long", "rate_limited",
	"room_closed", "banned", "unavailable", "internal_error", "other",
};
static uint64_t error_counts[ARRAY_LEN(error_codes)];

/* Upper bounds of the Redis round-trip histogram, in microseconds. */
static const uint64_t rtt_bounds[8] = {
	250, 500, 1000, 2500, 5000, 10000, 50000, 250000
};
/* Upper bounds of the loop lag histogram, in microseconds. */
static const uint64_t lag_bounds[10] = {
	1000, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000
};
static const char *const timeout_causes[REDIS_TIMEOUT_COUNT] = {
	[REDIS_TIMEOUT_REPLY] = "reply", [REDIS_TIMEOUT_WAIT] = "admission",
	[REDIS_TIMEOUT_HEARTBEAT] = "heartbeat", [REDIS_TIMEOUT_SUBSCRIBER] = "subscriber",
};

void
metrics_error(const char *code)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(error_codes) - 1; i++)
		if (strcmp(code, error_codes[i]) == 0)
			break;
	error_counts[i]++;
}

void
metrics_redis_rtt(uint64_t us)
{
	size_t i;

	metrics.redis_rtt_us = us;
	metrics.redis_rtt_count++;
	metrics.redis_rtt_sum_us += us;
	for (i = 0; i < ARRAY_LEN(rtt_bounds); i++)
		if (us <= rtt_bounds[i])
			metrics.redis_rtt_bucket[i]++;
}

void
metrics_loop_lag(uint64_t us)
{
	size_t i;

	metrics.loop_lag_count++;
	metrics.loop_lag_sum_us += us;
	for (i = 0; i < ARRAY_LEN(lag_bounds); i++)
		if (us <= lag_bounds[i])
			metrics.loop_lag_bucket[i]++;
}

/* A histogram of microseconds, in seconds. */
static void
histogram(struct sbuf *o, const char *name, const char *help, const uint64_t *bounds,
    const uint64_t *buckets, size_t n, uint64_t count, uint64_t sum_us)
{
	size_t i;

	sbuf_printf(o, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	for (i = 0; i < n; i++)
		sbuf_printf(o, "%s_bucket{le=\"%g\"} %llu\n", name, (double)bounds[i] / 1e6,
		    (unsigned long long)buckets[i]);
	sbuf_printf(o, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n", name,
	    (unsigned long long)count, name, (double)sum_us / 1e6, name, (unsigned long long)count);
}

static void
counter(struct sbuf *o, const char *name, const char *help, uint64_t v)
{
	sbuf_printf(o, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n",
	    name, help, name, name, (unsigned long long)v);
}

static void
gauge(struct sbuf *o, const char *name, const char *help, uint64_t v)
{
	sbuf_printf(o, "# HELP %s %s\n# TYPE %s gauge\n%s %llu\n",
	    name, help, name, name, (unsigned long long)v);
}

void
metrics_render(struct sbuf *o)
{
	size_t i;

	sbuf_adds(o, "# HELP surak_connections WebSocket sessions open now, by role.\n"
	    "# TYPE surak_connections gauge\n");
	for (i = 0; i < ROLE_COUNT; i++)
		sbuf_printf(o, "surak_connections{role=\"%s\"} %llu\n", role_name((enum role)i),
		    (unsigned long long)metrics.connections[i]);
	counter(o, "surak_connections_total", "WebSocket connections accepted.",
	    metrics.connections_total);
	counter(o, "surak_connections_refused_total",
	    "WebSocket handshakes refused (origin, per-IP limit, subprotocol).",
	    metrics.connections_refused);
	gauge(o, "surak_rooms", "Rooms with sessions on this hub process.", metrics.rooms);
	counter(o, "surak_questions_asked_total", "Questions stored, duplicates included.",
	    metrics.asked);
	counter(o, "surak_questions_merged_total", "Questions merged into an earlier one as duplicates.",
	    metrics.merged);
	counter(o, "surak_ask_retries_total",
	    "Asks judged again because a close question appeared since their look-up.",
	    metrics.ask_retries);
	counter(o, "surak_ask_lookups_local_total",
	    "Asks whose near-duplicate candidates came from the hub's copy of the room, not Redis.",
	    metrics.ask_local);
	counter(o, "surak_ask_unchecked_total",
	    "Asks stored after losing every race (ask.c ASK_TRIES) without checking the questions newer than their last look.",
	    metrics.ask_unchecked);
	counter(o, "surak_ask_waits_total",
	    "Asks that waited for a close one (a band shared) in flight on this hub instead of racing it.",
	    metrics.ask_waits);
	counter(o, "surak_past_lookups_local_total",
	    "Look-ups of the deployment's memory answered by this hub's copy of it (past.c), not the past_find script.",
	    metrics.past_local);
	gauge(o, "surak_past_records", "Records of the deployment's memory in this hub's copy.", metrics.past_records);
	gauge(o, "surak_past_copy_whole",
	    "1 while this hub's copy of the deployment's memory holds all of it and answers look-ups, else 0 (past_find answers).",
	    metrics.past_whole);
	counter(o, "surak_vote_batches_total",
	    "Calls of the votes script: the votes on one question read in one loop turn, sent together.",
	    metrics.vote_batches);
	counter(o, "surak_votes_batched_total", "Votes and unvotes sent in those calls.", metrics.votes_batched);
	counter(o, "surak_acks_total", "Commands acknowledged after Redis stored them.", metrics.acks);
	sbuf_adds(o, "# HELP surak_errors_total Errors sent to clients, by contract code.\n"
	    "# TYPE surak_errors_total counter\n");
	for (i = 0; i < ARRAY_LEN(error_codes); i++)
		sbuf_printf(o, "surak_errors_total{code=\"%s\"} %llu\n", error_codes[i],
		    (unsigned long long)error_counts[i]);
	counter(o, "surak_events_total", "Room events received from Redis.", metrics.events);
	counter(o, "surak_frames_out_total", "WebSocket frames written.", metrics.frames_out);
	counter(o, "surak_bytes_out_total", "WebSocket payload bytes written.", metrics.bytes_out);
	counter(o, "surak_slow_resyncs_total",
	    "Sessions whose queue overflowed and were sent a fresh snapshot.", metrics.slow_resyncs);
	counter(o, "surak_slow_closes_total",
	    "Sessions closed because their queue overflowed again before that snapshot was written.",
	    metrics.slow_closes);
	counter(o, "surak_keepalive_closes_total",
	    "WebSocket sessions dropped for leaving a ping unanswered.",
	    metrics.keepalive_closes);
	counter(o, "surak_hello_timeouts_total",
	    "WebSocket sessions dropped for not sending hello within --handshake-timeout.",
	    metrics.hello_timeouts);
	gauge(o, "surak_messages_live", "Serialised frames held in memory.", msg_live());
	counter(o, "surak_http_requests_total", "HTTP requests served.", metrics.http_requests);
	gauge(o, "surak_redis_up", "1 while Redis accepts commands from this hub.", metrics.redis_up);
	counter(o, "surak_redis_reconnects_total", "Connections to Redis re-established.",
	    metrics.redis_reconnects);
	sbuf_printf(o, "# HELP surak_redis_rtt_seconds_last Last heartbeat round trip to Redis.\n"
	    "# TYPE surak_redis_rtt_seconds_last gauge\nsurak_redis_rtt_seconds_last %.6f\n",
	    (double)metrics.redis_rtt_us / 1e6);
	histogram(o, "surak_redis_rtt_seconds", "Heartbeat round trips to Redis.", rtt_bounds,
	    metrics.redis_rtt_bucket, ARRAY_LEN(rtt_bounds), metrics.redis_rtt_count,
	    metrics.redis_rtt_sum_us);
	gauge(o, "surak_redis_inflight", "Commands sent to Redis and not answered yet.",
	    metrics.redis_inflight);
	gauge(o, "surak_redis_waiting", "Commands waiting in the hub for admission to Redis.",
	    metrics.redis_waiting);
	counter(o, "surak_redis_admission_waits_total",
	    "Commands that waited in the hub because --redis-inflight were already at Redis.",
	    metrics.redis_waited);
	counter(o, "surak_redis_cancelled_total",
	    "Commands not sent to Redis because their client had left while they waited.",
	    metrics.redis_cancelled);
	counter(o, "surak_redis_replica_timeouts_total",
	    "changes answered unavailable because too few replicas had them in time (--redis-replicas)",
	    metrics.redis_replica_timeouts);
	sbuf_adds(o, "# HELP surak_redis_timeouts_total Redis commands or connections given up on, by cause: "
	    "reply (a command's deadline passed; it failed alone), admission (it waited too long to be sent), "
	    "heartbeat (Redis did not answer; connection reset), subscriber (the subscriber missed a "
	    "heartbeat; connection reset).\n# TYPE surak_redis_timeouts_total counter\n");
	for (i = 0; i < REDIS_TIMEOUT_COUNT; i++)
		sbuf_printf(o, "surak_redis_timeouts_total{cause=\"%s\"} %llu\n", timeout_causes[i],
		    (unsigned long long)metrics.redis_timeouts[i]);
	histogram(o, "surak_loop_lag_seconds",
	    "How late the event loop ran a timer due every 100 ms: time the loop was busy.", lag_bounds,
	    metrics.loop_lag_bucket, ARRAY_LEN(lag_bounds), metrics.loop_lag_count,
	    metrics.loop_lag_sum_us);
	sbuf_printf(o, "# HELP surak_refused_files_total Connections refused near the open-files limit: "
	    "WebSocket upgrades once the last 256 descriptors are reached (kept for health checks, "
	    "metrics, pages and Redis), any connection at accept once the last 32 are.\n"
	    "# TYPE surak_refused_files_total counter\n"
	    "surak_refused_files_total{at=\"upgrade\"} %llu\nsurak_refused_files_total{at=\"accept\"} %llu\n",
	    (unsigned long long)metrics.refused_files[REFUSED_AT_UPGRADE],
	    (unsigned long long)metrics.refused_files[REFUSED_AT_ACCEPT]);
}
