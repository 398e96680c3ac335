/*
 * workers: several hub processes on one port. With --workers N > 1 the
 * process started becomes a supervisor: it forks N workers, each a whole
 * hub (its own loop, Redis connections and hub id) listening on the same
 * port with SO_REUSEPORT, so the kernel spreads connections across them
 * and every core is used. The supervisor passes SIGINT and SIGTERM on,
 * restarts a worker that dies, and exits when they have all stopped.
 */
#ifndef SURAK_WORKERS_H
#define SURAK_WORKERS_H

/*
 * Returns in each worker (with its index, from 0); in the supervisor it
 * does not return but exits with the workers' status. With n == 1 it
 * returns 0 at once.
 */
int workers_start(int n);

#endif
