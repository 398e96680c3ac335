/*
 * workers: the supervisor of several hub processes (see workers.h).
 */
#include "workers.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define MAX_WORKERS 64
#define RESTART_DELAY_S 1
#define CRASH_WINDOW_S 10	/* a worker dying this soon after its start... */
#define CRASH_LIMIT 5		/* ...this many times in a row stops everything */

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	got_signal = sig;
}

static pid_t
spawn(int index)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	if (pid < 0)
		log_error("workers: fork of worker %d failed: %s", index, strerror(errno));
	return pid;
}

int
workers_start(int n)
{
	pid_t pid[MAX_WORKERS];
	time_t started[MAX_WORKERS];
	int crashes[MAX_WORKERS] = { 0 }, alive = 0, status = 0, i, forwarded = 0;
	struct sigaction sa;

	if (n <= 1)
		return 0;
	if (n > MAX_WORKERS)
		n = MAX_WORKERS;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (i = 0; i < n; i++) {
		pid[i] = spawn(i);
		if (pid[i] == 0)
			return i;
		started[i] = time(NULL);
		alive += pid[i] > 0;
	}
	log_info("workers: %d hub processes on one port", alive);
	while (alive > 0) {
		int st;
		pid_t p = waitpid(-1, &st, 0);

		if (got_signal && !forwarded) {
			forwarded = 1;
			for (i = 0; i < n; i++)
				if (pid[i] > 0)
					kill(pid[i], got_signal);
		}
		if (p < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < n && pid[i] != p; i++)
			;
		if (i == n)
			continue;
		pid[i] = -1;
		alive--;
		if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
			status = WEXITSTATUS(st);
		if (got_signal)
			continue;
		/* A worker died on its own: start another, unless it keeps dying. */
		crashes[i] = time(NULL) - started[i] < CRASH_WINDOW_S ? crashes[i] + 1 : 1;
		log_error("workers: worker %d (pid %d) %s %d", i, (int)p,
		    WIFSIGNALED(st) ? "killed by signal" : "exited with", WIFSIGNALED(st) ?
		    WTERMSIG(st) : WEXITSTATUS(st));
		if (crashes[i] >= CRASH_LIMIT) {
			log_error("workers: worker %d keeps dying; stopping", i);
			got_signal = SIGTERM;
			forwarded = 1;
			for (int k = 0; k < n; k++)
				if (pid[k] > 0)
					kill(pid[k], SIGTERM);
			status = 1;
			continue;
		}
		sleep(RESTART_DELAY_S);
		if (got_signal)
			continue;
		pid[i] = spawn(i);
		if (pid[i] == 0)
			return i;
		started[i] = time(NULL);
		alive += pid[i] > 0;
	}
	exit(status);
}
