// SPDX-License-Identifier: GPL-2.0
/*
 * UKL network test, loopback part: bring up lo, then UDP and TCP over
 * 127.0.0.1 inside the guest, with a TCP server and client in two threads,
 * and AF_UNIX sockets.
 *
 * Built as the UKL application (ring 0) and as an ordinary ring-3 program
 * (see suite.c); both must report the same results.  Nothing else in the
 * guest configures lo, so this test brings it up itself (as root).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "kselftest.h"
#include "ukl_test.h"

static void test_lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ok = fd >= 0;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	ok = ok && !ioctl(fd, SIOCGIFFLAGS, &ifr) && (ifr.ifr_flags & IFF_LOOPBACK);
	ifr.ifr_flags |= IFF_UP;
	ok = ok && !ioctl(fd, SIOCSIFFLAGS, &ifr);
	ok = ok && !ioctl(fd, SIOCGIFFLAGS, &ifr) && (ifr.ifr_flags & IFF_UP) &&
	     (ifr.ifr_flags & IFF_RUNNING);
	if (fd >= 0)
		close(fd);
	ksft_test_result(ok, "loopback_up\n");
}

/**
 * loopback_socket() - a socket bound to 127.0.0.1 and a port the kernel picks
 * @type: SOCK_STREAM or SOCK_DGRAM
 * @addr: filled with the bound address
 *
 * Return: the socket, or -1.
 */
static int loopback_socket(int type, struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)addr, sizeof(*addr)) ||
	    getsockname(fd, (struct sockaddr *)addr, &len) || !addr->sin_port) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void test_udp(void)
{
	struct sockaddr_in a, b, from;
	socklen_t len = sizeof(from);
	char buf[64] = "";
	int sa = loopback_socket(SOCK_DGRAM, &a), sb = loopback_socket(SOCK_DGRAM, &b), ok;

	ok = sa >= 0 && sb >= 0 &&
	     sendto(sa, "datagram", 8, 0, (struct sockaddr *)&b, sizeof(b)) == 8;
	ok = ok && recvfrom(sb, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len) == 8 &&
	     !memcmp(buf, "datagram", 8) && from.sin_port == a.sin_port &&
	     from.sin_addr.s_addr == htonl(INADDR_LOOPBACK);
	/* And back, with connect()ed sockets. */
	ok = ok && !connect(sb, (struct sockaddr *)&a, sizeof(a)) && send(sb, "reply", 5, 0) == 5 &&
	     recv(sa, buf, sizeof(buf), 0) == 5 && !memcmp(buf, "reply", 5);
	if (sa >= 0)
		close(sa);
	if (sb >= 0)
		close(sb);
	ksft_test_result(ok, "udp_loopback\n");
}

/*
 * TCP: a server thread accepts CLIENTS connections one after the other
 * and echoes what each sends, transformed, until the client shuts down its
 * side; the main thread is the client.
 */
#define CLIENTS		8
#define TCP_BYTES	(256 * 1024)

static int listen_fd;
static int server_errors;

/**
 * transform() - what the server sends back for a byte
 * @c: the byte it received
 *
 * Return: the byte it sends.
 */
static unsigned char transform(unsigned char c)
{
	return c ^ 0x5a;
}

static void *server(void *arg)
{
	unsigned char buf[8192];
	ssize_t n, i, off;
	int i_conn, fd;

	for (i_conn = 0; i_conn < CLIENTS; i_conn++) {
		fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			__atomic_fetch_add(&server_errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			for (i = 0; i < n; i++)
				buf[i] = transform(buf[i]);
			for (off = 0; off < n; ) {
				ssize_t w = write(fd, buf + off, n - off);

				if (w <= 0)
					break;
				off += w;
			}
			if (off < n)
				__atomic_fetch_add(&server_errors, 1, __ATOMIC_RELAXED);
		}
		if (n < 0)
			__atomic_fetch_add(&server_errors, 1, __ATOMIC_RELAXED);
		close(fd);
	}
	return NULL;
}

/**
 * tcp_client() - send TCP_BYTES to the server and check what comes back
 * @addr: the server's address
 * @seed: varies the data
 *
 * Sends and receives alternately in pieces so that neither side's buffers
 * fill up, then shuts down the sending side and expects the end of the
 * stream.
 *
 * Return: true if every byte came back as transform() makes it.
 */
static int tcp_client(const struct sockaddr_in *addr, int seed)
{
	static unsigned char out[16384], in[16384];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok, one = 1;
	size_t sent, got, piece = sizeof(out), i;
	ssize_t n;

	ok = fd >= 0 && !connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) &&
	     !setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (sent = 0; ok && sent < TCP_BYTES; sent += piece) {
		for (i = 0; i < piece; i++)
			out[i] = (unsigned char)((sent + i) * 31 + seed);
		ok = write(fd, out, piece) == (ssize_t)piece;
		for (got = 0; ok && got < piece; got += n) {
			n = read(fd, in + got, piece - got);
			ok = n > 0;
		}
		for (i = 0; ok && i < piece; i++)
			ok = in[i] == transform(out[i]);
	}
	ok = ok && !shutdown(fd, SHUT_WR) && read(fd, in, 1) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static void test_tcp(void)
{
	struct sockaddr_in addr, closed;
	int ok, i, good = 0, fd, refused;
	pthread_t t;

	listen_fd = loopback_socket(SOCK_STREAM, &addr);
	WRITE_ONCE(server_errors, 0);
	ok = listen_fd >= 0 && !listen(listen_fd, CLIENTS) &&
	     !pthread_create(&t, NULL, server, NULL);
	for (i = 0; ok && i < CLIENTS; i++)
		good += tcp_client(&addr, i);
	ok = ok && !pthread_join(t, NULL);
	ksft_test_result(ok && good == CLIENTS && !READ_ONCE(server_errors),
			 "tcp_loopback_threads_echo\n");

	/* Nobody listens on a port that is bound but not listening. */
	fd = loopback_socket(SOCK_STREAM, &closed);
	refused = fd >= 0;
	if (fd >= 0) {
		int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		refused = c >= 0 && connect(c, (struct sockaddr *)&closed, sizeof(closed)) &&
			  errno == ECONNREFUSED;
		if (c >= 0)
			close(c);
		close(fd);
	}
	ksft_test_result(refused, "tcp_connect_refused\n");
	if (listen_fd >= 0)
		close(listen_fd);
}

/* A nonblocking connect completes; poll() reports it and the peer's data. */
static void test_tcp_poll(void)
{
	struct sockaddr_in addr;
	struct pollfd pfd;
	int l = loopback_socket(SOCK_STREAM, &addr), c = -1, s = -1, ok, err = -1;
	socklen_t len = sizeof(err);
	char buf[4];

	ok = l >= 0 && !listen(l, 1);
	c = ok ? socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0) : -1;
	ok = ok && c >= 0 &&
	     (!connect(c, (struct sockaddr *)&addr, sizeof(addr)) || errno == EINPROGRESS);
	pfd.fd = c;
	pfd.events = POLLOUT;
	ok = ok && poll(&pfd, 1, 5000) == 1 && (pfd.revents & POLLOUT) &&
	     !getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len) && !err;
	s = ok ? accept4(l, NULL, NULL, SOCK_CLOEXEC) : -1;
	pfd.events = POLLIN;
	ok = ok && s >= 0 && poll(&pfd, 1, 0) == 0 && write(s, "ping", 4) == 4 &&
	     poll(&pfd, 1, 5000) == 1 && (pfd.revents & POLLIN) && read(c, buf, 4) == 4 &&
	     !memcmp(buf, "ping", 4);
	/* The peer closes: end of stream. */
	ok = ok && !close(s) && poll(&pfd, 1, 5000) == 1 && read(c, buf, 4) == 0;
	if (c >= 0)
		close(c);
	if (l >= 0)
		close(l);
	ksft_test_result(ok, "tcp_nonblocking_connect_poll\n");
}

/* AF_UNIX: a socketpair that passes a file descriptor. */
static void test_unix(void)
{
	char cbuf[CMSG_SPACE(sizeof(int))], data = 'u', buf[8];
	struct iovec iov = { &data, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int sv[2], p[2] = { -1, -1 }, got = -1, ok;

	memset(cbuf, 0, sizeof(cbuf));
	ok = !socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) && !pipe(p);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &p[1], sizeof(int));
	ok = ok && sendmsg(sv[0], &msg, 0) == 1;
	memset(cbuf, 0, sizeof(cbuf));
	data = 0;
	msg.msg_controllen = sizeof(cbuf);
	ok = ok && recvmsg(sv[1], &msg, 0) == 1 && data == 'u';
	cm = ok ? CMSG_FIRSTHDR(&msg) : NULL;
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&got, CMSG_DATA(cm), sizeof(int));
	/* The received descriptor is the pipe's write end. */
	ok = ok && got >= 0 && got != p[1] && write(got, "fd", 2) == 2 &&
	     read(p[0], buf, 2) == 2 && !memcmp(buf, "fd", 2);
	if (ok) {
		close(sv[0]);
		close(sv[1]);
	}
	close(p[0]);
	close(p[1]);
	if (got >= 0)
		close(got);
	ksft_test_result(ok, "unix_socketpair_scm_rights\n");
}

UKL_TEST_MAIN(net)
{
	ksft_print_header();
	ksft_set_plan(6);

	test_lo_up();
	test_udp();
	test_tcp();
	test_tcp_poll();
	test_unix();

	ksft_print_cnts();
	ukl_test_exit(ksft_get_fail_cnt() ? 1 : 0);
}
