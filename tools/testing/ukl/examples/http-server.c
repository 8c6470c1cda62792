// SPDX-License-Identifier: GPL-2.0
/*
 * A small HTTP/1.0 server: serves one fixed page.
 *
 * Usage: http-server [PORT]	(default 80)
 *
 * "GET /" and "GET /index.html" return 200 with the page, other paths of
 * GET 404, other methods 501.  "GET /quit" answers 200 and ends the
 * server with exit status 0, which ends a UKL machine that runs it as
 * init.  One connection at a time, one request per connection.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static const char page[] =
	"<!DOCTYPE html>\n"
	"<html><head><title>UKL</title></head>\n"
	"<body><h1>Hello from a UKL application</h1></body></html>\n";

static void respond(int fd, const char *status, const char *type, const char *body)
{
	char head[256];
	int n;

	n = snprintf(head, sizeof(head),
		     "HTTP/1.0 %s\r\nServer: ukl-http-server\r\n"
		     "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
		     status, type, strlen(body));
	if (write(fd, head, n) != n || write(fd, body, strlen(body)) < 0)
		perror("http-server: write");
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

/* Read the request head of @fd into @buf; return its length or -1. */
static int read_request(int fd, char *buf, size_t size)
{
	size_t have = 0;

	while (have < size - 1) {
		ssize_t n = read(fd, buf + have, size - 1 - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += n;
		buf[have] = '\0';
		if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
			return have;
	}
	buf[have] = '\0';
	return have ? (int)have : -1;
}

/* Serve one connection; return 1 when it asked the server to quit. */
static int serve(int fd)
{
	char req[4096], method[16], path[1024];

	if (read_request(fd, req, sizeof(req)) < 0)
		return 0;
	if (sscanf(req, "%15s %1023s", method, path) != 2) {
		respond(fd, "400 Bad Request", "text/plain", "bad request\n");
		return 0;
	}
	if (strcmp(method, "GET")) {
		respond(fd, "501 Not Implemented", "text/plain", "not implemented\n");
		return 0;
	}
	if (!strcmp(path, "/") || !strcmp(path, "/index.html")) {
		respond(fd, "200 OK", "text/html", page);
		return 0;
	}
	if (!strcmp(path, "/quit")) {
		respond(fd, "200 OK", "text/plain", "bye\n");
		return 1;
	}
	respond(fd, "404 Not Found", "text/plain", "not found\n");
	return 0;
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 80;
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	int one = 1, lfd;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) || listen(lfd, 16)) {
		perror("http-server: listen");
		return 1;
	}
	printf("http-server: listening on port %d\n", port);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		int quit;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("http-server: accept");
			return 1;
		}
		quit = serve(fd);
		if (quit) {
			close_gracefully(fd);
			printf("http-server: quit\n");
			return 0;
		}
		close(fd);
	}
}
