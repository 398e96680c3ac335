/*
 * staff_cli: the `surak staff …` command line (staff_cli.c): accounts
 * made and changed without the console, the first admin above all.
 */
#ifndef SURAK_STAFF_CLI_H
#define SURAK_STAFF_CLI_H

/* argv[0] is "staff"; returns the process's exit status. */
int staff_cli(int argc, char **argv);

#endif
