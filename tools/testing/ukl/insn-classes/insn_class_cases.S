/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Instructions for insn_class_test: every class of insn_class.h in its
 * usual and prefixed forms, and the instructions that share opcode bytes
 * with one (group 7, group 15, 0f c7, 0f 00, moves from control
 * registers, string instructions without REP, other instructions with an
 * f2 or f3 prefix), which must stay in no class.
 */
	.text
	.globl	insn_class_cases
insn_class_cases:
	syscall
	sysenter
	sysretq
	sysretl
	sysexitl
	iretq
	iretl
	iretw
	swapgs
	mov	%rax, %cr3
	mov	%rdi, %cr3
	mov	%r8, %cr3
	mov	%rax, %cr0
	mov	%rax, %cr4
	mov	%rax, %cr8
	mov	%rax, %db7
	mov	%cr3, %rax
	mov	%cr4, %rax
	mov	%db6, %rax
	wrmsr
	rdmsr
	verw	(%rax)
	verw	%ax
	verw	%cs:0x10(%rip)
	verr	(%rax)
	lldt	%ax
	ltr	%ax
	lfence
	mfence
	sfence
	fxsave	(%rax)
	fxsave64 (%rax)
	fxrstor	(%rax)
	fxrstor64 (%r12)
	xsave	(%rdi)
	xsave64	(%rdi)
	xrstor	(%rdi)
	xrstor64 (%rdi)
	xsaveopt (%rdi)
	xsaveopt64 (%rdi)
	xsavec	(%rdi)
	xsavec64 (%rdi)
	xsaves	(%rdi)
	xsaves64 (%rdi)
	xrstors	(%rdi)
	xrstors64 (%rdi)
	ldmxcsr	(%rax)
	stmxcsr	(%rax)
	clflush	(%rax)
	clflushopt (%rax)
	clwb	(%rax)
	rdfsbase %rax
	wrgsbase %rax
	umonitor %rax
	tpause	%eax
	incsspq	%rax
	ptwrite	%rax
	cmpxchg8b (%rax)
	cmpxchg16b (%rax)
	rdrand	%eax
	rdseed	%eax
	rdpid	%rax
	stac
	clac
	cli
	sti
	pushfq
	popfq
	pushfw
	popfw
	cpuid
	invlpg	(%rax)
	invlpg	0x8(%rsp,%rbx,4)
	invpcid	(%rax), %rax
	rdtscp
	xgetbv
	xsetbv
	lgdt	(%rax)
	sgdt	(%rax)
	monitor
	mwait
	rdpkru
	wrpkru
	lock orq $0, (%rsp)
	rep movsb
	rep movsw
	rep movsl
	rep movsq
	rep stosb
	rep stosq
	rep lodsb
	repz cmpsb
	repnz scasb
	repnz scasq
	rep insb
	rep outsb
	rep insl
	movsb
	movsq
	stosq
	lodsb
	scasb
	cmpsb
	insb
	outsb
	repz ret
	pause
	tzcnt	%rax, %rcx
	movsd	%xmm0, %xmm1
	movss	(%rax), %xmm1
	movslq	%eax, %rcx
	cmpsd	$0, %xmm0, %xmm1
	ds syscall
	cs nopl 0x0(%rax,%rax,1)
	nopl	0x554b4c00(%rax)
	nopl	0x554b4c01(%rax)
	nopl	0x554b4c02(%rax)
	vmovdqu	%ymm0, (%rax)
	vzeroupper
	vpxord	%zmm0, %zmm1, %zmm2
	popq	(%rax)
	pushq	%rax
	popq	%rax
	movq	%rax, %rcx
	ud2
	int3
	hlt
	ret
