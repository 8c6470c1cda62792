/* SPDX-License-Identifier: MIT */
/*
 * What ukl_level.c uses of the kernel and of libc, which have no header in
 * the freestanding (-nostdinc) build of the builtins.
 */
#ifndef UKL_LEVEL_H
#define UKL_LEVEL_H

/* The kernel's system call entries (arch/x86/entry/entry_64_ukl.S). */
void entry_SYSCALL_64_ukl(void);
void entry_SYSCALL_64_ukl_bypass(void);
void entry_SYSCALL_64_ukl_direct(void);
/* libc's; always linked, since __libc_start_main() sets it. */
extern char **__environ;

#endif /* UKL_LEVEL_H */
