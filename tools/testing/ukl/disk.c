// SPDX-License-Identifier: GPL-2.0
/*
 * UKL test: what the program wrote to a disk before it exited is on the
 * disk after the machine is off.
 *
 * The runner (ukl-test.sh, the boot word "disk") gives the guest an
 * empty ext2 image as /dev/vda (ukl-run.sh --disk) and UKL_TEST_DISK=vda
 * in init's environment.  This area mounts it, turns off the periodic
 * writeback (vm.dirty_writeback_centisecs), writes the file DISK_FILE of
 * DISK_SIZE bytes of disk_byte() and checks that the disk was sent fewer
 * sectors meanwhile than the file has: the file is in the page cache,
 * not on the disk.  Then the program exits without sync(): for the UKL
 * application the kernel must write it back before it powers off, as an
 * init system does before it calls reboot(); the ring-3 build, PID 1,
 * syncs in ukl_test_exit() as such an init does.  The runner reads the
 * file from the image after the boot (debugfs) and fails the boot if it
 * is not all there.
 *
 * Run only when named ("-- disk"), as the one area of its boot: the
 * exit must follow the write.  Without UKL_TEST_DISK the test is skipped.
 *
 * Built as the UKL application (ring 0) and as an ordinary ring-3 program
 * (see suite.c); both must report the same results.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "kselftest.h"
#include "ukl_test.h"

/* Where the disk is mounted, and the file; ukl-test.sh knows both. */
#define DISK_DIR	"/tmp/disk"
#define DISK_FILE	"ukl-disk-test"
#define DISK_SIZE	(256 * 1024 + 7)

/* Byte @i of DISK_FILE (ukl-test.sh's disk_file makes the same). */
static unsigned char disk_byte(size_t i)
{
	return (i * 13 + i / 509) & 0xff;
}

/* The sectors written to block device @name so far, or -1. */
static long sectors_written(const char *name)
{
	char path[128], buf[256];
	long sectors;

	snprintf(path, sizeof(path), "%s/block/%s/stat", ukl_test_sysfs(), name);
	if (!ukl_test_read_file(path, buf, sizeof(buf)) ||
	    sscanf(buf, "%*u %*u %*u %*u %*u %*u %ld", &sectors) != 1)
		return -1;
	return sectors;
}

/* Write DISK_FILE into DISK_DIR, without syncing it. */
static int write_disk_file(void)
{
	static unsigned char buf[DISK_SIZE];
	int fd, ok;
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = disk_byte(i);
	fd = open(DISK_DIR "/" DISK_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ok = fd >= 0 && ukl_test_write_all(fd, buf, sizeof(buf));
	if (!ok)
		ksft_perror(DISK_FILE);
	if (fd >= 0 && close(fd))
		ok = 0;
	return ok ? 0 : -1;
}

UKL_TEST_MAIN(disk)
{
	const char *disk = getenv("UKL_TEST_DISK");
	long before = -1, after = -1;
	int ok;

	ksft_print_header();
	ksft_set_plan(1);
	if (!disk) {
		ksft_test_result_skip("disk_written_before_exit (no UKL_TEST_DISK)\n");
		goto out;
	}
	mkdir(DISK_DIR, 0755);
	ukl_test_procfs();
	ok = ukl_test_block_node(disk, "/tmp/disk.dev") &&
	     ukl_test_write_file("/tmp/proc/sys/vm/dirty_writeback_centisecs", "0\n") &&
	     ukl_test_write_file("/tmp/proc/sys/vm/dirty_expire_centisecs", "360000\n");
	if (!ok)
		ksft_print_msg("%s or the writeback sysctls: %s\n", disk, strerror(errno));
	if (ok && mount("/tmp/disk.dev", DISK_DIR, "ext2", 0, NULL)) {
		ksft_perror("mount ext2");
		ok = 0;
	}
	if (ok) {
		before = sectors_written(disk);
		ok = !write_disk_file();
		after = sectors_written(disk);
	}
	/*
	 * Fewer sectors went to the disk meanwhile than the file has: it is
	 * still in the page cache, and only the exit can write it back.
	 */
	if (ok) {
		ok = before >= 0 && after >= before && after - before < DISK_SIZE / 512;
		if (!ok)
			ksft_print_msg("%s: %ld sectors written before, %ld after\n", disk,
				       before, after);
	}
	ksft_test_result(ok, "disk_written_before_exit\n");
out:
	ksft_print_cnts();
	ukl_test_exit(ksft_get_fail_cnt() ? 1 : 0);
}
