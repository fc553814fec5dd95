; Thread switch and first entry (kernel/sched.c).

section .text
bits 64

; void switch_context(uint64_t *save_rsp, uint64_t new_rsp)
; Saves the callee-saved registers on the current stack, stores RSP, loads the other thread's
; RSP and returns into it. Interrupts are off across the switch.
global switch_context
switch_context:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov [rdi], rsp
	mov rsp, rsi
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

; Where a new thread's first switch_context returns to: r12 = arg, r13 = fn.
extern thread_start_c
global thread_start
thread_start:
	mov rdi, r13
	mov rsi, r12
	xor ebp, ebp
	call thread_start_c
	ud2

; noreturn void user_enter(uint64_t rip, uint64_t rsp, uint64_t argc, uint64_t argv,
;                          uint64_t envp)
; First entry to ring 3 through IRETQ, with RDI, RSI, RDX = argc, argv, envp for _start and
; every other register cleared, so nothing of the kernel's leaks.
global user_enter
user_enter:
	push 0x23                       ; SS: user data, RPL 3 (gdt.h SEL_UDATA | 3)
	push rsi                        ; RSP
	push 0x202                      ; RFLAGS: IF
	push 0x2B                       ; CS: user code, RPL 3 (SEL_UCODE | 3)
	push rdi                        ; RIP
	mov rdi, rdx
	mov rsi, rcx
	mov rdx, r8
	xor eax, eax
	xor ebx, ebx
	xor ecx, ecx
	xor ebp, ebp
	xor r8d, r8d
	xor r9d, r9d
	xor r10d, r10d
	xor r11d, r11d
	xor r12d, r12d
	xor r13d, r13d
	xor r14d, r14d
	xor r15d, r15d
	iretq
