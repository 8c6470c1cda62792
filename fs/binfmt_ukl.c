// SPDX-License-Identifier: GPL-2.0
/*
 * Binary format handler for the Unikernel Linux (UKL) application.
 *
 * The application's code is part of the kernel text; its data is linked at
 * a fixed user address range, and its initial contents are a load image in
 * the kernel's init memory (see arch/x86/kernel/vmlinux.lds.S) which is
 * copied once during boot.  Executing a file that starts with
 * UKL_MAGIC builds a new process image for it, the way binfmt_elf does for
 * an ELF file: a fresh mm, the argument stack, a private copy of the data,
 * zeroed bss, the aux vector (with a synthesized PT_TLS program header so
 * that a static libc finds its TLS image), and a start in ring 0 at the
 * application's entry point.
 *
 * Copyright (C) 2026 The UKL authors
 */

#include <linux/binfmts.h>
#include <linux/capability.h>
#include <linux/elf.h>
#include <linux/elf-randomize.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/perf_event.h>
#include <linux/personality.h>
#include <linux/ptrace.h>
#include <linux/random.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/ukl.h>
#include <linux/user_namespace.h>

#include <kunit/visibility.h>

static struct linux_binfmt ukl_format;

/* The initial contents of the data range, kept from boot on. */
static const void *ukl_image __ro_after_init;

/**
 * is_ukl_task - tell whether a task runs the UKL application
 * @tsk: the task; its mm must be stable (current, or task_lock() held)
 *
 * Context: any; noinstr, for exc_double_fault() (ukl_df_app_stack()).
 * Return: true if @tsk's address space was set up by the UKL binary format.
 */
noinstr bool is_ukl_task(struct task_struct *tsk)
{
	return tsk->mm && tsk->mm->binfmt == &ukl_format;
}

/* CAP_SYS_RAWIO in the initial user namespace, audited unless @mode says. */
static bool ukl_may_reach(unsigned int mode)
{
	if (mode & PTRACE_MODE_NOAUDIT)
		return ns_capable_noaudit(&init_user_ns, CAP_SYS_RAWIO);
	return ns_capable(&init_user_ns, CAP_SYS_RAWIO);
}

/*
 * A task that ran the application and has dropped its mm in exit_mm(),
 * told by the registers of its last entry, which stay the application's
 * until it is gone (a kernel thread has none).  A task whose stack is
 * gone has nothing left to show.
 */
static bool ukl_exiting_app(struct task_struct *task)
{
	bool app;

	if (!(task->flags & PF_EXITING) || (task->flags & PF_KTHREAD) ||
	    !try_get_task_stack(task))
		return false;
	app = ukl_app_regs(task_pt_regs(task));
	put_task_stack(task);
	return app;
}

/**
 * ukl_ptrace_may_access - what reaching into the application takes
 * @task: the task that current wants to inspect or trace
 * @mode: the PTRACE_MODE_* flags of the access
 *
 * A task that runs the application runs in ring 0: whoever can write its
 * memory or registers chooses what the kernel executes, and whoever can
 * read them reads ring-0 state.  Starting the application takes
 * CAP_SYS_RAWIO in the initial user namespace (load_ukl_binary()), of
 * the caller and of its tracer, and so does every access that
 * __ptrace_may_access() decides, on top of its
 * own rules: ptrace(), /proc/PID/mem and the other /proc files it
 * guards, process_vm_readv() and process_vm_writev(), process_madvise(),
 * pidfd_getfd(), kcmp().  The application's own threads are not asked.
 * A task that exits stays the application's after it dropped its mm:
 * /proc/PID/syscall shows the registers of its last entry until it is
 * gone.
 *
 * Context: __ptrace_may_access(), with task_lock(@task) held.
 * Return: false if current lacks the capability to access @task.
 */
bool ukl_ptrace_may_access(struct task_struct *task, unsigned int mode)
{
	if (task->mm)
		return ukl_mm_may_access(task->mm, mode);
	return !ukl_exiting_app(task) || ukl_may_reach(mode);
}

/**
 * ukl_mm_may_access - what reaching into the application's memory takes
 * @mm: the address space that mm_access() took from a task
 * @mode: the PTRACE_MODE_* flags of the access
 *
 * mm_access() takes the task's mm before ptrace_may_access() judges the
 * task; a task that exits in between has no mm any more, and
 * ukl_ptrace_may_access() would not know it ran the application, whose
 * mm the other threads may still run.  Judge the mm itself.
 *
 * Context: mm_access(), with a reference to @mm.
 * Return: false if current lacks CAP_SYS_RAWIO for the application's @mm.
 */
bool ukl_mm_may_access(struct mm_struct *mm, unsigned int mode)
{
	return mm->binfmt != &ukl_format || ukl_may_reach(mode);
}

/*
 * The current task's tracer, if any, has CAP_SYS_RAWIO in the initial user
 * namespace now.  Its creds of the attach (ptracer_cred) would not do:
 * after PTRACE_TRACEME they are the tracee's.  execve() holds
 * cred_guard_mutex, so no tracer attaches meanwhile.
 */
static bool ukl_tracer_capable(void)
{
	struct task_struct *tracer;
	bool ret = true;

	rcu_read_lock();
	tracer = ptrace_parent(current);
	if (tracer)
		ret = has_ns_capability_noaudit(tracer, &init_user_ns, CAP_SYS_RAWIO);
	rcu_read_unlock();
	return ret;
}

/**
 * ukl_get_layout - where the application was linked
 * @l: filled in from the symbols of arch/x86/kernel/vmlinux.lds.S
 *
 * Context: any.
 */
VISIBLE_IF_KUNIT void ukl_get_layout(struct ukl_layout *l)
{
	l->entry = (unsigned long)__ukl_app_entry;
	l->image_start = (unsigned long)__ukl_image_start;
	l->rodata_end = (unsigned long)__ukl_rodata_end;
	l->data_end = (unsigned long)__ukl_data_end;
	l->image_end = (unsigned long)__ukl_image_end;
	l->tdata_start = (unsigned long)__ukl_tdata_start;
	l->tdata_end = (unsigned long)__ukl_tdata_end;
	l->tbss_end = (unsigned long)__ukl_tbss_end;
	l->tls_align = (unsigned long)__ukl_tls_align;
}
EXPORT_SYMBOL_IF_KUNIT(ukl_get_layout);

/*
 * Map the application's data range and fill it from the load image, as
 * two private anonymous mappings: rodata read-only, like a ring-3
 * program's, then data, the TLS image and bss.  The read-only part is
 * filled the way ptrace() writes to read-only memory (FOLL_FORCE).
 */
static int ukl_map_image(const struct ukl_layout *l)
{
	unsigned long ro_len = l->rodata_end - l->image_start;
	unsigned long rw_len = l->image_end - l->rodata_end;
	unsigned long filesz = l->data_end - l->rodata_end;
	unsigned long addr;

	if (ro_len) {
		addr = vm_mmap(NULL, l->image_start, ro_len, PROT_READ,
			       MAP_FIXED_NOREPLACE | MAP_PRIVATE | MAP_ANONYMOUS, 0);
		if (IS_ERR_VALUE(addr))
			return (int)addr;
		/* With FOLL_WRITE, the buffer is only read from. */
		if (access_process_vm(current, l->image_start, (void *)ukl_image,
				      ro_len, FOLL_FORCE | FOLL_WRITE) != (int)ro_len)
			return -EFAULT;
	}
	if (!rw_len)
		return 0;
	addr = vm_mmap(NULL, l->rodata_end, rw_len, PROT_READ | PROT_WRITE,
		       MAP_FIXED_NOREPLACE | MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(addr))
		return (int)addr;
	if (copy_to_user((void __user *)l->rodata_end, ukl_image + ro_len, filesz))
		return -EFAULT;
	return 0;
}

static void ukl_set_phdr(struct elf_phdr *ph, u32 type, u32 flags,
			 unsigned long vaddr, unsigned long filesz,
			 unsigned long memsz, unsigned long align)
{
	ph->p_type = type;
	ph->p_flags = flags;
	ph->p_vaddr = vaddr;
	ph->p_paddr = vaddr;
	ph->p_filesz = filesz;
	ph->p_memsz = memsz;
	ph->p_align = align;
}

/**
 * ukl_fill_phdrs - synthesize the application's program headers
 * @ph: array of %UKL_NR_PHDRS program headers to fill in
 * @l: where the application was linked
 *
 * The program headers a static libc looks for: PT_LOAD for the read-only
 * and for the writable part of the data range, PT_TLS for the TLS image,
 * PT_GNU_STACK for the default thread stack.  Addresses, sizes and the TLS
 * alignment are passed on as they are.
 *
 * Context: any.
 */
VISIBLE_IF_KUNIT void ukl_fill_phdrs(struct elf_phdr *ph,
				     const struct ukl_layout *l)
{
	memset(ph, 0, UKL_NR_PHDRS * sizeof(*ph));

	ukl_set_phdr(&ph[UKL_PHDR_RODATA], PT_LOAD, PF_R, l->image_start,
		     l->rodata_end - l->image_start,
		     l->rodata_end - l->image_start, PAGE_SIZE);
	ukl_set_phdr(&ph[UKL_PHDR_LOAD], PT_LOAD, PF_R | PF_W, l->rodata_end,
		     l->data_end - l->rodata_end, l->image_end - l->rodata_end,
		     PAGE_SIZE);
	ukl_set_phdr(&ph[UKL_PHDR_TLS], PT_TLS, PF_R, l->tdata_start,
		     l->tdata_end - l->tdata_start, l->tbss_end - l->tdata_start,
		     l->tls_align);

	ph[UKL_PHDR_STACK].p_type = PT_GNU_STACK;
	ph[UKL_PHDR_STACK].p_flags = PF_R | PF_W;
}
EXPORT_SYMBOL_IF_KUNIT(ukl_fill_phdrs);

/**
 * ukl_fill_auxv - write the aux vector
 * @auxv: where to write it, mm->saved_auxv
 * @len: size of @auxv in words
 * @v: the values that vary
 *
 * The entries create_elf_tables() and x86's ARCH_DLINFO write for a static
 * ELF executable, in their order, with three differences: there is no
 * AT_SYSINFO_EHDR (the vDSO image is user code and cannot run in ring 0),
 * AT_MINSIGSTKSZ and AT_HWCAP2 are what the arch says holds in ring 0, and
 * the AT_RSEQ_* entries are left out (an rseq critical section must lie
 * below TASK_SIZE, and the application's code does not).  The vector ends
 * with AT_NULL; the rest of @auxv is zeroed.
 *
 * Context: any.
 * Return: the number of words written, AT_NULL included (%UKL_AUXV_WORDS),
 * or -ENOSPC if they do not fit into @len words (then @auxv is not
 * changed).
 */
VISIBLE_IF_KUNIT int ukl_fill_auxv(unsigned long *auxv, size_t len,
				   const struct ukl_auxv_values *v)
{
	const unsigned long aux[][2] = {
		{ AT_MINSIGSTKSZ, v->minsigstksz },
		{ AT_HWCAP,	v->hwcap },
		{ AT_PAGESZ,	PAGE_SIZE },
		{ AT_CLKTCK,	CLOCKS_PER_SEC },
		{ AT_PHDR,	v->phdrs },
		{ AT_PHENT,	sizeof(struct elf_phdr) },
		{ AT_PHNUM,	UKL_NR_PHDRS },
		{ AT_BASE,	0 },
		{ AT_FLAGS,	0 },
		{ AT_ENTRY,	v->entry },
		{ AT_UID,	v->uid },
		{ AT_EUID,	v->euid },
		{ AT_GID,	v->gid },
		{ AT_EGID,	v->egid },
		{ AT_SECURE,	v->secure },
		{ AT_RANDOM,	v->random },
		{ AT_HWCAP2,	v->hwcap2 },
		{ AT_EXECFN,	v->execfn },
		{ AT_PLATFORM,	v->platform },
	};
	size_t words = sizeof(aux) / sizeof(long) + 2;	/* and AT_NULL */

	BUILD_BUG_ON(sizeof(aux) / sizeof(long) + 2 != UKL_AUXV_WORDS);
	if (words > len)
		return -ENOSPC;
	memcpy(auxv, aux, sizeof(aux));
	memset(auxv + sizeof(aux) / sizeof(long), 0,
	       (len - sizeof(aux) / sizeof(long)) * sizeof(long));
	return words;
}
EXPORT_SYMBOL_IF_KUNIT(ukl_fill_auxv);

/**
 * ukl_layout_stack - place the contents of the initial stack
 * @s: the places, filled in
 * @p: the top of the free part of the stack, below the strings
 * @platform_len: the size of the AT_PLATFORM string, its NUL included
 * @argc: the number of arguments
 * @envc: the number of environment strings
 * @auxv_words: the number of words of the aux vector, AT_NULL included
 *
 * Like create_elf_tables(): the AT_PLATFORM string right below @p, the 16
 * AT_RANDOM bytes below it, the program headers below them, then argc,
 * argv[] and envp[] (each with a NULL pointer at its end) and the aux
 * vector from the 16-byte aligned initial stack pointer on.  Each piece
 * but the string is 16-byte aligned.
 *
 * Context: any.
 */
VISIBLE_IF_KUNIT void ukl_layout_stack(struct ukl_stack_layout *s,
				       unsigned long p, size_t platform_len,
				       int argc, int envc, int auxv_words)
{
	int items = 1 + (argc + 1) + (envc + 1) + auxv_words;

	s->platform = p - platform_len;
	s->random = (s->platform - 16) & ~15UL;
	s->phdrs = (s->random - UKL_NR_PHDRS * sizeof(struct elf_phdr)) & ~15UL;
	s->sp = (s->phdrs - items * sizeof(long)) & ~15UL;
}
EXPORT_SYMBOL_IF_KUNIT(ukl_layout_stack);

/**
 * ukl_set_mm_layout - record the application's ranges in its mm
 * @mm: the new mm of the process
 * @l: where the application was linked
 *
 * The code "range" is the entry point: the code is kernel text.  The data
 * range is the writable part of what the load image initializes, as for an
 * ELF program; brk starts at the first page after the data range, bss
 * included (load_ukl_binary() may randomize it).
 *
 * Context: execve(), or a test's own mm_struct.
 */
VISIBLE_IF_KUNIT void ukl_set_mm_layout(struct mm_struct *mm,
					const struct ukl_layout *l)
{
	mm->start_code = l->entry;
	mm->end_code = l->entry;
	mm->start_data = l->rodata_end;
	mm->end_data = l->data_end;
	mm->start_brk = PAGE_ALIGN(l->image_end);
	mm->brk = mm->start_brk;
}
EXPORT_SYMBOL_IF_KUNIT(ukl_set_mm_layout);

/*
 * Store pointers to the @n strings that start at *@p (where exec copied
 * them) at *@sp, then a NULL pointer; advance both past what they cover.
 */
static int ukl_put_string_ptrs(unsigned long __user **sp, unsigned long *p,
			       int n)
{
	while (n-- > 0) {
		size_t len;

		if (put_user(*p, (*sp)++))
			return -EFAULT;
		len = strnlen_user((void __user *)*p, MAX_ARG_STRLEN);
		if (!len || len > MAX_ARG_STRLEN)
			return -EINVAL;
		*p += len;
	}
	return put_user(0, (*sp)++) ? -EFAULT : 0;
}

/*
 * Lay out the initial stack like create_elf_tables() does for a static ELF
 * executable: argc, argv[], envp[], auxv[], with the program headers, the
 * AT_RANDOM bytes and the AT_PLATFORM string stored above them.
 */
static int ukl_create_tables(struct linux_binprm *bprm,
			     const struct ukl_layout *l)
{
	struct mm_struct *mm = current->mm;
	const struct cred *cred = current_cred();
	const char *platform = ELF_PLATFORM;
	size_t platform_len = strlen(platform) + 1;
	struct elf_phdr phdrs[UKL_NR_PHDRS];
	unsigned char rand_bytes[16];
	struct ukl_stack_layout s;
	struct ukl_auxv_values v;
	unsigned long __user *sp;
	unsigned long p;
	int argc = bprm->argc, envc = bprm->envc;
	int auxv_words, ret;

	ukl_layout_stack(&s, arch_align_stack(bprm->p), platform_len,
			 argc, envc, UKL_AUXV_WORDS);

	if (copy_to_user((void __user *)s.platform, platform, platform_len))
		return -EFAULT;

	get_random_bytes(rand_bytes, sizeof(rand_bytes));
	if (copy_to_user((void __user *)s.random, rand_bytes, sizeof(rand_bytes)))
		return -EFAULT;

	ukl_fill_phdrs(phdrs, l);
	if (copy_to_user((void __user *)s.phdrs, phdrs, sizeof(phdrs)))
		return -EFAULT;

	v = (struct ukl_auxv_values) {
		.minsigstksz = arch_ukl_minsigstksz(),
		.hwcap	= ELF_HWCAP,
		.hwcap2	= arch_ukl_hwcap2(),
		.phdrs	= s.phdrs,
		.entry	= l->entry,
		.uid	= from_kuid_munged(cred->user_ns, cred->uid),
		.euid	= from_kuid_munged(cred->user_ns, cred->euid),
		.gid	= from_kgid_munged(cred->user_ns, cred->gid),
		.egid	= from_kgid_munged(cred->user_ns, cred->egid),
		.secure	= bprm->secureexec,
		.random	= s.random,
		.execfn	= bprm->exec,
		.platform = s.platform,
	};
	auxv_words = ukl_fill_auxv(mm->saved_auxv, ARRAY_SIZE(mm->saved_auxv), &v);
	if (auxv_words < 0)
		return auxv_words;

	sp = (unsigned long __user *)s.sp;
	bprm->p = s.sp;

	/* Make sure the whole table is inside the stack VMA. */
	if (mmap_write_lock_killable(mm))
		return -EINTR;
	if (!find_extend_vma_locked(mm, bprm->p)) {
		mmap_write_unlock(mm);
		return -EFAULT;
	}
	mmap_write_unlock(mm);

	if (put_user(argc, sp++))
		return -EFAULT;

	p = mm->arg_start;
	ret = ukl_put_string_ptrs(&sp, &p, argc);
	if (ret)
		return ret;
	mm->arg_end = p;
	mm->env_start = p;
	ret = ukl_put_string_ptrs(&sp, &p, envc);
	if (ret)
		return ret;
	mm->env_end = p;

	if (copy_to_user(sp, mm->saved_auxv, auxv_words * sizeof(long)))
		return -EFAULT;
	return 0;
}

/**
 * ukl_count_strings - check and count the strings a UKL file carries
 * @buf: the file's bytes after %UKL_MAGIC
 * @len: their number
 * @argc: where to store the number of arguments
 * @envc: where to store the number of environment strings
 * @bad: where to store, on error, the offset in @buf of the first string
 *	that is not right
 *
 * Each string must have a tag, %UKL_TAG_ARG or %UKL_TAG_ENV, and a NUL at
 * its end, and fit into %MAX_ARG_STRLEN bytes without its tag, as execve()
 * requires of its strings.  Any other byte may be in it.
 *
 * Context: any.
 * Return: 0, or -EINVAL if a string is not right.
 */
VISIBLE_IF_KUNIT int ukl_count_strings(const char *buf, size_t len,
				       int *argc, int *envc, size_t *bad)
{
	size_t i = 0, n;

	*argc = 0;
	*envc = 0;
	while (i < len) {
		n = strnlen(buf + i, len - i);
		if (n == len - i || n < 1 || n > MAX_ARG_STRLEN ||
		    (buf[i] != UKL_TAG_ARG && buf[i] != UKL_TAG_ENV)) {
			*bad = i;
			return -EINVAL;
		}
		if (buf[i] == UKL_TAG_ARG)
			(*argc)++;
		else
			(*envc)++;
		i += n + 1;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(ukl_count_strings);

/* The start of the last NUL-terminated string in [@start, @end). */
static const char *ukl_last_string(const char *start, const char *end)
{
	const char *s = end - 1;

	while (s > start && s[-1])
		s--;
	return s;
}

/*
 * Copy the strings of [@start, @end) to the new stack below bprm->p, the
 * last one first, so that they keep their order there; with a @tag, only
 * those with that tag, without it.  Count them in *@count.
 */
static int ukl_push_strings(struct linux_binprm *bprm, const char *start,
			    const char *end, char tag, int *count)
{
	int ret;

	while (end > start) {
		const char *s = ukl_last_string(start, end);

		end = s;
		if (tag && *s++ != tag)
			continue;
		ret = copy_string_kernel(s, bprm);
		if (ret)
			return ret;
		(*count)++;
	}
	return 0;
}

/*
 * Put the strings that @data carries (ukl_count_strings()) among the
 * caller's: argv[0], @data's arguments, the caller's other arguments; the
 * caller's environment, then @data's (getenv() finds a variable of the
 * caller's first).  exec copied the caller's strings to the new stack
 * below bprm->exec, its arguments first: read them back and copy all of
 * them again, in that order.
 */
static int ukl_insert_strings(struct linux_binprm *bprm, const char *data,
			      size_t len)
{
	int size = bprm->exec - bprm->p, argc = 0, envc = 0, i, ret;
	const char *arg1, *env, *end;
	char *caller;

	if (size <= 0)
		return -EFAULT;
	caller = kvmalloc(size, GFP_KERNEL);
	if (!caller)
		return -ENOMEM;
	if (access_remote_vm(bprm->mm, bprm->p, caller, size, FOLL_FORCE) != size) {
		ret = -EFAULT;
		goto out;
	}
	end = caller + size;
	arg1 = caller + strnlen(caller, size) + 1;
	for (env = arg1, i = 1; i < bprm->argc && env < end; i++)
		env += strnlen(env, end - env) + 1;
	if (env > end || end[-1]) {
		ret = -EFAULT;
		goto out;
	}

	bprm->p = bprm->exec;
	ret = ukl_push_strings(bprm, data, data + len, UKL_TAG_ENV, &envc) ?:
	      ukl_push_strings(bprm, env, end, 0, &envc) ?:
	      ukl_push_strings(bprm, arg1, env, 0, &argc) ?:
	      ukl_push_strings(bprm, data, data + len, UKL_TAG_ARG, &argc) ?:
	      ukl_push_strings(bprm, caller, arg1, 0, &argc);
	bprm->argc = argc;
	bprm->envc = envc;
out:
	kvfree(caller);
	return ret;
}

/*
 * Add the arguments and environment strings that the file carries after
 * UKL_MAGIC, if any, to the caller's.  This runs before the point of no
 * return: a file that is not right fails the execve() with a message.
 */
static int ukl_add_file_strings(struct linux_binprm *bprm)
{
	loff_t size = i_size_read(file_inode(bprm->file));
	loff_t pos = UKL_MAGIC_LEN;
	int argc, envc, ret;
	size_t len, bad;
	ssize_t n;
	char *buf;

	if (size <= UKL_MAGIC_LEN)
		return 0;
	if (size - UKL_MAGIC_LEN > bprm->p - bprm->argmin)
		return -E2BIG;
	len = size - UKL_MAGIC_LEN;
	buf = kvmalloc(len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	n = kernel_read(bprm->file, buf, len, &pos);
	if (n != len) {
		ret = n < 0 ? n : -EIO;
		goto out;
	}
	ret = ukl_count_strings(buf, len, &argc, &envc, &bad);
	if (ret) {
		pr_warn_ratelimited("ukl: %s: no argument or environment string at byte %zu: %s\n",
				    bprm->filename, bad + UKL_MAGIC_LEN,
				    "each is 'a' or 'e', at most 131071 bytes and a NUL (Documentation/ukl/porting.rst)");
		goto out;
	}
	/*
	 * Each string takes a pointer on the new stack besides its bytes (but
	 * the tag): bprm_stack_limits() counted the caller's.
	 */
	if (len - (argc + envc) + (size_t)(argc + envc) * sizeof(void *) >
	    bprm->p - bprm->argmin) {
		ret = -E2BIG;
		goto out;
	}
	ret = ukl_insert_strings(bprm, buf, len);
out:
	kvfree(buf);
	return ret;
}

static int load_ukl_binary(struct linux_binprm *bprm)
{
	struct ukl_layout l;
	struct mm_struct *mm;
	unsigned long brk;
	int retval;

	if (memcmp(bprm->buf, UKL_MAGIC, UKL_MAGIC_LEN))
		return -ENOEXEC;
	if (!ukl_image)
		return -ENOMEM;

	/*
	 * The application runs in ring 0: only callers that could reach ring 0
	 * anyway may start it.  This is checked against the caller's
	 * credentials, before a set-user-ID file could change them.  A tracer
	 * keeps its access across execve(): it needs the same, as one that
	 * attaches later does (ukl_ptrace_may_access()).
	 */
	if (!capable(CAP_SYS_RAWIO) || !ukl_tracer_capable())
		return -EPERM;
	retval = arch_ukl_can_run();
	if (retval)
		return retval;
	retval = ukl_add_file_strings(bprm);
	if (retval)
		return retval;

	retval = begin_new_exec(bprm);
	if (retval)
		return retval;
	/*
	 * The new mm is the application's from here on, not once its image
	 * is mapped: setup_new_exec() drops exec_update_lock and
	 * cred_guard_mutex, after which ptrace and /proc may reach into it,
	 * and ukl_ptrace_may_access() must find it is the application's.
	 */
	set_binfmt(&ukl_format);
	/*
	 * Perf events attached to the task were allowed for a process that
	 * did not run in ring 0: detach them, as begin_new_exec() does for
	 * an exec that makes the task non-dumpable.  New ones need what
	 * ukl_ptrace_may_access() asks; none came meanwhile, since
	 * perf_event_open() takes exec_update_lock, which is held until
	 * setup_new_exec().
	 */
	perf_event_exit_task(current);

	arch_ukl_set_personality();
	if (!(current->personality & ADDR_NO_RANDOMIZE) && randomize_va_space)
		current->flags |= PF_RANDOMIZE;
	setup_new_exec(bprm);

	retval = setup_arg_pages(bprm, randomize_stack_top(STACK_TOP),
				 EXSTACK_DISABLE_X);
	if (retval < 0)
		return retval;

	ukl_get_layout(&l);
	retval = ukl_map_image(&l);
	if (retval < 0)
		return retval;

	retval = ukl_create_tables(bprm, &l);
	if (retval < 0)
		return retval;

	mm = current->mm;
	ukl_set_mm_layout(mm, &l);
	mm->start_stack = bprm->p;
	if ((current->flags & PF_RANDOMIZE) && randomize_va_space > 1) {
		brk = arch_randomize_brk(mm);
		mm->start_brk = brk;
		mm->brk = brk;
	}

	/* The caller's registers, as binfmt_elf clears them. */
#ifdef ELF_PLAT_INIT
	ELF_PLAT_INIT(current_pt_regs(), 0);
#endif
	finalize_exec(bprm);
	arch_ukl_start_thread(current_pt_regs(), l.entry, bprm->p);
	return 0;
}

static struct linux_binfmt ukl_format = {
	.module		= THIS_MODULE,
	.load_binary	= load_ukl_binary,
};

static int __init init_ukl_binfmt(void)
{
	ukl_image = kvmemdup(__ukl_load_start, __ukl_data_end - __ukl_image_start,
			     GFP_KERNEL);
	if (!ukl_image)
		pr_err("ukl: no memory for the application image\n");
	register_binfmt(&ukl_format);
	return 0;
}
core_initcall(init_ukl_binfmt);
