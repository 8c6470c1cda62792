/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Linker script fragment for the Unikernel Linux (UKL) application image.
 *
 * The application's code is merged into .text by scripts/ukl/ukl-mkapp.
 * Everything it reads or writes (rodata, data, constructor arrays, the TLS
 * image, bss) is linked at the *user* address @vaddr, the way x86-64 links
 * per-CPU data at address 0: the kernel image only holds the initial
 * contents at __ukl_load_start, and fs/binfmt_ukl.c gives every process
 * that executes the application a private copy at @vaddr.  Pointers into
 * that data are then ordinary user pointers.
 *
 * @vaddr must be below 2 GiB so that the kernel code model's sign-extended
 * 32-bit absolute relocations reach it, and close enough to address 0 that
 * RIP-relative references from the top 2 GiB wrap around to it: the range
 * must end below 16 MiB plus the application's offset into the kernel
 * text.  ASSERT()s below catch a range that is too large.
 *
 * ld does not carry the VMA-to-LMA offset over to TLS sections: .tdata
 * gets its own AT(), which assumes it needs no more than 64-byte alignment.
 *
 * @phdr is the program header for the range, @tls_phdr a PT_TLS header
 * for .tdata and .tbss (binutils derives a TLS section's load address
 * from it).  Like PERCPU_VADDR(), this
 * changes the output program header: place it between output sections that
 * name theirs, and where no other segment spans its load address.  Like
 * per-CPU data, the load image may sit in init memory: the kernel keeps a
 * copy of it from boot on (fs/binfmt_ukl.c).
 */
#ifndef __ASM_GENERIC_UKL_LDS_H
#define __ASM_GENERIC_UKL_LDS_H

/*
 * The application's code, inside the kernel's .text: entry code tells
 * application context by an interrupted instruction pointer in this range.
 */
#ifdef CONFIG_UNIKERNEL_LINUX
#define UKL_TEXT							\
	__ukl_text_start = .;						\
	*(.ukl.text)							\
	__ukl_text_end = .;
#else
#define UKL_TEXT
#endif

#define UKL_IMAGE(vaddr, phdr, tls_phdr)						\
	. = ALIGN(PAGE_SIZE);						\
	__ukl_load_start = .;						\
	.ukl.data vaddr : AT(__ukl_load_start - LOAD_OFFSET) {		\
		__ukl_image_start = .;					\
		KEEP(*(.ukl.data))					\
	} phdr								\
	. = ALIGN(64);							\
	__ukl_tdata_vaddr = .;						\
	.tdata __ukl_tdata_vaddr :					\
		AT(__ukl_load_start - LOAD_OFFSET + (__ukl_tdata_vaddr - vaddr)) { \
		__ukl_tdata_start = .;					\
		KEEP(*(.tdata))						\
		__ukl_tdata_end = .;					\
	} phdr tls_phdr							\
	.tbss : {							\
		KEEP(*(.tbss))						\
		__ukl_tbss_end = .;					\
	} phdr tls_phdr							\
	__ukl_tls_align = MAX(ALIGNOF(.tdata), ALIGNOF(.tbss));		\
	__ukl_data_end = __ukl_tdata_end;				\
	.ukl.bss (NOLOAD) : {						\
		KEEP(*(.ukl.bss))					\
		. = ALIGN(PAGE_SIZE);					\
		__ukl_image_end = .;					\
	} phdr								\
	ASSERT(LOADADDR(.tdata) - LOADADDR(.ukl.data) ==		\
	       ADDR(.tdata) - ADDR(.ukl.data),				\
	       "UKL application TLS is aligned to more than 64 bytes")	\
	ASSERT(__ukl_image_end <= vaddr + 0x800000,			\
	       "UKL application data, rodata and bss exceed 8 MiB")	\
	. = ALIGN(__ukl_load_start + (__ukl_data_end - vaddr), PAGE_SIZE); \
	__ukl_load_end = .;

#endif /* __ASM_GENERIC_UKL_LDS_H */
