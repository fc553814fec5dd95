; SYSCALL entry (SDM 2B SYSCALL; docs/SYSCALLS.md has the ABI). The CPU leaves the user RIP
; in RCX and RFLAGS in R11 and masks IF (IA32_FMASK), so nothing can interrupt us before we
; are on the thread's kernel stack. Each kernel runs one thread at a time, so one scratch
; word for the user RSP is enough.

extern syscall_dispatch
extern syscall_kstack_top

section .bss
alignb 8
syscall_user_rsp: resq 1

section .text
bits 64

; Stack layout = struct syscall_frame (kernel/syscall.h), lowest address first.
global syscall_entry
syscall_entry:
	mov [rel syscall_user_rsp], rsp
	mov rsp, [rel syscall_kstack_top]
	push qword [rel syscall_user_rsp]       ; rsp
	push r11                                ; rflags
	push rcx                                ; rip
	push r9
	push r8
	push r10
	push rdx
	push rsi
	push rdi
	push rax                                ; number
	mov rdi, rsp
	sti
	call syscall_dispatch                   ; returns the result in RAX
	cli
	add rsp, 8                              ; number
	pop rdi
	pop rsi
	pop rdx
	pop r10
	pop r8
	pop r9
	pop rcx                                 ; rip (syscall_dispatch checked it is canonical)
	pop r11                                 ; rflags
	pop rsp
	o64 sysret
