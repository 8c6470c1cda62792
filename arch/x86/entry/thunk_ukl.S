/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Plain return and retpoline thunks for the UKL application, on a kernel
 * that has none.
 *
 * The application and its ring-0 libc are compiled like the kernel's own
 * code on a kernel with CONFIG_MITIGATION_RETPOLINE and
 * CONFIG_MITIGATION_RETHUNK: every return is "jmp __x86_return_thunk" and
 * every indirect branch a call or jump to __x86_indirect_thunk_REG, which
 * such a kernel patches at boot (apply_returns(), apply_retpolines()).  So
 * one application object links into any kernel.  A kernel built without
 * these mitigations has no thunks to patch; the application then takes
 * these, the unmitigated instructions.  They run as the application's code
 * (ukl_app_code()), in its text.
 */

#include <linux/linkage.h>
#include <asm/nospec-branch.h>

	.section .ukl.text, "ax"

#ifndef CONFIG_MITIGATION_RETPOLINE
.macro UKL_INDIRECT_THUNK reg
SYM_CODE_START(__x86_indirect_thunk_\reg)
	UNWIND_HINT_UNDEFINED
	ANNOTATE_NOENDBR
	jmp	*%\reg
	int3
SYM_CODE_END(__x86_indirect_thunk_\reg)
.endm

#define GEN(reg) UKL_INDIRECT_THUNK reg
#include <asm/GEN-for-each-reg.h>
#undef GEN
#endif /* !CONFIG_MITIGATION_RETPOLINE */

#ifndef CONFIG_MITIGATION_RETHUNK
SYM_CODE_START(__x86_return_thunk)
	UNWIND_HINT_FUNC
	ANNOTATE_NOENDBR
	ret
	int3
SYM_CODE_END(__x86_return_thunk)
#endif /* !CONFIG_MITIGATION_RETHUNK */
