/* The self-restoring trampoline (x86_64).  Copied into a page of the target
 * and entered with rip = its first byte and rsp = the top of a private
 * stack.  It saves the vector state and errno, makes the calls of the
 * control block (one page below the code), restores everything, sets done
 * and jumps back to where the thread was.  It runs untraced: once the
 * injector has detached, the target needs nothing more from it. */
#include "hs_tramp.h"

#if defined(__x86_64__)

#define CTL(off) (.Lbase - 4096 + (off))(%rip)
#define REG(r) CTL(HS_CTL_REGS + HS_REG_##r)

        .section .rodata.hs_tramp, "a"
        .globl hs_tramp_start
        .globl hs_tramp_end
        .hidden hs_tramp_start
        .hidden hs_tramp_end
        .p2align 4
hs_tramp_start:
.Lbase:
        cld
        movq CTL(HS_CTL_XSAVE), %rdi
        xorl %ecx, %ecx
        xgetbv
        xsave64 (%rdi)
        callq *CTL(HS_CTL_ERRNO_FN)
        movq %rax, %r12
        movl (%rax), %r13d
        leaq .Lbase - 4096(%rip), %rbx
        xorl %r14d, %r14d
1:
        cmpq HS_CTL_NCALLS(%rbx), %r14
        jae 3f
        movq %r14, %r15
        shlq $5, %r15
        leaq HS_CTL_CALLS(%rbx,%r15), %r15
        movq 8(%r15), %rdi
        movq 16(%r15), %rsi
        testq $HS_CALL_A0_FROM_R0, 24(%r15)
        jz 2f
        movq HS_CTL_RESULT(%rbx), %rdi
2:
        xorl %eax, %eax
        callq *(%r15)
        movq %rax, HS_CTL_RESULT(%rbx,%r14,8)
        incq %r14
        jmp 1b
3:
        movl %r13d, (%r12)
        movq HS_CTL_XSAVE(%rbx), %rdi
        xorl %ecx, %ecx
        xgetbv
        xrstor64 (%rdi)
        pushq REG(EFLAGS)
        popfq
        movq REG(R15), %r15
        movq REG(R14), %r14
        movq REG(R13), %r13
        movq REG(R12), %r12
        movq REG(RBP), %rbp
        movq REG(RBX), %rbx
        movq REG(R11), %r11
        movq REG(R10), %r10
        movq REG(R9), %r9
        movq REG(R8), %r8
        movq REG(RAX), %rax
        movq REG(RCX), %rcx
        movq REG(RDX), %rdx
        movq REG(RSI), %rsi
        movq REG(RDI), %rdi
        movq REG(RSP), %rsp
        movq $1, CTL(HS_CTL_DONE)
        jmpq *REG(RIP)
hs_tramp_end:

#endif

        .section .note.GNU-stack, "", @progbits
