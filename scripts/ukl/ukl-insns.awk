# SPDX-License-Identifier: GPL-2.0
#
# ukl-insns.awk - find instructions that ring-0 application code must not have
#
# Usage: objdump -d[r] OBJECT... | awk -F'\t' -f ukl-insns.awk [-v calls=FILE]
#
# Prints "OBJECT<TAB>FUNCTION<TAB>WHAT" for every instruction of the
# disassembly that does not work at CPL 0 (syscall, sysenter, sysexit,
# sysret, hlt, int $N), every access below the stack pointer (the red
# zone, where an interrupt at CPL 0 pushes its frame), every return,
# near or far, that does not go
# through __x86_return_thunk and every indirect call or jump, near or
# far, that does not go through a retpoline thunk.  The UKL system call,
# "call *%rcx", is the one indirect branch allowed (it must stay two
# bytes long for the restart of a system call); with -v calls=FILE their
# number is written to FILE.  With objdump's -r, also every direct call
# or jump to a system call entry.
# Used by scripts/ukl/ukl-checkapp on application objects and by the
# ring-0 musl build on libc.

/^In archive / { next }
/file format/ { obj = $1; sub(/:.*/, "", obj); next }
/^[0-9a-f]+ <.*>:$/ { fn = $0; sub(/^[0-9a-f]+ /, "", fn); next }
# A relocation line of objdump -dr, after its instruction: a direct call
# or jump to a system call entry would be rewound into its middle by the
# restart of a system call, which expects the two bytes of "call *%rcx".
$4 ~ /: R_X86_64_(PC32|PLT32)$/ {
	if (insn ~ /^(call|jmp)q? / && $5 ~ /^entry_SYSCALL_64_ukl/) {
		sym = $5
		sub(/[-+]0x[0-9a-f]+$/, "", sym)
		print obj "\t" fn "\tdirect " substr(insn, 1, index(insn, " ") - 1) \
			" " sym " (a system call is \"call *%rcx\")"
	}
	next
}
{ insn = $3; sub(/ +$/, "", insn) }
insn ~ /^(syscall|sysenter|hlt)( |$)/ || insn ~ /^(sysexit|sysret)[lq]?( |$)/ ||
insn ~ /^int +\$/ {
	split(insn, m, " ")
	print obj "\t" fn "\t" m[1] " (does not work at CPL 0)"
	next
}
# The stack below the stack pointer: at CPL 0 an interrupt or exception
# pushes its frame there, so there is no red zone (-mno-red-zone).  Any
# memory operand at a negative offset from %rsp but LEA's, which only
# computes an address; an access through a copy of %rsp is not seen.
insn !~ /^(lea|nop)/ && insn ~ /[ ,]-0x[0-9a-f]+\(%rsp\)/ {
	gsub(/  +/, " ", insn)
	print obj "\t" fn "\t" insn " (below the stack pointer: no red zone at CPL 0)"
	next
}
insn ~ /^((rep|repz|repnz|bnd) +)?ret/ {
	print obj "\t" fn "\tret (not through __x86_return_thunk)"
	next
}
insn ~ /^(lret|iret)[lqw]?( |$)/ {
	split(insn, m, " ")
	print obj "\t" fn "\t" m[1] " (not through __x86_return_thunk)"
	next
}
insn ~ /^call +\*%rcx$/ { ncalls++; next }
insn ~ /^((notrack|bnd|[c-gs]s) +)*l?(call|jmp) +\*/ {
	gsub(/  +/, " ", insn)
	print obj "\t" fn "\tindirect " insn " (not through a retpoline thunk)"
}
END { if (calls != "") print ncalls + 0 > calls }
