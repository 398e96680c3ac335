/*
 * staff_cli: `surak staff add LOGIN --name "…" --role admin [--role …]
 * [--department …] [--redis URL]`, the first admin without curl: the
 * password is read from standard input (its first line), hashed here and
 * stored with the staff_put script, as the API does. Also `surak staff
 * password LOGIN` (a new password from standard input) and `surak staff
 * disable LOGIN`. Exit status 0, 1 on a refusal (it exists, no such
 * account), 2 on a usage error.
 */
#include "staff_cli.h"

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "config.h"
#include "cluster.h"
#include "proto.h"
#include "staff.h"
#include "store.h"
#include "text.h"
#include "util.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: surak staff add LOGIN --name NAME --role ROLE [--role ROLE…] [--department ID…] [REDIS]\n"
	    "       surak staff password LOGIN [REDIS]   (the new password on standard input)\n"
	    "       surak staff disable LOGIN [REDIS]\n"
	    "REDIS: --redis URL (default $REDIS_URL), or --redis-cluster HOST:PORT[,…] (default $SURAK_REDIS_CLUSTER)\n"
	    "roles: admin, moderator, presenter, responder, operator; the password (at least %d characters)\n"
	    "is read from the first line of standard input\n", STAFF_PASSWORD_MIN);
}

static redisContext *
connect_redis(const char *url)
{
	struct redis_addr a;
	char err[256];
	redisContext *c;
	redisReply *r;

	memset(&a, 0, sizeof(a));
	if (config_parse_redis_url(url, &a, err, sizeof(err)) < 0) {
		fprintf(stderr, "surak staff: %s\n", err);
		return NULL;
	}
	c = a.unix_path ? redisConnectUnix(a.unix_path) : redisConnect(a.host, a.port);
	if (c == NULL || c->err) {
		fprintf(stderr, "surak staff: cannot reach Redis at %s: %s\n", url, c ? c->errstr : "no memory");
		redisFree(c);
		c = NULL;
	}
	if (c && a.password) {
		r = redisCommand(c, "AUTH %s", a.password);
		if (r == NULL || r->type == REDIS_REPLY_ERROR) {
			fprintf(stderr, "surak staff: Redis refused the password\n");
			redisFree(c);
			c = NULL;
		}
		freeReplyObject(r);
	}
	if (c && a.db) {
		r = redisCommand(c, "SELECT %d", a.db);
		freeReplyObject(r);
	}
	free(a.host);
	free(a.unix_path);
	free(a.password);
	return c;
}

/* Runs a script as the hub does (EVAL of its full source on the staff prefix). */
static redisReply *
run(redisContext *c, enum script_id s, const char *const *args, int nargs)
{
	const char *argv[32];
	char now[24];
	struct timeval tv;
	char *src = store_script_source(s);
	redisReply *r;
	int i;

	gettimeofday(&tv, NULL);
	snprintf(now, sizeof(now), "%lld", (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000);
	argv[0] = "EVAL";
	argv[1] = src;
	argv[2] = "1";
	argv[3] = "surak:{" STAFF_ROOM "}";
	argv[4] = "surak:ev:{" STAFF_ROOM "}";
	argv[5] = now;
	argv[6] = "1";
	for (i = 0; i < nargs && i < 24; i++)
		argv[7 + i] = args[i];
	r = redisCommandArgv(c, 7 + nargs, argv, NULL);
	free(src);
	return r;
}

/* The first line of standard input, without its line break; -1 if too short. */
static int
read_password(char *out, size_t n)
{
	size_t len;

	if (fgets(out, (int)n, stdin) == NULL)
		return -1;
	len = strcspn(out, "\r\n");
	out[len] = '\0';
	return text_chars(out, len) >= STAFF_PASSWORD_MIN ? 0 : -1;
}

int
staff_cli(int argc, char **argv)
{
	const char *url = getenv("REDIS_URL") ? getenv("REDIS_URL") : "redis://127.0.0.1:6379";
	const char *cluster = getenv("SURAK_REDIS_CLUSTER");
	char seed[300];
	const char *op, *login, *name = NULL;
	char roles[128] = "", depts[512] = "", password[STAFF_PASSWORD_MAX + 2], hash[256] = "";
	redisContext *c;
	redisReply *r;
	int i, status = 0;

	if (argc < 3) {
		usage(stderr);
		return 2;
	}
	op = argv[1];
	login = argv[2];
	/* Options come in pairs: --name NAME, --role ROLE, … */
	for (i = 3; i < argc; i += 2) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *list = NULL;
		size_t cap = 0;

		if (v == NULL) {
			usage(stderr);
			return 2;
		}
		if (strcmp(argv[i], "--name") == 0)
			name = v;
		else if (strcmp(argv[i], "--redis") == 0)
			url = v;
		else if (strcmp(argv[i], "--redis-cluster") == 0)
			cluster = v;
		else if (strcmp(argv[i], "--role") == 0 && staff_role(v, strlen(v)) >= 0) {
			list = roles;
			cap = sizeof(roles);
		} else if (strcmp(argv[i], "--department") == 0 && proto_valid_token(v, strlen(v), 1, 32)) {
			list = depts;
			cap = sizeof(depts);
		} else {
			usage(stderr);
			return 2;
		}
		if (list && strlen(list) + strlen(v) + 2 < cap)
			snprintf(list + strlen(list), cap - strlen(list), "%s%s", list[0] ? "," : "", v);
	}
	if (!staff_valid_login(login, strlen(login)) ||
	    (strcmp(op, "add") == 0 && (name == NULL || roles[0] == '\0')) ||
	    (strcmp(op, "add") != 0 && strcmp(op, "password") != 0 && strcmp(op, "disable") != 0)) {
		usage(stderr);
		return 2;
	}
	if (strcmp(op, "disable") != 0) {
		if (read_password(password, sizeof(password)) < 0) {
			fprintf(stderr, "surak staff: a password of at least %d characters on standard input\n",
			    STAFF_PASSWORD_MIN);
			return 2;
		}
		if (staff_hash_now(password, strlen(password), hash, sizeof(hash)) < 0) {
			OPENSSL_cleanse(password, sizeof(password));
			fprintf(stderr, "surak staff: the password could not be hashed\n");
			return 1;
		}
		OPENSSL_cleanse(password, sizeof(password));
	}
	/* A cluster: the first seed, then wherever MOVED says the staff's slot is. */
	if (cluster && *cluster) {
		snprintf(seed, sizeof(seed), "%s%.*s", strncmp(cluster, "redis://", 8) == 0 ? "" : "redis://",
		    (int)strcspn(cluster, ","), cluster);
		url = seed;
	}
	if ((c = connect_redis(url)) == NULL)
		return 1;
	for (i = 0;; i++) {
		const char *args[STAFF_PUT_NARGS] = {
			[STAFF_PUT_OP] = strcmp(op, "add") == 0 ? "add" : "update", [STAFF_PUT_LOGIN] = login,
			[STAFF_PUT_NAME] = name ? name : "", [STAFF_PUT_HASH] = hash, [STAFF_PUT_ROLES] = roles,
			[STAFF_PUT_DEPARTMENTS] = depts, [STAFF_PUT_DISABLED] = strcmp(op, "disable") == 0 ? "1" : "",
		};
		char host[CLUSTER_HOST_MAX], moved[CLUSTER_HOST_MAX + 320];
		unsigned slot;
		int port;

		r = run(c, SCRIPT_STAFF_PUT, args, STAFF_PUT_NARGS);
		if (i == 3 || r == NULL || r->type != REDIS_REPLY_ERROR ||
		    cluster_parse_redirect(r->str, &slot, host, sizeof(host), &port) != CLUSTER_MOVED)
			break;
		freeReplyObject(r);
		redisFree(c);
		{
			/* The same password ("redis://:pw@") on the node it moved to. */
			const char *at = strrchr(url, '@');
			int auth = at && strncmp(url, "redis://", 8) == 0 ? (int)(at + 1 - url - 8) : 0;

			snprintf(moved, sizeof(moved), "redis://%.*s%s:%d", auth, url + 8, host, port);
		}
		if ((c = connect_redis(moved)) == NULL)
			return 1;
	}
	if (r == NULL) {
		fprintf(stderr, "surak staff: Redis did not answer: %s\n", c->errstr);
		status = 1;
	} else if (r->type == REDIS_REPLY_ERROR) {
		fprintf(stderr, "surak staff: %s\n", r->str);
		status = 1;
	} else if (r->type == REDIS_REPLY_ARRAY && r->elements > 0 && r->element[0]->type == REDIS_REPLY_STRING &&
	    strcmp(r->element[0]->str, "ok") == 0) {
		printf("%s\n", r->elements > 1 && r->element[1]->type == REDIS_REPLY_STRING ? r->element[1]->str : login);
	} else {
		fprintf(stderr, "surak staff: %s\n", r->type == REDIS_REPLY_ARRAY && r->elements > 2 &&
		    r->element[2]->type == REDIS_REPLY_STRING ? r->element[2]->str : "refused");
		status = 1;
	}
	OPENSSL_cleanse(hash, sizeof(hash));
	freeReplyObject(r);
	redisFree(c);
	return status;
}
