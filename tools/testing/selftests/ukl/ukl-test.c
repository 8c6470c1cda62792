// SPDX-License-Identifier: GPL-2.0
/*
 * UKL selftest: a nolibc program that a kernel with CONFIG_UNIKERNEL_LINUX
 * links into vmlinux (CONFIG_UKL_APP) and runs in ring 0 as init; it
 * makes its system calls through the kernel's UKL entry (nolibc's
 * NOLIBC_UKL).  It
 * checks what must hold for such a process, and what it can check without
 * threads: it runs at CPL 0, system calls return results and errors,
 * kernel pointers are EFAULT, signals are delivered and return through
 * rt_sigreturn, faults are signals, fork(), execve() and exit statuses
 * work.  The results are KTAP on the console; the exit status, which the
 * kernel prints ("ukl: application exited with status N"), is 0 when all
 * passed.
 *
 * Build: scripts/ukl/ukl-mkapp --nolibc tools/include/nolibc -o ukl-test.o
 * ukl-test.c (the Makefile does).  "exec-child" as the first argument
 * makes it the child of the execve() test.
 */

#define EXEC_STATUS	43
#define FORK_STATUS	42

static int passed, failed, nr;

static void result(int ok, const char *name)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++nr, name);
	if (ok)
		passed++;
	else
		failed++;
}

static int cpl(void)
{
	unsigned short cs;

	__asm__ volatile ("mov %%cs, %0" : "=r" (cs));
	return cs & 3;
}

/*
 * The signal restorer: rt_sigreturn through the UKL entry, as nolibc's
 * system calls make it.  It never returns: the kernel finds the signal
 * frame at the stack pointer of the call.  Its address is taken: ENDBR
 * for a kernel with IBT.
 */
void ukl_test_restorer(void);
__asm__ (".text\n"
	 ".type ukl_test_restorer, @function\n"
	 "ukl_test_restorer:\n"
	 "	endbr64\n"
	 "	mov $15, %eax\n"
	 "	leaq entry_SYSCALL_64_ukl(%rip), %rcx\n"
	 "999:	call *%rcx\n"
	 "	.pushsection .discard.retpoline_safe\n"
	 "	.long 999b\n"
	 "	.popsection\n"
	 "	ud2\n"
	 ".size ukl_test_restorer, . - ukl_test_restorer\n");

/* The kernel's struct sigaction of x86-64. */
struct ksigaction {
	void (*handler)(int sig);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask;
};

#define KSA_RESTORER	0x04000000

static int set_handler(int sig, void (*handler)(int sig))
{
	struct ksigaction sa = {
		.handler = handler,
		.flags = KSA_RESTORER,
		.restorer = ukl_test_restorer,
	};

	return my_syscall4(__NR_rt_sigaction, sig, &sa, NULL, sizeof(sa.mask));
}

/* Written by the handler; kill() is an asm with a memory clobber. */
static int caught;

static void on_signal(int sig)
{
	caught = sig;
}

static void test_signal(void)
{
	unsigned long canary = 0x554b4cUL;

	caught = 0;
	if (set_handler(SIGUSR1, on_signal)) {
		result(0, "signal_returns_through_sigreturn");
		return;
	}
	/* In a register across the signal: rt_sigreturn must restore it. */
	__asm__ volatile ("" : "+r" (canary));
	kill(getpid(), SIGUSR1);
	__asm__ volatile ("" : "+r" (canary));
	result(caught == SIGUSR1 && canary == 0x554b4cUL,
	       "signal_returns_through_sigreturn");
}

/* Status of a child that ran @fn, or -1. */
static int child_status(void (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		fn();
		exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static void null_write(void)
{
	int *p = NULL;

	/* A store the compiler cannot drop: it does not know p is NULL. */
	__asm__ volatile ("" : "+r" (p));
	*p = 1;
}

static void exit_fork_status(void)
{
	exit(FORK_STATUS);
}

static void exec_self(void)
{
	char *const argv[] = { "ukl", "exec-child", NULL };
	char *const envp[] = { NULL };

	execve("/ukl", argv, envp);
	exit(1);
}

int main(int argc, char **argv)
{
	int fds[2], status;
	char c = 'u';

	if (argc > 1 && !strcmp(argv[1], "exec-child"))
		return cpl() == 0 ? EXEC_STATUS : 1;

	printf("KTAP version 1\n1..8\n");
	result(cpl() == 0, "runs_at_cpl0");
	result(getpid() == 1 && getppid() == 0, "getpid_getppid_of_init");
	result(open("/nonexistent", O_RDONLY) < 0 && errno == ENOENT,
	       "open_missing_file_is_enoent");
	result(!pipe(fds) && write(fds[1], (void *)0xffffffff81000000UL, 1) < 0 &&
	       errno == EFAULT && write(fds[1], &c, 1) == 1,
	       "kernel_pointer_is_efault");
	test_signal();
	status = child_status(null_write);
	result(status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
	       "null_write_is_sigsegv");
	status = child_status(exit_fork_status);
	result(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == FORK_STATUS,
	       "fork_child_exit_status");
	status = child_status(exec_self);
	result(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == EXEC_STATUS,
	       "execve_of_the_application");
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0\n",
	       passed, failed);
	return failed ? 1 : 0;
}
