// SPDX-License-Identifier: GPL-2.0
/*
 * UKL test: standard input, output and error of the application's own
 * (ukl.stdio=, ukl-run.sh --stdio), driven from the host by
 * ukl-stdio-check.sh.
 *
 * Started as "suite area=stdio N", it writes "ready\n", reads N bytes from
 * standard input and writes them back to standard output as they come,
 * with a line to the kernel log (/dev/kmsg) every PIECE bytes, so that
 * the kernel prints on its console while the output is under way.  Then it
 * writes TAIL_LINES lines of 63 '=' to standard output and "stdio: N
 * bytes\n" to standard error and exits with status 0, or with status 1
 * after a message on standard error when it cannot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ukl_test.h"

/* Bytes between two lines to the kernel log (which rate-limits them). */
#define PIECE	2048

/*
 * Lines of 63 '=' written at the end, right before the exit: more than
 * the terminal buffers, so that the kernel must wait for them to be sent
 * before it ends the machine.
 */
#define TAIL_LINES	128

UKL_TEST_MAIN(stdio)
{
	long want = argc > 2 ? atol(argv[2]) : -1, done = 0, pieces = 0;
	char buf[1024], line[64];
	int kmsg;
	ssize_t n;

	if (want < 0) {
		fprintf(stderr, "stdio: usage: area=stdio BYTES\n");
		return 1;
	}
	kmsg = open("/dev/kmsg", O_WRONLY);
	if (kmsg < 0 || !ukl_test_write_all(1, "ready\n", 6)) {
		fprintf(stderr, "stdio: /dev/kmsg or standard output: %m\n");
		return 1;
	}
	while (done < want) {
		n = read(0, buf, want - done < (long)sizeof(buf) ? want - done : (long)sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "stdio: %ld of %ld bytes, then %s\n", done, want,
				n ? strerror(errno) : "end of file");
			return 1;
		}
		if (!ukl_test_write_all(1, buf, n))
			return 1;
		done += n;
		if (done / PIECE == (done - n) / PIECE)
			continue;
		n = snprintf(line, sizeof(line), "ukl-stdio: piece %ld, %ld bytes\n",
			     ++pieces, done);
		ukl_test_write_all(kmsg, line, n);
	}
	memset(buf, '=', 63);
	buf[63] = '\n';
	for (n = 0; n < TAIL_LINES; n++)
		if (!ukl_test_write_all(1, buf, 64))
			return 1;
	fprintf(stderr, "stdio: %ld bytes\n", done);
	close(kmsg);
	return 0;
}
