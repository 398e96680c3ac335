/*
 * tcp-nodelay PID PORT: whether process PID has TCP_NODELAY on its end of
 * the TCP connection whose peer is local port PORT (a test's client).
 * Prints 1 or 0; exit 0, or 2 when PID holds no such connection, 3 when
 * this system does not let it read another process's descriptors
 * (pidfd_getfd missing or not permitted), 1 on any other error. It takes a copy of each of PID's sockets with pidfd_getfd(2)
 * (Linux 5.6; the caller may trace PID: the same user, or root) and asks
 * the copy, so it sees exactly what PID set.
 */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

static int
peer_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &sl) < 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

int
main(int argc, char **argv)
{
	char dir[64], link[64 + sizeof(((struct dirent *)0)->d_name)], target[64];
	struct dirent *e;
	int pidfd, port, found = -1;
	DIR *d;

	if (argc != 3) {
		fprintf(stderr, "usage: tcp-nodelay PID PORT\n");
		return 1;
	}
	port = atoi(argv[2]);
	pidfd = (int)syscall(SYS_pidfd_open, atoi(argv[1]), 0);
	snprintf(dir, sizeof(dir), "/proc/%s/fd", argv[1]);
	if (pidfd < 0 || (d = opendir(dir)) == NULL) {
		fprintf(stderr, "tcp-nodelay: process %s: %s\n", argv[1], strerror(errno));
		return pidfd < 0 && errno == ENOSYS ? 3 : 1;
	}
	while (found < 0 && (e = readdir(d)) != NULL) {
		ssize_t n;
		int fd, on = 0;
		socklen_t ol = sizeof(on);

		snprintf(link, sizeof(link), "%s/%s", dir, e->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0 || strncmp(target, "socket:", 7) != 0)
			continue;
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, atoi(e->d_name), 0);
		if (fd < 0) {
			fprintf(stderr, "tcp-nodelay: pidfd_getfd: %s\n", strerror(errno));
			return errno == ENOSYS || errno == EPERM ? 3 : 1;
		}
		if (peer_port(fd) == port && getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &ol) == 0)
			found = on != 0;
		close(fd);
	}
	closedir(d);
	if (found < 0)
		return 2;
	printf("%d\n", found);
	return 0;
}
