/*
 * main: the hub process (or, with --workers, a supervisor of several; see
 * workers.h). Creates the libuv loop that everything runs on
 * (lws, hiredis, timers), starts the modules in dependency order, and on
 * SIGINT or SIGTERM stops them in reverse order and lets the loop drain.
 */
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "commands.h"
#include "config.h"
#include "console.h"
#include "dedupe.h"
#include "http.h"
#include "log.h"
#include "past.h"
#include "metrics.h"
#include "rooms.h"
#include "screen.h"
#include "session.h"
#include "staff.h"
#include "staff_cli.h"
#include "store.h"
#include "tags.h"
#include "telegram.h"
#include "util.h"
#include "workers.h"
#include "ws.h"

static struct config cfg;
static uv_loop_t loop;
static uv_signal_t sigint_h, sigterm_h;
static uv_timer_t lag_timer, join_timer;
static uint64_t lag_due, join_since;
static int stopping, worker = -1, exit_code;

#define LAG_EVERY_MS 100
/*
 * A worker (--workers) joins the shared port only once Redis answers it:
 * the kernel spreads new connections over every socket listening on the
 * port, and one that cannot serve yet would refuse its share while the
 * other workers could have served them. After JOIN_WAIT_MS it joins
 * anyway, so the port never stays closed (its /healthz then says why).
 */
#define JOIN_POLL_MS 10
#define JOIN_WAIT_MS 5000

/* How late the loop runs a timer due every LAG_EVERY_MS: the time it was busy elsewhere. */
static void
on_lag_timer(uv_timer_t *t)
{
	uint64_t now = now_us();

	(void)t;
	if (lag_due)
		metrics_loop_lag(now > lag_due ? now - lag_due : 0);
	lag_due = now + LAG_EVERY_MS * 1000;
}

/*
 * Every viewer is an open file: take the hard limit, not the soft one
 * (1,024 on many systems), and say what it is.
 */
static void
raise_file_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			return;
	}
	log_info("open files limit %llu per process", (unsigned long long)rl.rlim_cur);
}

static void
shut_down(void)
{
	if (stopping++)
		return;
	if (worker >= 0)
		uv_close((uv_handle_t *)&join_timer, NULL);
	ws_shutdown();
	console_shutdown();
	telegram_shutdown();
	staff_shutdown();
	commands_shutdown();
	past_stop();
	store_shutdown();
	rooms_shutdown();
	uv_timer_stop(&lag_timer);
	uv_close((uv_handle_t *)&lag_timer, NULL);
	uv_close((uv_handle_t *)&sigint_h, NULL);
	uv_close((uv_handle_t *)&sigterm_h, NULL);
}

static void
stop(uv_signal_t *h, int signum)
{
	(void)h;
	if (!stopping)
		log_info("signal %d: shutting down", signum);
	shut_down();
}

static void
log_listening(void)
{
	char who[32] = "surak";

	if (worker >= 0)
		snprintf(who, sizeof(who), "surak worker %d", worker);
	log_info("%s listening on port %d, redis %s%s", who, ws_port(),
	    cfg.redis_cluster ? "cluster " : "", cfg.redis_cluster ? cfg.redis_cluster : cfg.redis_url);
}

static void
on_join_timer(uv_timer_t *t)
{
	if (!store_healthy() && now_ms() - join_since < JOIN_WAIT_MS)
		return;
	uv_timer_stop(t);
	if (ws_listen(&loop) < 0) {
		exit_code = 1;
		shut_down();
		return;
	}
	log_listening();
}

int
main(int argc, char **argv)
{
	static const struct store_hooks hooks = {
		.on_event = rooms_on_event,
		.on_subscribed = rooms_on_subscribed,
		.on_unsubscribed = rooms_on_unsubscribed,
		.on_sub_ready = rooms_on_sub_ready,
		.on_lost = rooms_on_lost,
	};
	char err[256];
	int r;

	if (argc > 1 && strcmp(argv[1], "staff") == 0)
		return staff_cli(argc - 1, argv + 1);
	r = config_load(&cfg, argc, argv, err, sizeof(err));
	if (r == 1) {
		config_usage(stdout);
		return 0;
	}
	if (r < 0) {
		fprintf(stderr, "surak: %s\n", err);
		return 2;
	}
	log_set_level((enum log_level)cfg.log_level);
	signal(SIGPIPE, SIG_IGN);
	raise_file_limit();
	if (dedupe_init() < 0 || screen_init() < 0 || tags_init(cfg.tags_dir) < 0)
		return 1;
	if (cfg.workers > 1)
		worker = workers_start(cfg.workers);	/* the supervisor does not return */
	uv_loop_init(&loop);
	session_init(&cfg, commands_frame);
	commands_init(&loop, &cfg);
	http_init(&cfg);
	if (rooms_init(&loop, &cfg, &session_member_ops) < 0 || store_init(&loop, &cfg, &hooks) < 0 ||
	    ws_init(&loop, &cfg) < 0)
		return 1;
	past_start(&loop, cfg.past_copy);
	staff_init(&loop, &cfg);
	console_init(&loop, &cfg);
	if (telegram_init(&loop, &cfg) < 0)
		return 1;
	uv_timer_init(&loop, &lag_timer);
	uv_timer_start(&lag_timer, on_lag_timer, LAG_EVERY_MS, LAG_EVERY_MS);
	uv_signal_init(&loop, &sigint_h);
	uv_signal_init(&loop, &sigterm_h);
	uv_signal_start(&sigint_h, stop, SIGINT);
	uv_signal_start(&sigterm_h, stop, SIGTERM);
	if (worker >= 0) {
		join_since = now_ms();
		uv_timer_init(&loop, &join_timer);
		uv_timer_start(&join_timer, on_join_timer, 0, JOIN_POLL_MS);
	} else {
		if (ws_listen(&loop) < 0)
			return 1;
		log_listening();
	}

	uv_run(&loop, UV_RUN_DEFAULT);

	if (uv_loop_close(&loop) != 0)
		log_warn("loop closed with handles still open");
	dedupe_free();
	screen_free();
	config_free(&cfg);
	return exit_code;
}
