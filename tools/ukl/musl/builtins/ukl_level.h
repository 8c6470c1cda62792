/* SPDX-License-Identifier: MIT */
/*
 * What ukl_level.c uses of the kernel and of libc, which have no header in
 * the freestanding (-nostdinc) build of the builtins.
 */
#ifndef UKL_LEVEL_H
#define UKL_LEVEL_H

/* The kernel's system call entries (arch/x86/entry/entry_64_ukl.S). */
extern char entry_SYSCALL_64_ukl[];
extern char entry_SYSCALL_64_ukl_bypass[];
extern char entry_SYSCALL_64_ukl_direct[];
extern char entry_SYSCALL_64_ukl_leaf[];
/* libc's; always linked, since __libc_start_main() sets it. */
extern char **__environ;

#endif /* UKL_LEVEL_H */
