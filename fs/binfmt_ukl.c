// SPDX-License-Identifier: GPL-2.0
/*
 * Binary format handler for the Unikernel Linux (UKL) application.
 *
 * The application's code is part of the kernel text; its data is linked at
 * a fixed user address range, and its initial contents are a load image in
 * the kernel's init memory (see include/asm-generic/ukl.lds.h) which is
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
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/personality.h>
#include <linux/ptrace.h>
#include <linux/random.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/ukl.h>

#include <asm/ukl.h>

enum { UKL_PHDR_LOAD, UKL_PHDR_TLS, UKL_PHDR_STACK, UKL_NR_PHDRS };

static struct linux_binfmt ukl_format;

/* The initial contents of the data range, kept from boot on. */
static const void *ukl_image __ro_after_init;

/**
 * is_ukl_task - tell whether a task runs the UKL application
 * @tsk: the task; its mm must be stable (current, or task_lock() held)
 *
 * Context: any.
 * Return: true if @tsk's address space was set up by the UKL binary format.
 */
bool is_ukl_task(struct task_struct *tsk)
{
	return tsk->mm && tsk->mm->binfmt == &ukl_format;
}

/*
 * Map the application's data range and fill it from the load image.  The
 * whole range is one private anonymous writable mapping: rodata is not
 * write protected (the application is trusted code in ring 0 anyway).
 */
static int ukl_map_image(void)
{
	unsigned long start = (unsigned long)__ukl_image_start;
	unsigned long len = __ukl_image_end - __ukl_image_start;
	unsigned long filesz = __ukl_data_end - __ukl_image_start;
	unsigned long addr;

	addr = vm_mmap(NULL, start, len, PROT_READ | PROT_WRITE,
		       MAP_FIXED_NOREPLACE | MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(addr))
		return (int)addr;
	if (copy_to_user((void __user *)start, ukl_image, filesz))
		return -EFAULT;
	return 0;
}

/*
 * The program headers a static libc looks for: PT_TLS for the TLS image,
 * PT_LOAD for the data range, PT_GNU_STACK for the default thread stack.
 */
static void ukl_fill_phdrs(struct elf_phdr *ph)
{
	memset(ph, 0, UKL_NR_PHDRS * sizeof(*ph));

	ph[UKL_PHDR_LOAD].p_type = PT_LOAD;
	ph[UKL_PHDR_LOAD].p_flags = PF_R | PF_W;
	ph[UKL_PHDR_LOAD].p_vaddr = (unsigned long)__ukl_image_start;
	ph[UKL_PHDR_LOAD].p_paddr = ph[UKL_PHDR_LOAD].p_vaddr;
	ph[UKL_PHDR_LOAD].p_filesz = __ukl_data_end - __ukl_image_start;
	ph[UKL_PHDR_LOAD].p_memsz = __ukl_image_end - __ukl_image_start;
	ph[UKL_PHDR_LOAD].p_align = PAGE_SIZE;

	ph[UKL_PHDR_TLS].p_type = PT_TLS;
	ph[UKL_PHDR_TLS].p_flags = PF_R;
	ph[UKL_PHDR_TLS].p_vaddr = (unsigned long)__ukl_tdata_start;
	ph[UKL_PHDR_TLS].p_paddr = ph[UKL_PHDR_TLS].p_vaddr;
	ph[UKL_PHDR_TLS].p_filesz = __ukl_tdata_end - __ukl_tdata_start;
	ph[UKL_PHDR_TLS].p_memsz = __ukl_tbss_end - __ukl_tdata_start;
	ph[UKL_PHDR_TLS].p_align = (unsigned long)__ukl_tls_align;

	ph[UKL_PHDR_STACK].p_type = PT_GNU_STACK;
	ph[UKL_PHDR_STACK].p_flags = PF_R | PF_W;
}

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
 * executable: argc, argv[], envp[], auxv[], with the program headers and
 * the AT_RANDOM bytes stored above them.  There is deliberately no
 * AT_SYSINFO_EHDR: the vDSO is user code and cannot run in ring 0.
 */
static int ukl_create_tables(struct linux_binprm *bprm)
{
	struct mm_struct *mm = current->mm;
	const struct cred *cred = current_cred();
	struct elf_phdr phdrs[UKL_NR_PHDRS];
	unsigned char rand_bytes[16];
	unsigned long p = arch_align_stack(bprm->p);
	unsigned long u_phdrs, u_rand, *auxv;
	unsigned long __user *sp;
	int argc = bprm->argc, envc = bprm->envc;
	int items, auxv_words, ret;

	p = (p - sizeof(rand_bytes)) & ~15UL;
	u_rand = p;
	get_random_bytes(rand_bytes, sizeof(rand_bytes));
	if (copy_to_user((void __user *)u_rand, rand_bytes, sizeof(rand_bytes)))
		return -EFAULT;

	ukl_fill_phdrs(phdrs);
	p = (p - sizeof(phdrs)) & ~15UL;
	u_phdrs = p;
	if (copy_to_user((void __user *)u_phdrs, phdrs, sizeof(phdrs)))
		return -EFAULT;

	auxv = (unsigned long *)mm->saved_auxv;
#define UKL_AUX(id, val) do { *auxv++ = (id); *auxv++ = (val); } while (0)
	UKL_AUX(AT_HWCAP, ELF_HWCAP);
	UKL_AUX(AT_PAGESZ, PAGE_SIZE);
	UKL_AUX(AT_CLKTCK, CLOCKS_PER_SEC);
	UKL_AUX(AT_PHDR, u_phdrs);
	UKL_AUX(AT_PHENT, sizeof(struct elf_phdr));
	UKL_AUX(AT_PHNUM, UKL_NR_PHDRS);
	UKL_AUX(AT_BASE, 0);
	UKL_AUX(AT_FLAGS, 0);
	UKL_AUX(AT_ENTRY, (unsigned long)__ukl_app_entry);
	UKL_AUX(AT_UID, from_kuid_munged(cred->user_ns, cred->uid));
	UKL_AUX(AT_EUID, from_kuid_munged(cred->user_ns, cred->euid));
	UKL_AUX(AT_GID, from_kgid_munged(cred->user_ns, cred->gid));
	UKL_AUX(AT_EGID, from_kgid_munged(cred->user_ns, cred->egid));
	UKL_AUX(AT_SECURE, bprm->secureexec);
	UKL_AUX(AT_RANDOM, u_rand);
	UKL_AUX(AT_EXECFN, bprm->exec);
#undef UKL_AUX
	memset(auxv, 0, (char *)mm->saved_auxv + sizeof(mm->saved_auxv) - (char *)auxv);
	auxv_words = (auxv - (unsigned long *)mm->saved_auxv) + 2;	/* and AT_NULL */

	items = 1 + (argc + 1) + (envc + 1) + auxv_words;
	sp = (unsigned long __user *)(((p - items * sizeof(long)) & ~15UL));
	bprm->p = (unsigned long)sp;

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

static int load_ukl_binary(struct linux_binprm *bprm)
{
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
	 * credentials, before a set-user-ID file could change them.
	 */
	if (!capable(CAP_SYS_RAWIO))
		return -EPERM;
	retval = arch_ukl_can_run();
	if (retval)
		return retval;

	retval = begin_new_exec(bprm);
	if (retval)
		return retval;

	arch_ukl_set_personality();
	if (!(current->personality & ADDR_NO_RANDOMIZE) && randomize_va_space)
		current->flags |= PF_RANDOMIZE;
	setup_new_exec(bprm);

	retval = setup_arg_pages(bprm, randomize_stack_top(STACK_TOP),
				 EXSTACK_DISABLE_X);
	if (retval < 0)
		return retval;

	retval = ukl_map_image();
	if (retval < 0)
		return retval;

	set_binfmt(&ukl_format);

	retval = ukl_create_tables(bprm);
	if (retval < 0)
		return retval;

	mm = current->mm;
	mm->start_code = (unsigned long)__ukl_app_entry;
	mm->end_code = (unsigned long)__ukl_app_entry;
	mm->start_data = (unsigned long)__ukl_image_start;
	mm->end_data = (unsigned long)__ukl_data_end;
	mm->start_stack = bprm->p;

	brk = PAGE_ALIGN((unsigned long)__ukl_image_end);
	mm->start_brk = brk;
	mm->brk = brk;
	if ((current->flags & PF_RANDOMIZE) && randomize_va_space > 1) {
		brk = arch_randomize_brk(mm);
		mm->start_brk = brk;
		mm->brk = brk;
	}

	finalize_exec(bprm);
	arch_ukl_start_thread(current_pt_regs(), (unsigned long)__ukl_app_entry,
			      bprm->p);
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
