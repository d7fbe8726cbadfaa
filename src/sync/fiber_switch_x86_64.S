/* SPDX-License-Identifier: MIT */
/*
 * x86-64 (System V) fiber switch.
 *
 * void sva_fiber_swap(void **save_sp, void *load_sp)
 *   Pushes the callee-saved registers and the SSE/x87 control words on the current stack,
 *   stores the stack pointer in *save_sp, loads load_sp and pops the other fiber's state.
 *
 * A new fiber's stack is laid out by sva_fiber_create() as if it had been switched out:
 * r12 = the fiber, r13 = the C start function, return address = sva_fiber_trampoline.
 */
	.text
	.globl	sva_fiber_swap
	.hidden	sva_fiber_swap
	.type	sva_fiber_swap, @function
sva_fiber_swap:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$8, %rsp
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	ldmxcsr	(%rsp)
	fldcw	4(%rsp)
	addq	$8, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.size	sva_fiber_swap, .-sva_fiber_swap

	.globl	sva_fiber_trampoline
	.hidden	sva_fiber_trampoline
	.type	sva_fiber_trampoline, @function
sva_fiber_trampoline:
	movq	%r12, %rdi
	xorl	%ebp, %ebp
	callq	*%r13
	ud2
	.size	sva_fiber_trampoline, .-sva_fiber_trampoline

	.section .note.GNU-stack, "", @progbits
