/* The trampoline's control block, shared by hs_tramp.S and hs_inject.c.
 *
 * One page, read and written by the trampoline through RIP-relative
 * addressing: it sits exactly one page below the code.  Offsets in bytes. */
#ifndef HS_TRAMP_H
#define HS_TRAMP_H

#define HS_CTL_DONE 0     /* set to 1 as the last store before jumping back */
#define HS_CTL_ERRNO_FN 8 /* __errno_location */
#define HS_CTL_XSAVE 16   /* 64-byte aligned XSAVE area */
#define HS_CTL_NCALLS 24
#define HS_CTL_CALLS 32 /* HS_MAX_CALLS x {fn, a0, a1, flags} */
#define HS_CALL_SIZE 32
#define HS_MAX_CALLS 4
#define HS_CALL_A0_FROM_R0 1 /* flags: a0 = the result of call 0 */
#define HS_CTL_RESULT 160    /* HS_MAX_CALLS x u64 */
#define HS_CTL_REGS 192      /* the thread's registers to go back to */
#define HS_REG_R15 0
#define HS_REG_R14 8
#define HS_REG_R13 16
#define HS_REG_R12 24
#define HS_REG_RBP 32
#define HS_REG_RBX 40
#define HS_REG_R11 48
#define HS_REG_R10 56
#define HS_REG_R9 64
#define HS_REG_R8 72
#define HS_REG_RAX 80
#define HS_REG_RCX 88
#define HS_REG_RDX 96
#define HS_REG_RSI 104
#define HS_REG_RDI 112
#define HS_REG_RIP 120
#define HS_REG_EFLAGS 128
#define HS_REG_RSP 136
#define HS_CTL_SIZE 336

#endif
