/*
 * config: every tunable of the hub, from command-line flags with
 * environment equivalents (flag beats environment beats default).
 */
#ifndef SURAK_CONFIG_H
#define SURAK_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "addr.h"

/* The window of the per-minute rate limits below, as the scripts take it (ms). */
#define CONFIG_RATE_WINDOW_MS "60000"

struct redis_addr {
	char *host;		/* NULL when unix_path is set */
	int port;
	char *unix_path;	/* unix:///path/to/redis.sock */
	char *password;		/* NULL: no AUTH */
	int db;
};

struct config {
	int port;
	char *host;		/* listen address; NULL = every interface */
	char *redis_url;
	struct redis_addr redis;
	char *redis_cluster;	/* seed nodes of a Redis Cluster, or NULL: the one Redis of redis_url */
	struct redis_addr *seeds;	/* redis_cluster, parsed */
	int nseeds;
	char *redis_sentinel;	/* Sentinels that say where the one Redis is, or NULL */
	char *redis_master;	/* the master's name at the Sentinels */
	struct redis_addr *sentinels;	/* redis_sentinel, parsed */
	int nsentinels;
	char *admin_token;
	char *web_dir;
	char *tags_dir;		/* topics.txt and places.txt; NULL = built in */
	char *chart_js;		/* served at /static/vendor/chart.min.js */
	char *telegram_token;	/* the bot's token, or NULL: no bot */
	char *telegram_api;	/* the Bot API's base URL */
	char *public_url;	/* base URL residents open, for QR codes; NULL = from Host */
	char *origins;		/* comma-separated allowlist; NULL = own origin */
	int ask_per_min;	/* asks per client per room */
	int vote_per_min;	/* votes and unvotes per client per room */
	int similar_per_min;	/* "similar" look-ups per client per room */
	int ask_per_min_ip;	/* the same three per client IP address */
	int vote_per_min_ip;
	int similar_per_min_ip;
	int fresh_client_s;	/* a client this new is "fresh" (vote bursts) */
	int vote_burst;		/* fresh votes on a question per minute that make a burst */
	int past_copy;		/* the hub's copy of the deployment's memory (past.c) */
	int workers;
	int conns_per_ip;
	int history;		/* events kept per room for resume */
	int tick_ms;		/* fan-out coalescing interval */
	int queue_max;		/* messages queued per connection before drop */
	int redis_timeout_ms;	/* a command's reply later than this fails it; a heartbeat, Redis is down */
	int redis_replicas;	/* replicas a change must reach before its ack (WAIT) */
	int redis_replica_wait_ms;
	int redis_inflight;	/* commands at Redis at once; the rest wait in the hub */
	int handshake_timeout_s;
	int keepalive_s;
	char *trust_proxy;	/* CIDRs of the proxies in front, or NULL */
	struct cidrs trusted;	/* trust_proxy, parsed */
	int id_rate;		/* new client ids per address group per minute that count */
	int id_cost;		/* bits of proof of work a new client id owes (0: none) */
	int ban_hold_s;		/* new ids from a banned author's address group are held this long */
	int log_level;
};

/*
 * Fills `c` from argv and the environment. Returns 0 when the hub should
 * start, 1 when --help was printed, -1 on an error described in err.
 */
int config_load(struct config *c, int argc, char **argv, char *err, size_t errlen);
void config_free(struct config *c);
int config_parse_redis_url(const char *url, struct redis_addr *out, char *err, size_t errlen);
void config_usage(FILE *f);

#endif
