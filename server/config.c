/*
 * config: one table lists every option once, with its flag, its environment
 * variable, its default, its bounds and its help line; parsing, defaults and
 * --help are all driven by that table, so they cannot disagree.
 */
#include "config.h"
#include "log.h"
#include "util.h"

#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum opt_type { OPT_INT, OPT_STR, OPT_BOOL, OPT_LEVEL };

struct opt {
	const char *flag;
	const char *env;
	enum opt_type type;
	size_t offset;
	const char *def;	/* default as text; NULL = unset */
	long min, max;
	const char *help;
};

#define OFF(f) offsetof(struct config, f)

static const struct opt opts[] = {
	{ "port", "SURAK_PORT", OPT_INT, OFF(port), "8080", 0, 65535,
	  "TCP port for HTTP and WebSocket" },
	{ "host", "SURAK_HOST", OPT_STR, OFF(host), NULL, 0, 0,
	  "listen address (default: every interface)" },
	{ "redis", "REDIS_URL", OPT_STR, OFF(redis_url), "redis://127.0.0.1:6379", 0, 0,
	  "redis://[:password@]host[:port][/db] or unix:///path.sock" },
	{ "redis-cluster", "SURAK_REDIS_CLUSTER", OPT_STR, OFF(redis_cluster), NULL, 0, 0,
	  "a Redis Cluster instead: seed nodes as HOST:PORT[,HOST:PORT…] (or redis://[:password@]HOST:PORT URLs)" },
	{ "redis-sentinel", "SURAK_REDIS_SENTINEL", OPT_STR, OFF(redis_sentinel), NULL, 0, 0,
	  "Redis Sentinels as HOST:PORT[,…]: the one Redis is the master they name (--redis gives its password and db)" },
	{ "redis-master", "SURAK_REDIS_MASTER", OPT_STR, OFF(redis_master), "surak", 0, 0,
	  "the master's name at the Sentinels" },
	{ "admin-token", "SURAK_ADMIN_TOKEN", OPT_STR, OFF(admin_token), NULL, 0, 0,
	  "a bearer token that acts as an admin: rooms, staff, departments (required, 16+ characters)" },
	{ "web", "SURAK_WEB", OPT_STR, OFF(web_dir), "web", 0, 0,
	  "folder holding the pages" },
	{ "tags", "SURAK_TAGS", OPT_STR, OFF(tags_dir), NULL, 0, 0,
	  "folder with topics.txt and places.txt for tagging questions (default: Atyrau region's, built in)" },
	{ "chart-js", "SURAK_CHART_JS", OPT_STR, OFF(chart_js), "/usr/share/javascript/chart.js/chart.min.js", 0, 0,
	  "Chart.js for the report pages (Debian's libjs-chart.js)" },
	{ "telegram-token", "SURAK_TELEGRAM_TOKEN", OPT_STR, OFF(telegram_token), NULL, 0, 0,
	  "the Telegram bot's token from BotFather (default: no bot)" },
	{ "telegram-api", "SURAK_TELEGRAM_API", OPT_STR, OFF(telegram_api), "https://api.telegram.org", 0, 0,
	  "the Bot API's base URL" },
	{ "public-url", "SURAK_PUBLIC_URL", OPT_STR, OFF(public_url), NULL, 0, 0,
	  "base URL residents open, e.g. https://qa.example.kz (default: from the Host header)" },
	{ "origins", "SURAK_ORIGINS", OPT_STR, OFF(origins), NULL, 0, 0,
	  "comma-separated Origins allowed to open /ws (default: the hub's own)" },
	{ "ask-rate", "SURAK_ASK_RATE", OPT_INT, OFF(ask_per_min), "5", 1, 100000,
	  "questions per client per room per minute" },
	{ "vote-rate", "SURAK_VOTE_RATE", OPT_INT, OFF(vote_per_min), "120", 1, 100000,
	  "votes and unvotes per client per room per minute" },
	{ "similar-rate", "SURAK_SIMILAR_RATE", OPT_INT, OFF(similar_per_min), "30", 1, 100000,
	  "similar-question look-ups per client per room per minute" },
	{ "ask-rate-ip", "SURAK_ASK_RATE_IP", OPT_INT, OFF(ask_per_min_ip), "120", 1, 1000000,
	  "questions per client IP address per room per minute" },
	{ "vote-rate-ip", "SURAK_VOTE_RATE_IP", OPT_INT, OFF(vote_per_min_ip), "1200", 1, 1000000,
	  "votes per client IP address per room per minute" },
	{ "similar-rate-ip", "SURAK_SIMILAR_RATE_IP", OPT_INT, OFF(similar_per_min_ip), "600", 1, 1000000,
	  "similar-question look-ups per client IP address per room per minute" },
	{ "fresh-client", "SURAK_FRESH_CLIENT", OPT_INT, OFF(fresh_client_s), "120", 0, 86400,
	  "seconds a client counts as new for vote-burst detection" },
	{ "vote-burst", "SURAK_VOTE_BURST", OPT_INT, OFF(vote_burst), "10", 1, 1000000,
	  "votes from new clients on one question per minute before further ones are held" },
	{ "past-copy", "SURAK_PAST_COPY", OPT_BOOL, OFF(past_copy), "1", 0, 0,
	  "keep a copy of the deployment's memory in this hub and look it up there (0: past_find in Redis)" },
	{ "workers", "SURAK_WORKERS", OPT_INT, OFF(workers), "1", 1, 64,
	  "hub processes sharing the port (SO_REUSEPORT), to use several cores" },
	{ "conns-per-ip", "SURAK_CONNS_PER_IP", OPT_INT, OFF(conns_per_ip), "1000", 1, 1000000,
	  "WebSocket connections per client IP address" },
	{ "history", "SURAK_HISTORY", OPT_INT, OFF(history), "1000", 16, 1000000,
	  "events kept per room for resume" },
	{ "tick-ms", "SURAK_TICK_MS", OPT_INT, OFF(tick_ms), "10", 0, 1000,
	  "a room fans out at most one batch per this many ms on average (faster changes are coalesced)" },
	{ "queue", "SURAK_QUEUE", OPT_INT, OFF(queue_max), "512", 4, 1000000,
	  "frames queued for one connection before it is reset to a snapshot" },
	{ "redis-timeout-ms", "SURAK_REDIS_TIMEOUT_MS", OPT_INT, OFF(redis_timeout_ms), "2000", 100, 600000,
	  "a command without a reply this long after it was sent fails alone; a heartbeat, and Redis is down" },
	{ "redis-replicas", "SURAK_REDIS_REPLICAS", OPT_INT, OFF(redis_replicas), "0", 0, 16,
	  "replicas that must have a change before it is acknowledged (Redis WAIT; 0: none)" },
	{ "redis-replica-wait", "SURAK_REDIS_REPLICA_WAIT", OPT_INT, OFF(redis_replica_wait_ms), "500", 1, 60000,
	  "how long a change waits for --redis-replicas, in ms; then the client gets unavailable" },
	{ "redis-inflight", "SURAK_REDIS_INFLIGHT", OPT_INT, OFF(redis_inflight), "128", 1, 100000,
	  "commands at Redis at once; the rest wait in the hub, in order" },
	{ "handshake-timeout", "SURAK_HANDSHAKE_TIMEOUT", OPT_INT, OFF(handshake_timeout_s), "10", 1, 3600,
	  "seconds allowed to finish an HTTP request, or a WebSocket handshake and its hello" },
	{ "keepalive", "SURAK_KEEPALIVE", OPT_INT, OFF(keepalive_s), "30", 1, 3600,
	  "seconds of silence before a WebSocket is pinged; closed if the pong is that late again" },
	{ "trust-proxy", "SURAK_TRUST_PROXY", OPT_STR, OFF(trust_proxy), NULL, 0, 0,
	  "CIDRs of the proxies in front (10.0.0.0/8,…): the client address is the right-most X-Forwarded-For one not among them" },
	{ "id-rate", "SURAK_ID_RATE", OPT_INT, OFF(id_rate), "120", 1, 100000,
	  "new client ids per address (IPv6: per /64) per minute whose votes count at once; the rest are held" },
	{ "id-cost", "SURAK_ID_COST", OPT_INT, OFF(id_cost), "0", 0, 28,
	  "bits of proof of work a new client id must show before its votes count (0: off; for a room under attack)" },
	{ "ban-hold", "SURAK_BAN_HOLD", OPT_INT, OFF(ban_hold_s), "3600", 0, 864000,
	  "seconds a ban also holds new client ids from the banned author's address" },
	{ "log-level", "SURAK_LOG_LEVEL", OPT_LEVEL, OFF(log_level), "info", 0, 0,
	  "error, warn, info or debug" },
};

static int
set_opt(struct config *c, const struct opt *o, const char *val, char *err, size_t errlen)
{
	char *base = (char *)c;
	long v;

	switch (o->type) {
	case OPT_LEVEL:
		if ((v = log_parse_level(val)) < 0) {
			snprintf(err, errlen, "--%s: unknown level '%s'", o->flag, val);
			return -1;
		}
		*(int *)(base + o->offset) = (int)v;
		break;
	case OPT_INT:
		if (parse_long(val, o->min, o->max, &v) < 0) {
			snprintf(err, errlen, "--%s: '%s' is not a number in %ld..%ld",
			    o->flag, val, o->min, o->max);
			return -1;
		}
		*(int *)(base + o->offset) = (int)v;
		break;
	case OPT_BOOL:
		if (strcmp(val, "1") == 0 || strcmp(val, "true") == 0 || strcmp(val, "yes") == 0)
			*(int *)(base + o->offset) = 1;
		else if (strcmp(val, "0") == 0 || strcmp(val, "false") == 0 || strcmp(val, "no") == 0)
			*(int *)(base + o->offset) = 0;
		else {
			snprintf(err, errlen, "--%s: '%s' is not 0/1", o->flag, val);
			return -1;
		}
		break;
	case OPT_STR: {
		char **slot = (char **)(base + o->offset);

		free(*slot);
		*slot = val[0] ? xstrdup(val) : NULL;
		break;
	}
	}
	return 0;
}

void
config_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: surak [options]\n\n"
	    "Surak: live-broadcast Q&A moderation hub.\n"
	    "Every option can also be set through the environment variable shown.\n\n");
	for (i = 0; i < ARRAY_LEN(opts); i++) {
		const struct opt *o = &opts[i];
		char left[64];

		snprintf(left, sizeof(left), "--%s%s", o->flag,
		    o->type == OPT_BOOL ? "[=0|1]" : "=VALUE");
		fprintf(f, "  %-28s %s\n  %-28s env %s%s%s\n", left, o->help, "",
		    o->env, o->def ? ", default " : "", o->def ? o->def : "");
	}
	fprintf(f, "  %-28s %s\n", "--help", "print this help and exit");
}

static char *
take(const char *s, size_t n)
{
	return xstrndup(s, n);
}

int
config_parse_redis_url(const char *url, struct redis_addr *out, char *err, size_t errlen)
{
	const char *p, *at, *slash, *colon;
	long v;

	memset(out, 0, sizeof(*out));
	out->port = 6379;
	if (strncmp(url, "unix://", 7) == 0) {
		if (url[7] != '/') {
			snprintf(err, errlen, "redis url: unix:// needs an absolute path");
			return -1;
		}
		out->unix_path = xstrdup(url + 7);
		return 0;
	}
	if (strncmp(url, "redis://", 8) != 0) {
		snprintf(err, errlen, "redis url must start with redis:// or unix://");
		return -1;
	}
	p = url + 8;
	at = strrchr(p, '@');
	if (at) {
		const char *pw = memchr(p, ':', (size_t)(at - p));

		/* redis://user:password@host: the user part is ignored (AUTH password). */
		pw = pw ? pw + 1 : p;
		if (at > pw)
			out->password = take(pw, (size_t)(at - pw));
		p = at + 1;
	}
	slash = strchr(p, '/');
	if (slash == NULL)
		slash = p + strlen(p);
	colon = memchr(p, ':', (size_t)(slash - p));
	if (colon) {
		char port[16];
		size_t n = (size_t)(slash - colon - 1);

		if (n == 0 || n >= sizeof(port)) {
			snprintf(err, errlen, "redis url: bad port");
			goto fail;
		}
		memcpy(port, colon + 1, n);
		port[n] = '\0';
		if (parse_long(port, 1, 65535, &v) < 0) {
			snprintf(err, errlen, "redis url: bad port '%s'", port);
			goto fail;
		}
		out->port = (int)v;
	} else
		colon = slash;
	if (colon == p) {
		snprintf(err, errlen, "redis url: missing host");
		goto fail;
	}
	out->host = take(p, (size_t)(colon - p));
	if (*slash == '/' && slash[1]) {
		if (parse_long(slash + 1, 0, 1000000, &v) < 0) {
			snprintf(err, errlen, "redis url: bad database number '%s'", slash + 1);
			goto fail;
		}
		out->db = (int)v;
	}
	return 0;
fail:
	free(out->password);
	free(out->host);
	memset(out, 0, sizeof(*out));
	return -1;
}

/* --redis-cluster or --redis-sentinel: HOST:PORT or redis:// URLs, comma-separated. */
static int
parse_nodes(const char *flag, const char *list, struct redis_addr **out, int *count, char *err, size_t errlen)
{
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, ",");
		char url[512];
		struct redis_addr a;

		if (n == 0 || n >= 256) {
			snprintf(err, errlen, "--%s takes HOST:PORT[,HOST:PORT…], not '%.64s'", flag, list);
			return -1;
		}
		snprintf(url, sizeof(url), "%s%.*s", strncmp(p, "redis://", 8) == 0 ? "" : "redis://", (int)n, p);
		if (config_parse_redis_url(url, &a, err, errlen) < 0)
			return -1;
		if (a.unix_path || a.db) {
			snprintf(err, errlen, "--%s: a node is HOST:PORT (no socket path, no db), not '%.*s'",
			    flag, (int)n, p);
			free(a.host);
			free(a.unix_path);
			free(a.password);
			return -1;
		}
		*out = xrealloc(*out, (size_t)(*count + 1) * sizeof(**out));
		(*out)[(*count)++] = a;
		p += n;
		if (*p == ',')
			p++;
	}
	if (*count == 0) {
		snprintf(err, errlen, "--%s needs at least one HOST:PORT", flag);
		return -1;
	}
	return 0;
}

int
config_load(struct config *c, int argc, char **argv, char *err, size_t errlen)
{
	struct option lopts[ARRAY_LEN(opts) + 2];
	size_t i;
	int ch, idx;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < ARRAY_LEN(opts); i++) {
		const char *env = getenv(opts[i].env);

		if (opts[i].def && set_opt(c, &opts[i], opts[i].def, err, errlen) < 0)
			return -1;
		if (env && *env && set_opt(c, &opts[i], env, err, errlen) < 0) {
			size_t n = strlen(err);

			snprintf(err + n, errlen - n, " (from %s)", opts[i].env);
			return -1;
		}
		lopts[i].name = opts[i].flag;
		lopts[i].has_arg = opts[i].type == OPT_BOOL ? optional_argument : required_argument;
		lopts[i].flag = NULL;
		lopts[i].val = 1000 + (int)i;
	}
	lopts[i] = (struct option){ "help", no_argument, NULL, 'h' };
	lopts[i + 1] = (struct option){ NULL, 0, NULL, 0 };

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", lopts, &idx)) != -1) {
		if (ch == 'h')
			return 1;
		if (ch < 1000 || ch >= 1000 + (int)ARRAY_LEN(opts)) {
			snprintf(err, errlen, "unknown or incomplete option '%s' (see --help)",
			    argv[optind - 1]);
			return -1;
		}
		if (set_opt(c, &opts[ch - 1000], optarg ? optarg : "1", err, errlen) < 0)
			return -1;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
		return -1;
	}
	if (c->admin_token == NULL) {
		snprintf(err, errlen, "an admin token is required: --admin-token or SURAK_ADMIN_TOKEN");
		return -1;
	}
	if (strlen(c->admin_token) < 16) {
		snprintf(err, errlen, "the admin token must be at least 16 characters");
		return -1;
	}
	if (config_parse_redis_url(c->redis_url, &c->redis, err, errlen) < 0)
		return -1;
	if (c->redis_cluster && c->redis_sentinel) {
		snprintf(err, errlen, "--redis-cluster and --redis-sentinel: one or the other");
		return -1;
	}
	if (c->redis_cluster &&
	    parse_nodes("redis-cluster", c->redis_cluster, &c->seeds, &c->nseeds, err, errlen) < 0)
		return -1;
	if (c->redis_sentinel &&
	    parse_nodes("redis-sentinel", c->redis_sentinel, &c->sentinels, &c->nsentinels, err, errlen) < 0)
		return -1;
	if (c->trust_proxy && (strcmp(c->trust_proxy, "0") == 0 || strcmp(c->trust_proxy, "false") == 0 ||
	    strcmp(c->trust_proxy, "no") == 0)) {
		free(c->trust_proxy);
		c->trust_proxy = NULL;
	}
	if (c->trust_proxy && addr_parse_cidrs(c->trust_proxy, &c->trusted) < 0) {
		snprintf(err, errlen, "--trust-proxy takes the proxies' addresses as CIDRs "
		    "(e.g. 10.0.0.0/8,127.0.0.1), not '%.64s'", c->trust_proxy);
		return -1;
	}
	return 0;
}

void
config_free(struct config *c)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(opts); i++)
		if (opts[i].type == OPT_STR)
			free(*(char **)((char *)c + opts[i].offset));
	free(c->redis.host);
	free(c->redis.unix_path);
	free(c->redis.password);
	for (i = 0; i < (size_t)c->nseeds; i++) {
		free(c->seeds[i].host);
		free(c->seeds[i].unix_path);
		free(c->seeds[i].password);
	}
	free(c->seeds);
	for (i = 0; i < (size_t)c->nsentinels; i++) {
		free(c->sentinels[i].host);
		free(c->sentinels[i].password);
	}
	free(c->sentinels);
	memset(c, 0, sizeof(*c));
}
