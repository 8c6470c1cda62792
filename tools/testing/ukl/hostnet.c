// SPDX-License-Identifier: GPL-2.0
/*
 * UKL network test, host part: a TCP server in the guest that the host
 * reaches through QEMU user networking and a forwarded port.
 *
 * The runner (ukl-test.sh, "hostnet" in a scenario's .tests) boots the
 * guest with a virtio-net device whose guest port UKL_TEST_HOSTNET (in the
 * environment, from the kernel command line) is forwarded from a host
 * port, and runs hostnet-client.py on the host meanwhile: it connects,
 * sends "ukl-host-ping NONCE", expects "ukl-guest-pong NONCE" back and
 * then says "ukl-host-ack NONCE".  This area configures eth0 as QEMU's
 * user network expects (10.0.2.15/24) and serves connections until one
 * from the host through QEMU's gateway (10.0.2.2) went through all three:
 * a connection that the client gave up on before the guest listened
 * (QEMU may still hand it over, with its ping) gets no ack, and the next
 * one is served.  The runner also checks that the client got its answer.
 * Without UKL_TEST_HOSTNET its tests are skipped.
 *
 * Built as the UKL application (ring 0) and as an ordinary ring-3 program
 * (see suite.c); both must report the same results.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "kselftest.h"
#include "ukl_test.h"

#define GUEST_ADDR	"10.0.2.15"
#define GUEST_MASK	"255.255.255.0"
#define QEMU_GATEWAY	"10.0.2.2"
#define WAIT_SECONDS	60

/* Set @addr as the address (or netmask, @req) of interface @name. */
static int set_addr(int fd, const char *name, unsigned long req, const char *addr)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	inet_pton(AF_INET, addr, &sin.sin_addr);
	memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
	return ioctl(fd, req, &ifr);
}

static int set_up(int fd, const char *name)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		return -1;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(fd, SIOCSIFFLAGS, &ifr);
}

static bool eth0_up(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok;

	ok = fd >= 0 && !set_addr(fd, "eth0", SIOCSIFADDR, GUEST_ADDR) &&
	     !set_addr(fd, "eth0", SIOCSIFNETMASK, GUEST_MASK) &&
	     !set_up(fd, "eth0");
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Read a line of at most @size - 1 bytes from @fd, waiting up to 10 s. */
static void read_line(int fd, char *buf, int size)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n = 0;

	while (n < size - 1 && !memchr(buf, '\n', n) && poll(&pfd, 1, 10000) == 1) {
		int r = read(fd, buf + n, size - 1 - n);

		if (r <= 0)
			break;
		n += r;
	}
	buf[n] = '\0';
}

/*
 * serve() - answer the ping of one connection on @cfd from @peer
 *
 * Return: true if the ping, the pong and the host's ack of it went through.
 */
static bool serve(int cfd, const char *peer)
{
	char buf[128], reply[160], ack[160];
	int n;

	if (strcmp(peer, QEMU_GATEWAY)) {
		ksft_print_msg("a connection from %s, not from the host\n", peer);
		return false;
	}
	read_line(cfd, buf, sizeof(buf));
	if (strncmp(buf, "ukl-host-ping ", 14) || !strchr(buf, '\n')) {
		ksft_print_msg("request from %s: '%s'\n", peer, buf);
		return false;
	}
	n = snprintf(reply, sizeof(reply), "ukl-guest-pong %s", buf + 14);
	if (write(cfd, reply, n) != n) {
		ksft_print_msg("reply to %s failed\n", peer);
		return false;
	}
	snprintf(ack, sizeof(ack), "ukl-host-ack %s", buf + 14);
	read_line(cfd, buf, sizeof(buf));
	if (strcmp(buf, ack)) {
		ksft_print_msg("no ack from %s: '%s'\n", peer, buf);
		return false;
	}
	return true;
}

/**
 * serve_host() - serve connections on @port until the host's goes through
 * @port: the guest's TCP port that the host's port is forwarded to
 *
 * Return: true if within WAIT_SECONDS a connection from the QEMU gateway
 * sent a ping line, got its pong and acknowledged it.
 */
static bool serve_host(int port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	char peer[INET_ADDRSTRLEN];
	int64_t end = ukl_test_ns(CLOCK_MONOTONIC) + WAIT_SECONDS * 1000000000LL;
	int one = 1, lfd, cfd, left;
	socklen_t len;
	struct pollfd pfd;
	bool ok = false;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) || listen(lfd, 4))
		goto out;
	while (!ok && (left = (end - ukl_test_ns(CLOCK_MONOTONIC)) / 1000000) > 0) {
		pfd = (struct pollfd){ .fd = lfd, .events = POLLIN };
		if (poll(&pfd, 1, left) != 1)
			break;
		len = sizeof(sin);
		cfd = accept4(lfd, (struct sockaddr *)&sin, &len, SOCK_CLOEXEC);
		if (cfd < 0)
			break;
		inet_ntop(AF_INET, &sin.sin_addr, peer, sizeof(peer));
		ok = serve(cfd, peer);
		close(cfd);
	}
out:
	if (lfd >= 0)
		close(lfd);
	return ok;
}

UKL_TEST_MAIN(hostnet)
{
	const char *port = getenv("UKL_TEST_HOSTNET");

	ksft_print_header();
	ksft_set_plan(2);
	if (!port) {
		ksft_test_result_skip("eth0_up (no UKL_TEST_HOSTNET)\n");
		ksft_test_result_skip("tcp_server_reached_from_host\n");
	} else {
		bool up = eth0_up();

		ksft_test_result(up, "eth0_up\n");
		ksft_test_result(up && serve_host(atoi(port)),
				 "tcp_server_reached_from_host\n");
	}
	ksft_print_cnts();
	ukl_test_exit(ksft_get_fail_cnt() ? 1 : 0);
}
