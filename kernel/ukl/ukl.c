// SPDX-License-Identifier: GPL-2.0
/*
 * Unikernel Linux (UKL): starting the linked-in application as init, with
 * standard input and output of its own if asked, and ending the machine
 * when it exits.
 *
 * Copyright (C) 2026 The UKL authors
 */

#define pr_fmt(fmt) "ukl: " fmt

#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/hw_breakpoint.h>
#include <linux/init.h>
#include <linux/init_syscalls.h>
#include <linux/initrd.h>
#include <linux/kprobes.h>
#include <linux/panic.h>
#include <linux/perf_event.h>
#include <linux/printk.h>
#include <linux/reboot.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/string.h>
#include <linux/syscalls.h>
#include <linux/tty.h>
#include <linux/ukl.h>
#include <uapi/linux/mount.h>

#include <kunit/visibility.h>

static const char * const ukl_exit_names[] = {
	[UKL_EXIT_POWEROFF]	= "poweroff",
	[UKL_EXIT_HALT]		= "halt",
	[UKL_EXIT_REBOOT]	= "reboot",
	[UKL_EXIT_PANIC]	= "panic",
};

static enum ukl_exit_action ukl_exit_action __ro_after_init = UKL_EXIT_POWEROFF;

/**
 * ukl_parse_exit - parse the value of ukl.exit=
 * @str: the value: poweroff, halt, reboot or panic
 *
 * Context: any.
 * Return: the &enum ukl_exit_action that @str names, or -EINVAL.
 */
VISIBLE_IF_KUNIT int ukl_parse_exit(const char *str)
{
	return match_string(ukl_exit_names, ARRAY_SIZE(ukl_exit_names), str);
}
EXPORT_SYMBOL_IF_KUNIT(ukl_parse_exit);

static int __init ukl_exit_setup(char *str)
{
	int i = ukl_parse_exit(str);

	if (i < 0) {
		pr_warn("unknown ukl.exit=%s, using %s\n", str,
			ukl_exit_names[ukl_exit_action]);
		return 1;
	}
	ukl_exit_action = i;
	return 1;
}
__setup("ukl.exit=", ukl_exit_setup);

/*
 * Create UKL_INIT_PATH, a file holding UKL_MAGIC, in the rootfs unless the
 * initramfs brought one: executing it starts the application.  This runs
 * once the initramfs is unpacked, before init, so that an init script can
 * set things up and then execute it.
 */
static int __init ukl_create_init_file(void)
{
	struct file *f;
	loff_t pos = 0;
	ssize_t n;

	wait_for_initramfs();
	if (!init_eaccess(UKL_INIT_PATH))
		return 0;

	f = filp_open(UKL_INIT_PATH, O_WRONLY | O_CREAT | O_EXCL, 0700);
	if (IS_ERR(f)) {
		pr_err("cannot create %s: %ld\n", UKL_INIT_PATH, PTR_ERR(f));
		return 0;
	}
	n = kernel_write(f, UKL_MAGIC, UKL_MAGIC_LEN, &pos);
	/* Close it now: a deferred fput() would make execve() fail with -ETXTBSY. */
	__fput_sync(f);
	if (n != UKL_MAGIC_LEN)
		pr_err("cannot write %s: %zd\n", UKL_INIT_PATH, n);
	return 0;
}
late_initcall(ukl_create_init_file);

#ifdef CONFIG_KPROBES
/*
 * No kprobes on the application's text.  It is not kernel code: a
 * breakpoint there is one of the application, which gets SIGTRAP and
 * dies, and an optimized probe would run its handler in application
 * context.  register_kprobe() refuses addresses in it with -EINVAL, and
 * <debugfs>/kprobes/blacklist lists its functions.
 */
static int __init ukl_kprobe_blacklist(void)
{
	return kprobe_add_area_blacklist((unsigned long)__ukl_text_start,
					 (unsigned long)__ukl_text_end);
}
late_initcall(ukl_kprobe_blacklist);
#endif

#ifdef CONFIG_HAVE_HW_BREAKPOINT
/**
 * ukl_bp_in_app_text - tell whether a breakpoint lies in the application's text
 * @attr: the breakpoint's type, address and length
 *
 * An instruction breakpoint has the length sizeof(long) by the ABI, but
 * matches at its address only (X86_BREAKPOINT_LEN_X): it may be on any
 * byte of the text, the last included.  A watchpoint's range must not
 * wrap around the top of the address space.
 *
 * Context: any.
 * Return: true if every byte that @attr matches is application text.
 */
VISIBLE_IF_KUNIT bool ukl_bp_in_app_text(const struct perf_event_attr *attr)
{
	unsigned long end = (unsigned long)__ukl_text_end;
	u64 len = attr->bp_type == HW_BREAKPOINT_X ? 1 : attr->bp_len;

	return attr->bp_addr >= (unsigned long)__ukl_text_start &&
	       attr->bp_addr < end && len <= end - attr->bp_addr;
}
EXPORT_SYMBOL_IF_KUNIT(ukl_bp_in_app_text);

/**
 * ukl_bp_on_app_code - tell whether a breakpoint is on the application's code
 * @bp: a hardware breakpoint event
 * @attr: its attributes: address and length
 *
 * The breakpoints of ptrace() exclude the kernel, and hw_breakpoint_parse()
 * refuses them kernel addresses.  The application's text is kernel text,
 * but a process that runs the application runs it as its own code, so a
 * tracer of that process may break on it like on a ring-3 program's code.
 * The breakpoint fires in application context, which perf counts as user
 * mode.
 *
 * Context: hw_breakpoint_parse(), for a new breakpoint or a new address;
 * takes task_lock() of the target, which perf_event_open() may give while
 * it exits.
 * Return: true if @bp belongs to a task that runs the application and
 * @attr lies within the application's text.
 */
bool ukl_bp_on_app_code(struct perf_event *bp, const struct perf_event_attr *attr)
{
	struct task_struct *tsk = bp->hw.target;
	bool ukl;

	if (!tsk || !ukl_bp_in_app_text(attr))
		return false;
	/* Its mm, which is_ukl_task() reads, lives as long as task_lock(). */
	task_lock(tsk);
	ukl = is_ukl_task(tsk);
	task_unlock(tsk);
	return ukl;
}
#endif

/*
 * The application runs as init, with no init system to set up what a
 * program expects to find: mount procfs on /proc and sysfs on /sys where
 * the rootfs has these directories (the initramfs of "make run" has them,
 * scripts/ukl/rootfs.list), as an init would.
 */
static void __init ukl_mount_init_fs(void)
{
	static const struct {
		const char *type, *dir;
		bool enabled;
	} fs[] = {
		{ "proc", "/proc", IS_ENABLED(CONFIG_PROC_FS) },
		{ "sysfs", "/sys", IS_ENABLED(CONFIG_SYSFS) },
	};
	int i, err;

	for (i = 0; i < ARRAY_SIZE(fs); i++) {
		if (!fs[i].enabled || init_eaccess(fs[i].dir))
			continue;
		err = init_mount(fs[i].type, fs[i].dir, fs[i].type,
				 MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
		if (err)
			pr_warn("cannot mount %s on %s: %d\n", fs[i].type,
				fs[i].dir, err);
	}
}

static char *ukl_share __initdata;

static int __init ukl_share_setup(char *str)
{
	ukl_share = str;
	return 1;
}
__setup("ukl.share=", ukl_share_setup);

/*
 * ukl.share=DIR: mount the host directory that QEMU exports to the guest
 * over virtio with the 9p mount tag UKL_SHARE_TAG (ukl-run.sh --share) on
 * DIR, which is made if the rootfs lacks it, as an init would mount a
 * share from its fstab.
 */
static void __init ukl_mount_share(void)
{
	char *opts;
	int err;

	if (!ukl_share)
		return;
	if (!IS_ENABLED(CONFIG_9P_FS) || !IS_ENABLED(CONFIG_NET_9P_VIRTIO)) {
		pr_err("ukl.share=%s needs CONFIG_9P_FS and CONFIG_NET_9P_VIRTIO\n",
		       ukl_share);
		return;
	}
	/* path_mount() takes the options as a page: it ends it with a NUL. */
	opts = (char *)get_zeroed_page(GFP_KERNEL);
	if (!opts) {
		err = -ENOMEM;
		goto out;
	}
	strscpy(opts, "trans=virtio,version=9p2000.L", PAGE_SIZE);
	err = init_mkdir(ukl_share, 0755);
	if (!err || err == -EEXIST)
		err = init_mount(UKL_SHARE_TAG, ukl_share, "9p", MS_NOSUID | MS_NODEV,
				 opts);
	free_page((unsigned long)opts);
out:
	if (err)
		pr_err("cannot mount the host share (9p tag %s) on %s: %d\n",
		       UKL_SHARE_TAG, ukl_share, err);
	else
		pr_info("host share (9p tag %s) on %s\n", UKL_SHARE_TAG, ukl_share);
}

static char *ukl_stdio __initdata;

/* The terminal of ukl.stdio=, if it is one: ukl_init_exit() drains it. */
static struct tty_struct *ukl_stdio_tty;

static int __init ukl_stdio_setup(char *str)
{
	ukl_stdio = str;
	return 1;
}
__setup("ukl.stdio=", ukl_stdio_setup);

/*
 * Make the terminal of @file raw, as cfmakeraw() does, at 115200 baud:
 * bytes pass both ways as they are (no "\n" to "\r\n", no echo, no line
 * editing, no signal characters), so that what the application writes
 * reaches the host byte for byte and what the host sends reaches the
 * application.  Keeps the reference to the terminal in ukl_stdio_tty.
 */
static void __init ukl_stdio_raw(struct file *file)
{
	struct inode *inode = file_inode(file);
	struct tty_struct *tty;
	struct ktermios t;

	if (!IS_ENABLED(CONFIG_TTY) || !S_ISCHR(inode->i_mode))
		return;
	tty = tty_kopen_shared(inode->i_rdev);
	if (IS_ERR_OR_NULL(tty))
		return;		/* not a terminal */
	down_read(&tty->termios_rwsem);
	t = tty->termios;
	up_read(&tty->termios_rwsem);
	t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
		       ICRNL | IXON);
	t.c_oflag &= ~OPOST;
	t.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	tty_termios_encode_baud_rate(&t, 115200, 115200);
	tty_set_termios(tty, &t);
	ukl_stdio_tty = tty;
}

/*
 * ukl.stdio=PATH: the application's standard input, output and error are
 * PATH, typically a second serial port that the host reads apart from the
 * kernel's console, instead of the console that console_on_rootfs() gave
 * init.  A terminal there is made raw.  The line this prints tells a
 * runner that input sent to the port from now on reaches the application:
 * opening a serial port resets it, which drops what came before.
 */
static void __init ukl_open_stdio(void)
{
	struct file *file;
	int fd, err = 0;

	if (!ukl_stdio)
		return;
	file = filp_open(ukl_stdio, O_RDWR | O_NOCTTY, 0);
	if (IS_ERR(file)) {
		pr_err("cannot open ukl.stdio=%s (%ld): the application's standard input, output and error stay on the console%s\n",
		       ukl_stdio, PTR_ERR(file),
		       PTR_ERR(file) == -ENOENT ?
		       "; put the device node into its root file system (scripts/ukl/rootfs.list)" :
		       PTR_ERR(file) == -EIO ? "; the device is not there" : "");
		return;
	}
	ukl_stdio_raw(file);
	for (fd = 0; fd < 3 && err >= 0; fd++)
		err = replace_fd(fd, file, 0);
	fput(file);
	if (err < 0)
		pr_err("cannot make ukl.stdio=%s standard file %d: %d\n",
		       ukl_stdio, fd - 1, err);
	else
		pr_info("standard input, output and error on %s\n", ukl_stdio);
}

/**
 * ukl_init_command - choose the application as init
 *
 * Called by kernel_init_freeable() when the initramfs has no init program
 * (no /init, or none at the rdinit= path), so that the ordinary init path
 * executes the application with the arguments and environment from the
 * kernel command line.  Mounts procfs and sysfs for it first, where the
 * rootfs has their directories, and the host share of ukl.share=, if any,
 * and opens its standard input, output and error on the path that
 * ukl.stdio= names, if any.
 *
 * Context: process context during boot, after the initcalls, before init.
 * Return: the path to execute as init, or NULL to go on without UKL.
 */
char * __init ukl_init_command(void)
{
	static char path[] = UKL_INIT_PATH;

	if (init_eaccess(path))
		return NULL;
	ukl_mount_init_fs();
	ukl_mount_share();
	ukl_open_stdio();
	return path;
}

/**
 * ukl_decode_exit - how a process ended, from its wait(2) status
 * @code: the status, as do_exit() gets it
 * @signaled: set to whether a signal killed the process
 *
 * Context: any.
 * Return: the number of the signal that killed the process, or its exit
 * status.
 */
VISIBLE_IF_KUNIT int ukl_decode_exit(int code, bool *signaled)
{
	*signaled = code & 0x7f;
	return *signaled ? code & 0x7f : (code >> 8) & 0xff;
}
EXPORT_SYMBOL_IF_KUNIT(ukl_decode_exit);

/* A thread of init has begun to exit as the UKL application. */
static bool ukl_init_exiting;

/**
 * ukl_init_exit - end the machine when the application exits as init
 * @code: the exit code of init's thread group, in wait(2) status format
 * @group_dead: whether the calling thread is the last live one of init
 *
 * Called by do_exit() for every thread of global init, once it is counted
 * out of the group's live threads and before anything of it is torn down.
 * When init is the UKL application, the last thread waits until what it
 * wrote to the terminal of ukl.stdio= has been sent (10 s at most),
 * prints how the application ended (runners parse this line), writes
 * back the file systems' dirty data unless the kernel has oopsed, as an
 * init system syncs before it calls reboot(), and carries out the
 * ukl.exit= action, right before the "Attempted to kill init!" panic.
 *
 * The threads before the last one go on: the one among them that is
 * init's child reaper waits for the end in ukl_init_reaper_gone() if it
 * finds no thread left to take over.
 *
 * Context: process context, an exiting thread of init, before exit_mm().
 * Returns when nothing is to be done, for ukl.exit=panic, and for a
 * thread before the last.
 */
void ukl_init_exit(int code, bool group_dead)
{
	bool signaled;
	int n;

	if (!is_ukl_task(current))
		return;
	WRITE_ONCE(ukl_init_exiting, true);
	if (!group_dead)
		return;

	/*
	 * What the UART has not sent yet would be lost (4 KiB take 0.35 s at
	 * 115200 baud; QEMU's UART sends each byte at once).
	 */
	if (ukl_stdio_tty)
		tty_wait_until_sent(ukl_stdio_tty, 10 * HZ);

	n = ukl_decode_exit(code, &signaled);
	if (signaled)
		pr_info("application killed by signal %d\n", n);
	else
		pr_info("application exited with status %d\n", n);

	/*
	 * The application exits without sync(2), as programs do; what it
	 * wrote and the kernel has not written back would be lost.  Not
	 * after an oops, which may have left the locks that writeback
	 * needs held, so that the machine would never end.
	 */
	if (!test_taint(TAINT_DIE))
		ksys_sync();

	switch (ukl_exit_action) {
	case UKL_EXIT_POWEROFF:
		/*
		 * Without a way to power off (no ACPI, as on QEMU's microvm),
		 * init would exit and panic: reset instead, which a
		 * hypervisor run with -no-reboot also takes as the end.
		 */
		if (kernel_can_power_off()) {
			kernel_power_off();
		} else {
			pr_info("cannot power off, restarting\n");
			kernel_restart(NULL);
		}
		break;
	case UKL_EXIT_HALT:
		kernel_halt();
		break;
	case UKL_EXIT_REBOOT:
		kernel_restart(NULL);
		break;
	case UKL_EXIT_PANIC:
		break;
	}
}

/**
 * ukl_init_reaper_gone - wait for the last thread of init to end the machine
 * @father: the exiting thread of init that is its child reaper
 *
 * Called by find_child_reaper() when every thread of init has begun to
 * exit, where it would zap the initial PID namespace: kill every process
 * and wait for them, or BUG() without CONFIG_PID_NS.  When init is the UKL
 * application, the last of its threads ends the machine (ukl_init_exit()),
 * and @father waits for that instead.  It gets here when the group exits
 * at once (exit_group(), a fatal signal), and when its threads exit one by
 * one and the last begins to exit before @father, the leader after
 * pthread_exit() in main(), has found a thread to take over: a
 * multi-threaded application (Redis) hit the BUG() in the first case.
 *
 * Context: process context, exit_notify() of @father (current), without
 * tasklist_lock.  Returns when init is not the UKL application.
 */
void ukl_init_reaper_gone(struct task_struct *father)
{
	if (!is_global_init(father) || !READ_ONCE(ukl_init_exiting))
		return;
	for (;;)
		schedule_timeout_idle(MAX_SCHEDULE_TIMEOUT);
}
