; ksetjmp/klongjmp for the kernel (kcatch.h): callee-saved registers, stack, return address
; and RFLAGS, so that a jump out of a trap handler also restores the interrupt flag.

section .text
bits 64

; int ksetjmp(struct kjmp_buf *b)
global ksetjmp
ksetjmp:
	mov [rdi + 0], rbx
	mov [rdi + 8], rbp
	mov [rdi + 16], r12
	mov [rdi + 24], r13
	mov [rdi + 32], r14
	mov [rdi + 40], r15
	lea rdx, [rsp + 8]              ; the caller's RSP after our return
	mov [rdi + 48], rdx
	mov rdx, [rsp]
	mov [rdi + 56], rdx
	pushfq
	pop qword [rdi + 64]
	xor eax, eax
	ret

; noreturn void klongjmp(struct kjmp_buf *b, int val)
global klongjmp
klongjmp:
	mov eax, esi
	test eax, eax
	jnz .nonzero
	inc eax
.nonzero:
	mov rbx, [rdi + 0]
	mov rbp, [rdi + 8]
	mov r12, [rdi + 16]
	mov r13, [rdi + 24]
	mov r14, [rdi + 32]
	mov r15, [rdi + 40]
	mov rsp, [rdi + 48]
	push qword [rdi + 64]
	popfq
	jmp [rdi + 56]

; void stack_call(void *stack_top, void (*fn)(void *), void *arg)
; Runs fn(arg) on another stack and comes back to this one.
global stack_call
stack_call:
	push rbp
	mov rbp, rsp
	mov rsp, rdi
	mov rax, rsi
	mov rdi, rdx
	call rax
	mov rsp, rbp
	pop rbp
	ret
