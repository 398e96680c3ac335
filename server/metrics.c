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
	    "Near-duplicate look-ups run again because a close question appeared meanwhile.",
	    metrics.ask_retries);
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
	sbuf_adds(o, "# HELP surak_redis_rtt_seconds Heartbeat round trips to Redis.\n"
	    "# TYPE surak_redis_rtt_seconds histogram\n");
	for (i = 0; i < ARRAY_LEN(rtt_bounds); i++)
		sbuf_printf(o, "surak_redis_rtt_seconds_bucket{le=\"%g\"} %llu\n",
		    (double)rtt_bounds[i] / 1e6, (unsigned long long)metrics.redis_rtt_bucket[i]);
	sbuf_printf(o, "surak_redis_rtt_seconds_bucket{le=\"+Inf\"} %llu\n"
	    "surak_redis_rtt_seconds_sum %.6f\nsurak_redis_rtt_seconds_count %llu\n",
	    (unsigned long long)metrics.redis_rtt_count, (double)metrics.redis_rtt_sum_us / 1e6,
	    (unsigned long long)metrics.redis_rtt_count);
}
