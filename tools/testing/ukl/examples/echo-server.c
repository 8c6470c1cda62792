// SPDX-License-Identifier: GPL-2.0
/*
 * A threaded TCP echo server, one thread per connection.
 *
 * Usage: echo-server [PORT]	(default 7)
 *
 * Every line a client sends comes back to it.  The line "quit" ends the
 * server: it answers "bye" and the process exits with status 0, which
 * ends a UKL machine that runs it as init.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * Close @fd after the peer has read everything: shut down our side, then
 * wait (at most two seconds) for the peer to close.  A UKL machine ends
 * when its init exits, possibly before the data of a plain close() has
 * left it.
 */
static void close_gracefully(int fd)
{
	struct timeval tv = { .tv_sec = 2 };
	char buf[256];

	shutdown(fd, SHUT_WR);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

/* Echo the lines of connection @arg back until it closes or says "quit". */
static void *serve(void *arg)
{
	int fd = (int)(long)arg;
	char buf[4096];
	size_t have = 0;

	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - have);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += n;
		while ((nl = memchr(buf, '\n', have))) {
			size_t len = nl - buf + 1;

			if (len >= 5 && !strncmp(buf, "quit", 4) &&
			    (buf[4] == '\n' || buf[4] == '\r')) {
				write_all(fd, "bye\n", 4);
				close_gracefully(fd);
				printf("echo-server: quit\n");
				exit(0);
			}
			if (write_all(fd, buf, len))
				goto out;
			memmove(buf, buf + len, have - len);
			have -= len;
		}
		/* A line longer than the buffer goes back as it is. */
		if (have == sizeof(buf)) {
			if (write_all(fd, buf, have))
				break;
			have = 0;
		}
	}
out:
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 7;
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	int one = 1, lfd;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) || listen(lfd, 16)) {
		perror("echo-server: listen");
		return 1;
	}
	printf("echo-server: listening on port %d\n", port);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		pthread_t t;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("echo-server: accept");
			return 1;
		}
		if (pthread_create(&t, NULL, serve, (void *)(long)fd)) {
			fprintf(stderr, "echo-server: no thread for a connection\n");
			close(fd);
			continue;
		}
		pthread_detach(t);
	}
}
