// SPDX-License-Identifier: GPL-2.0
/*
 * UKL test probe: the protection state that kernel code runs with.
 *
 * Reading <debugfs>/ukl/entry_state reports, as seen by the kernel code
 * that serves the read() system call:
 *
 *	cpl=C ac=A smap=S smep=E pti=P kaslr=K
 *
 * C is the privilege level of that code (always 0), A whether EFLAGS.AC
 * is set, S and E whether CR4.SMAP and CR4.SMEP are set on this CPU, P
 * whether page table isolation is on, and K whether the kernel, and with
 * it the application's code, was loaded at a randomized address.  The UKL tests read it from the
 * ring-0 application and from ordinary ring-3 programs and require the
 * same answer: in particular ac=0, so that SMAP makes every stray access
 * of kernel code to user memory fault, also when the kernel was entered
 * from the application, which itself runs with AC set.
 *
 * Test-only: CONFIG_UKL_TEST_PROBE.
 */

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/irqflags.h>
#include <linux/cpufeature.h>
#include <linux/kernel.h>

#include <asm/processor-flags.h>
#include <asm/setup.h>
#include <asm/tlbflush.h>

static ssize_t entry_state_read(struct file *file, char __user *buf,
				size_t count, loff_t *ppos)
{
	unsigned long flags = native_save_fl();
	unsigned long cr4 = __read_cr4();
	unsigned short cs;
	char state[64];
	int len;

	asm volatile ("mov %%cs, %0" : "=r" (cs));
	len = scnprintf(state, sizeof(state),
			"cpl=%d ac=%d smap=%d smep=%d pti=%d kaslr=%d\n",
			cs & 3, !!(flags & X86_EFLAGS_AC),
			!!(cr4 & X86_CR4_SMAP), !!(cr4 & X86_CR4_SMEP),
			boot_cpu_has(X86_FEATURE_PTI), kaslr_enabled());
	return simple_read_from_buffer(buf, count, ppos, state, len);
}

static const struct file_operations entry_state_fops = {
	.read = entry_state_read,
	.llseek = default_llseek,
};

static int __init ukl_probe_init(void)
{
	struct dentry *dir = debugfs_create_dir("ukl", NULL);

	debugfs_create_file("entry_state", 0444, dir, NULL, &entry_state_fops);
	return 0;
}
late_initcall(ukl_probe_init);
