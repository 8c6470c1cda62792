/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the UKL guest test programs, on top of the kernel's
 * tools/testing/selftests/kselftest.h (include that first).
 *
 * A test program runs as /init in a QEMU guest started by ukl-run.sh, which
 * provides an isa-debug-exit device at I/O port 0xf4: writing a byte c
 * there ends QEMU with exit code c * 2 + 1, and ukl-run.sh turns that back
 * into c.  Only 0..127 survive the trip through a process exit status.
 */
#ifndef __UKL_TEST_H
#define __UKL_TEST_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/ucontext.h>
#include <sys/wait.h>

/*
 * UKL_TEST_MAIN(name) starts the main function of a test program,
 * name_main().  Built on its own, that is the program's main() (its symbol
 * is main); built with -DUKL_TEST_MULTICALL into a multi-call program such
 * as suite.c, the program's own main() selects it.
 */
#ifdef UKL_TEST_MULTICALL
#define UKL_TEST_MAIN(name)	int name##_main(int argc, char **argv)

/* The areas of the multi-call program suite.c. */
int core_main(int argc, char **argv);
int threads_main(int argc, char **argv);
int signals_main(int argc, char **argv);
int mem_main(int argc, char **argv);
int io_main(int argc, char **argv);
int net_main(int argc, char **argv);
int stack_main(int argc, char **argv);
int sched_main(int argc, char **argv);
int hostnet_main(int argc, char **argv);
int mmstress_main(int argc, char **argv);
#ifdef UKL_TEST_AREA_levels
int levels_main(int argc, char **argv);
#endif
#ifdef UKL_TEST_AREA_vdso
int vdso_main(int argc, char **argv);
#endif
#ifdef UKL_TEST_AREA_stdio
int stdio_main(int argc, char **argv);
#endif
#ifdef UKL_TEST_AREA_mce
int mce_main(int argc, char **argv);
#endif
#ifdef UKL_TEST_AREA_disk
int disk_main(int argc, char **argv);
#endif
#ifdef UKL_TEST_AREA_fuzz
int fuzz_main(int argc, char **argv);
#endif
int bench_main(int argc, char **argv);
#else
#define UKL_TEST_MAIN(name)						\
	int name##_main(int argc, char **argv) __asm__("main");		\
	int name##_main(int argc, char **argv)
#endif

#ifdef UKL_APP
/*
 * The kernel's system call entries, of the base and the shortcut levels,
 * and the leaf entry, which the tests call directly: code with the system
 * call ABI (see <ukl.h>), not C functions.
 */
extern char entry_SYSCALL_64_ukl[], entry_SYSCALL_64_ukl_bypass[];
extern char entry_SYSCALL_64_ukl_direct[], entry_SYSCALL_64_ukl_leaf[];

#include <ukl.h>

/**
 * ukl_test_entry_call() - a system call through a kernel entry of choice
 * @entry: one of the entries above
 * @nr: the system call's number
 * @a1: its first argument
 * @a2: its second argument
 * @a3: its third argument
 * @a4: its fourth argument
 * @a5: its fifth argument
 * @a6: its sixth argument
 *
 * What libc's syscall() does with the entry of the thread's level.
 *
 * Return: what the entry returns in rax: the result or -errno.
 */
static inline long ukl_test_entry_call(unsigned long entry, long nr, long a1,
				       long a2, long a3, long a4, long a5,
				       long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;

	__asm__ __volatile__ (UKL_SYSCALL_ASM
			      : "=a"(ret), "+c"(entry), "+r"(r10), "+r"(r8),
				"+r"(r9)
			      : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
			      : "r11", "memory");
	return ret;
}
#endif

/*
 * READ_ONCE() and WRITE_ONCE(), as in the kernel: an access that the
 * compiler makes exactly as written, and can neither leave out nor merge
 * with others.  For flags and counters that signal handlers or other
 * threads change, and for the loads and stores of deliberate faults.
 * Relaxed atomics: plain moves on x86-64.
 */
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, val)	__atomic_store_n(&(x), (val), __ATOMIC_RELAXED)

/*
 * The kernel's STACK_FRAME_NON_STANDARD(): objtool, which checks the
 * application with vmlinux.o, does not follow the stack of @func, which
 * loads a stack pointer it cannot track.  The function gets no ORC data;
 * a ring-3 build carries the note in a section nothing reads.
 */
#define UKL_TEST_STACK_FRAME_NON_STANDARD(func)				\
	__asm__ (".pushsection .discard.func_stack_frame_non_standard, \"aw\"\n\t" \
		 ".long " #func " - .\n\t"				\
		 ".popsection")

#ifndef MADV_COLD
#define MADV_COLD	20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif
#define MPOL_MF_MOVE	2	/* <numaif.h>, which musl does not ship */

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(arr)		(sizeof(arr) / sizeof((arr)[0]))
#endif

/* The isa-debug-exit port of ukl-run.sh's QEMU machine. */
#define UKL_TEST_EXIT_PORT	0xf4

/* The word that cpl3 reads in the data of a process that core.c forks. */
#define UKL_TEST_REACH_MAGIC	0x5eed0ffcafe51234UL

/**
 * ukl_test_read_all() - read from a file descriptor up to its end
 * @fd: the file descriptor
 * @buf: where to put what it holds
 * @size: the size of @buf
 *
 * A read() of a pipe or of a seq_file (/proc, /sys, cgroup files) may
 * return less than there is: read until end of file or until @buf is full.
 *
 * Return: the number of bytes read, or -1 if read() failed before any.
 */
static inline ssize_t ukl_test_read_all(int fd, void *buf, size_t size)
{
	size_t len = 0;
	ssize_t n = 0;

	while (len < size && (n = read(fd, (char *)buf + len, size - len)) > 0)
		len += n;
	return len || n >= 0 ? (ssize_t)len : -1;
}

/**
 * ukl_test_write_all() - write a whole buffer
 * @fd: the file descriptor
 * @buf: the bytes
 * @len: their number
 *
 * A write() to a pipe or terminal may take less than it is given, and a
 * signal may interrupt it: write until all is written.
 *
 * Return: true if all of @buf was written.
 */
static inline int ukl_test_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		p += n;
		len -= n;
	}
	return 1;
}

/**
 * ukl_test_read_file() - read a small file into a string
 * @path: the file
 * @buf: where to put it, NUL-terminated
 * @size: the size of @buf
 *
 * Return: true if at least one byte was read.
 */
static inline int ukl_test_read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = -1;

	if (fd >= 0) {
		n = ukl_test_read_all(fd, buf, size - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
	return n > 0;
}

/**
 * ukl_test_proc_state() - the state of a task, from its procfs stat file
 * @path: the stat file, such as /proc/PID/stat
 *
 * Return: the state letter after the command name ('R', 'S', 'Z', ...),
 * or 0 if the file cannot be read (the task is gone).
 */
static inline char ukl_test_proc_state(const char *path)
{
	char buf[256], *p;

	if (!ukl_test_read_file(path, buf, sizeof(buf)))
		return 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/**
 * ukl_test_stat_field() - a field of a procfs stat file's contents
 * @buf: the contents of /proc/PID/stat, as a string
 * @field: the field's number in proc(5), 3 (the state) or later
 *
 * Return: the space before the field, or NULL if @buf has fewer fields.
 */
static inline const char *ukl_test_stat_field(const char *buf, int field)
{
	const char *p = strrchr(buf, ')');
	int i;

	for (i = 3; p && i <= field; i++)
		p = strchr(p + 1, ' ');
	return p;
}

/**
 * ukl_test_write_file() - write a string to a file, as echo does
 * @path: the file, such as a sysctl or sysfs attribute
 * @text: what to write
 *
 * Return: true if all of it was written.
 */
static inline int ukl_test_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd >= 0) {
		n = write(fd, text, strlen(text));
		close(fd);
	}
	return n == (ssize_t)strlen(text);
}

/**
 * ukl_test_cpl() - current privilege level
 *
 * Return: the CPL the caller runs at, the low two bits of %cs: 3 for an
 * ordinary user process, 0 for an application linked into the kernel.
 */
static inline int ukl_test_cpl(void)
{
	unsigned short cs;

	__asm__ volatile ("mov %%cs, %0" : "=r" (cs));
	return cs & 3;
}

/* From the kernel's UAPI <linux/userfaultfd.h>, which musl does not ship. */
#define UFFD_API			0xAAULL
#define UFFD_FEATURE_EXACT_ADDRESS	(1ULL << 11)
#define UFFDIO_REGISTER_MODE_MISSING	1ULL

struct uffdio_api {
	unsigned long long api, features, ioctls;
};

struct uffdio_range {
	unsigned long long start, len;
};

struct uffdio_register {
	struct uffdio_range range;
	unsigned long long mode, ioctls;
};

struct uffdio_zeropage {
	struct uffdio_range range;
	unsigned long long mode;
	long long zeropage;
};

struct uffdio_copy {
	unsigned long long dst, src, len, mode;
	long long copy;
};

#define UFFD_EVENT_PAGEFAULT	0x12

struct uffd_msg {
	unsigned char event;
	unsigned char reserved1;
	unsigned short reserved2;
	unsigned int reserved3;
	union {
		struct {
			unsigned long long flags, address;
			unsigned int ptid;
		} __attribute__((packed)) pagefault;
		unsigned long long reserved[3];
	} arg;
} __attribute__((packed));

#define UFFDIO_REGISTER	_IOWR(0xAA, 0x00, struct uffdio_register)
#define UFFDIO_COPY	_IOWR(0xAA, 0x03, struct uffdio_copy)
#define UFFDIO_ZEROPAGE	_IOWR(0xAA, 0x04, struct uffdio_zeropage)
#define UFFDIO_API	_IOWR(0xAA, 0x3F, struct uffdio_api)

/**
 * ukl_test_uffd() - register a mapped range with a new userfaultfd
 * @addr: the range's start, page-aligned
 * @len: its length
 * @flags: O_NONBLOCK to poll() the userfaultfd (on a blocking one, poll()
 *	always reports an error), or 0; O_CLOEXEC is always set
 * @features: the UFFD_FEATURE_* the test needs
 *
 * A missing page of the range is then filled by the test: its faults wait
 * until UFFDIO_COPY or UFFDIO_ZEROPAGE.
 *
 * Return: the userfaultfd, or -1 with errno set (ENOSYS: the kernel has
 * none).
 */
static inline int ukl_test_uffd(void *addr, size_t len, int flags,
				unsigned long long features)
{
	struct uffdio_api api = { .api = UFFD_API, .features = features };
	struct uffdio_register reg = {
		.range = { (unsigned long)addr, len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	int fd = syscall(__NR_userfaultfd, O_CLOEXEC | flags), err;

	if (fd >= 0 && (ioctl(fd, UFFDIO_API, &api) || ioctl(fd, UFFDIO_REGISTER, &reg))) {
		err = errno;
		close(fd);
		errno = err;
		fd = -1;
	}
	return fd;
}

/**
 * ukl_test_syscall_insn() - tell whether a system call instruction is at @ip
 * @ip: an address of the program's code
 *
 * The program enters the kernel with SYSCALL in ring 3 and with the
 * two-byte "call *%rcx" into the kernel's system call entry in ring 0
 * (UKL_APP), both two bytes long: a handler or a tracer that finds the
 * program right after its system call finds it at @ip + 2.
 *
 * Return: true if the instruction at @ip is the program's system call.
 */
static inline int ukl_test_syscall_insn(unsigned long ip)
{
	const unsigned char *insn = (const unsigned char *)ip;

#ifdef UKL_APP
	return insn[0] == 0xff && insn[1] == 0xd1;	/* call *%rcx */
#else
	return insn[0] == 0x0f && insn[1] == 0x05;	/* syscall */
#endif
}

/**
 * ukl_test_signal_in_call() - tell whether a signal came while a system call waited
 * @uc: the handler's context, its third argument
 * @nr: the system call's number
 * @restart: whether the handler has SA_RESTART
 *
 * A signal that interrupts a waiting system call finds the program right
 * after its system call instruction with -EINTR as the call's result or,
 * when the kernel restarts the call (SA_RESTART), at that instruction
 * with @nr in rax again.  One that comes before the call finds the
 * program elsewhere, or, right at the system call instruction, in a form
 * only a restart may take.
 *
 * Return: true if the signal found the program in system call @nr.
 */
static inline int ukl_test_signal_in_call(const void *uc, long nr, int restart)
{
	const greg_t *r = ((const ucontext_t *)uc)->uc_mcontext.gregs;

	if (restart)
		return r[REG_RAX] == nr && ukl_test_syscall_insn(r[REG_RIP]);
	return r[REG_RAX] == -EINTR && ukl_test_syscall_insn(r[REG_RIP] - 2);
}

/* What a test says when ukl_test_signal_in_call() returns false. */
#define UKL_TEST_NOT_IN_CALL						\
	"the signal found the program outside its call: it came early, "	\
	"or the kernel neither failed the call with EINTR nor restarted it"

/**
 * ukl_test_exit() - end the test program, and the VM if it is init
 * @status: exit status to report, 0..127
 *
 * Flushes stdio and waits for the console to drain first, since ending
 * the VM loses whatever the serial port has not sent yet.
 *
 * At CPL 0 (an application linked into the kernel) this is exit(@status):
 * the kernel reports the status, writes back what the file systems hold
 * and powers off.  At CPL 3 as PID 1 the program syncs, as an init system
 * does before it powers off, and the status goes to the isa-debug-exit
 * port, which ends QEMU at once; when there is no such device, the
 * machine is powered off instead (ukl-run.sh then reports that no status
 * arrived).  Any other process just exits.
 */
static inline noreturn void ukl_test_exit(int status)
{
	fflush(NULL);
	tcdrain(STDOUT_FILENO);

	if (ukl_test_cpl() == 0 || getpid() != 1)
		exit(status);

	sync();
	if (ioperm(UKL_TEST_EXIT_PORT, 1, 1) == 0)
		outb(status, UKL_TEST_EXIT_PORT);
	else
		perror("ukl-test: ioperm");

	reboot(RB_POWER_OFF);
	perror("ukl-test: reboot");
	exit(status);
}

/*
 * From the kernel's UAPI <linux/filter.h> and <linux/seccomp.h>, which
 * musl does not ship.
 */
struct sock_filter {
	unsigned short code;
	unsigned char jt, jf;
	unsigned int k;
};

struct sock_fprog {
	unsigned short len;
	struct sock_filter *filter;
};

#define BPF_STMT(code, k)		{ (unsigned short)(code), 0, 0, k }
#define BPF_JUMP(code, k, jt, jf)	{ (unsigned short)(code), jt, jf, k }
#define BPF_LD		0x00
#define BPF_W		0x00
#define BPF_ABS		0x20
#define BPF_JMP		0x05
#define BPF_JEQ		0x10
#define BPF_K		0x00
#define BPF_RET		0x06
#define SECCOMP_MODE_FILTER	2
#define SECCOMP_RET_ERRNO	0x00050000U
#define SECCOMP_RET_ALLOW	0x7fff0000U
#define SECCOMP_DATA_NR		0	/* offsetof(struct seccomp_data, nr) */

/**
 * ukl_test_seccomp_deny() - fail system calls with EPERM in a seccomp filter
 * @nr1: a system call number
 * @nr2: another one, or the same
 *
 * Installs a filter that fails @nr1 and @nr2 with EPERM and allows every
 * other system call.  A filter cannot be removed: call this last, or in
 * a child process.
 *
 * Return: 1 if the filter is installed, 0 if not.
 */
static inline int ukl_test_seccomp_deny(int nr1, int nr2)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SECCOMP_DATA_NR),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr1, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = ARRAY_SIZE(insns),
		.filter = insns,
	};

	return !prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) &&
	       !prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/**
 * ukl_test_seccomp_getppid() - check that a seccomp filter sees the calls
 *
 * Installs a filter that fails getppid with EPERM (ukl_test_seccomp_deny()),
 * then makes both calls.  syscall(), not getppid(): musl's getppid()
 * cannot fail and sets no errno.
 *
 * Return: 1 if the filter took effect on the calls, 0 if not.
 */
static inline int ukl_test_seccomp_getppid(void)
{
	pid_t pid = getpid();

	if (!ukl_test_seccomp_deny(SYS_getppid, SYS_getppid))
		return 0;
	errno = 0;
	return syscall(SYS_getppid) == -1 && errno == EPERM &&
	       syscall(SYS_getpid) == pid;
}

/**
 * ukl_test_sysfs() - mount sysfs at /tmp/sys, once
 *
 * Return: the mount point.
 */
static inline const char *ukl_test_sysfs(void)
{
	mkdir("/tmp/sys", 0755);
	if (access("/tmp/sys/block", F_OK))
		mount("sysfs", "/tmp/sys", "sysfs", 0, NULL);
	return "/tmp/sys";
}

/**
 * ukl_test_procfs() - mount procfs at /tmp/proc, once
 *
 * Return: the mount point.
 */
static inline const char *ukl_test_procfs(void)
{
	mkdir("/tmp/proc", 0755);
	if (access("/tmp/proc/self", F_OK))
		mount("proc", "/tmp/proc", "proc", 0, NULL);
	return "/tmp/proc";
}

/**
 * ukl_test_block_node() - make a device node for a block device
 * @name: its name in /sys/block, such as zram0 or vda
 * @path: where to make the node
 *
 * Return: true if the node is there.
 */
static inline int ukl_test_block_node(const char *name, const char *path)
{
	char file[128], dev[32];
	unsigned int major, minor;

	snprintf(file, sizeof(file), "%s/block/%s/dev", ukl_test_sysfs(), name);
	if (!ukl_test_read_file(file, dev, sizeof(dev)) ||
	    sscanf(dev, "%u:%u", &major, &minor) != 2)
		return 0;
	unlink(path);
	return !mknod(path, S_IFBLK | 0600, makedev(major, minor));
}

/**
 * ukl_test_swap_on() - swap on the first zram device, set up once a boot
 *
 * Anonymous pages go to swap when reclaimed or paged out: without swap,
 * MADV_PAGEOUT leaves them in place.  The swap area's header is the one
 * mkswap writes (version 1, no bad pages).
 *
 * Return: true if swap is on; false with errno set if not, ENODEV when
 * the kernel has no zram0.
 */
static inline int ukl_test_swap_on(void)
{
	static const size_t size = 64 << 20;
	static char header[4096];
	char buf[64];
	int fd, ok;

	ukl_test_sysfs();
	ukl_test_procfs();
	if (ukl_test_read_file("/tmp/proc/swaps", buf, sizeof(buf)) && strchr(buf, '\n') &&
	    strchr(buf, '\n')[1])
		return 1;
	/* disksize only once: it stays set (EBUSY) when swapon fails. */
	ukl_test_write_file("/tmp/sys/block/zram0/disksize", "64M");
	if (!ukl_test_block_node("zram0", "/tmp/zram0")) {
		errno = ENODEV;		/* no CONFIG_ZRAM */
		return 0;
	}
	*(uint32_t *)(header + 1024) = 1;			/* version */
	*(uint32_t *)(header + 1028) = size / 4096 - 1;		/* last page */
	memcpy(header + 4096 - 10, "SWAPSPACE2", 10);
	fd = open("/tmp/zram0", O_WRONLY);
	ok = fd >= 0 && pwrite(fd, header, 4096, 0) == 4096 && !fsync(fd);
	if (fd >= 0)
		close(fd);
	return ok && !swapon("/tmp/zram0", 0);
}

/**
 * ukl_test_memcg_enter() - move the calling process into a new memory cgroup
 * @name: the cgroup's name below /tmp/cg, where cgroup2 is mounted
 * @high: its memory.high, or NULL to leave it at "max"
 * @max: its memory.max
 * @swap_max: its memory.swap.max
 *
 * Call it before the process has threads, and before it touches the
 * memory that is to be charged to the cgroup: pages keep the cgroup they
 * were first charged to.
 *
 * Return: true if the caller is in the cgroup, with its limits; false
 * with errno set if not.
 */
static inline int ukl_test_memcg_enter(const char *name, const char *high,
				       const char *max, const char *swap_max)
{
	char dir[64], path[96], pid[32];

	mkdir("/tmp/cg", 0755);
	if (access("/tmp/cg/cgroup.procs", F_OK))
		mount("cgroup2", "/tmp/cg", "cgroup2", 0, NULL);
	ukl_test_write_file("/tmp/cg/cgroup.subtree_control", "+memory");
	snprintf(dir, sizeof(dir), "/tmp/cg/%s", name);
	mkdir(dir, 0755);
	snprintf(pid, sizeof(pid), "%d", getpid());
	snprintf(path, sizeof(path), "%s/memory.max", dir);
	if (!ukl_test_write_file(path, max))
		return 0;
	snprintf(path, sizeof(path), "%s/memory.high", dir);
	if (high && !ukl_test_write_file(path, high))
		return 0;
	snprintf(path, sizeof(path), "%s/memory.swap.max", dir);
	if (!ukl_test_write_file(path, swap_max))
		return 0;
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	return ukl_test_write_file(path, pid);
}

/**
 * ukl_test_memcg_counter() - read a counter of a memory cgroup
 * @name: the cgroup's name below /tmp/cg
 * @file: the cgroup's file of counters, e.g. "memory.stat"
 * @key: the counter, e.g. "pgsteal", or "" for a file of one value
 *	 such as "memory.current"
 *
 * Return: its value, or -1 if there is no such counter.
 */
static inline long ukl_test_memcg_counter(const char *name, const char *file,
					  const char *key)
{
	char buf[8192], path[96], word[64], *p;

	snprintf(path, sizeof(path), "/tmp/cg/%s/%s", name, file);
	snprintf(word, sizeof(word), "\n%s ", key);
	buf[0] = '\n';
	if (!ukl_test_read_file(path, buf + 1, sizeof(buf) - 1))
		return -1;
	if (!*key)
		return atol(buf + 1);
	p = strstr(buf, word);
	return p ? atol(p + strlen(word)) : -1;
}

/**
 * ukl_test_loopback_up() - bring the loopback interface up
 *
 * It is down after boot.  net.c tests bringing it up; an area that only
 * uses it calls this, so that it passes when booted alone too.
 */
static inline void ukl_test_loopback_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr) && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
}

/**
 * ukl_test_pin_cpu() - run the calling thread on one CPU only
 * @cpu: the CPU, below 64
 *
 * With the raw system call and a mask of one word, so that the programs
 * that include this header need not ask for <sched.h>'s GNU extensions.
 *
 * Return: 0, or -1 with errno set.
 */
static inline int ukl_test_pin_cpu(int cpu)
{
	unsigned long mask;

	if (cpu < 0 || cpu >= 64) {
		errno = EINVAL;
		return -1;
	}
	mask = 1UL << cpu;
	return syscall(SYS_sched_setaffinity, 0, sizeof(mask), &mask) ? -1 : 0;
}

/**
 * ukl_test_auxv() - read the caller's aux vector from /proc/self/auxv
 * @av: room for @max entries, type and value
 * @max: entries that fit into @av
 *
 * Return: the number of entries before AT_NULL, or -1.
 */
static inline int ukl_test_auxv(unsigned long (*av)[2], int max)
{
	char path[64];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "%s/self/auxv", ukl_test_procfs());
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, av, max * sizeof(*av));
		close(fd);
	}
	if (n < (ssize_t)sizeof(*av))
		return -1;
	for (n /= sizeof(*av); n > 0 && !av[n - 1][0]; n--)
		;
	return n;
}

/* Where the test kernels are linked: __START_KERNEL (CONFIG_PHYSICAL_START). */
#define UKL_TEST_KERNEL_LINKED_AT	0xffffffff81000000UL

/**
 * ukl_test_kernel_text() - an address of kernel code
 *
 * The first symbol of /proc/kallsyms (the kernel is relocated by KASLR),
 * or the unrelocated start of the kernel image if that cannot be read.
 * It is not the UKL application's code, and ring 3 cannot execute it.
 *
 * Return: the address.
 */
static inline unsigned long ukl_test_kernel_text(void)
{
	char path[64], line[64];
	unsigned long addr = 0;

	snprintf(path, sizeof(path), "%s/kallsyms", ukl_test_procfs());
	if (ukl_test_read_file(path, line, sizeof(line)))
		addr = strtoul(line, NULL, 16);
	return addr ? addr : UKL_TEST_KERNEL_LINKED_AT;
}

/**
 * ukl_test_kernel_symbol() - the address of a kernel symbol
 * @name: the symbol
 *
 * Return: its address in /proc/kallsyms, or 0 (not there, or hidden).
 */
static inline unsigned long ukl_test_kernel_symbol(const char *name)
{
	char path[64], line[256], sym[128];
	unsigned long addr, found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/kallsyms", ukl_test_procfs());
	f = fopen(path, "re");
	while (f && !found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx %*s %127s", &addr, sym) == 2 && !strcmp(sym, name))
			found = addr;
	if (f)
		fclose(f);
	return found;
}

/* The time of @clock in nanoseconds. */
static inline int64_t ukl_test_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/**
 * ukl_test_fork_tracee() - fork a child that this process traces, stopped
 * @stopped: set in the parent to whether the child stopped with SIGSTOP
 *
 * Return: in the parent the child's pid (or -1); in the child 0, once the
 * tracer has let it go on from its SIGSTOP.
 */
static inline pid_t ukl_test_fork_tracee(int *stopped)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			_exit(1);
		raise(SIGSTOP);
		return 0;
	}
	*stopped = pid > 0 && waitpid(pid, &status, 0) == pid &&
		   WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP;
	return pid;
}

#define UKL_TEST_SYSFS	"/tmp/ukl-test-sys"

/**
 * ukl_test_ret_level() - the kernel's ret level, /sys/module/ukl/parameters/ret
 * @set: 1 or 0 to turn it on or off, -1 to leave it
 *
 * Mounts sysfs for the call (the test programs run as init, without one).
 * Return: 1 or 0, the level before the call, or -1 if the kernel has no
 * ret level (or it could not be set).
 */
static inline int ukl_test_ret_level(int set)
{
	char c = 0;
	int fd, ret = -1;

	mkdir(UKL_TEST_SYSFS, 0755);
	if (mount("sysfs", UKL_TEST_SYSFS, "sysfs", 0, NULL))
		return -1;
	fd = open(UKL_TEST_SYSFS "/module/ukl/parameters/ret", O_RDWR);
	if (fd >= 0 && read(fd, &c, 1) == 1 && (c == 'Y' || c == 'N'))
		ret = c == 'Y';
	if (ret >= 0 && set >= 0 && pwrite(fd, set ? "1" : "0", 1, 0) != 1)
		ret = -1;
	if (fd >= 0)
		close(fd);
	umount(UKL_TEST_SYSFS);
	rmdir(UKL_TEST_SYSFS);
	return ret;
}

#endif /* __UKL_TEST_H */
