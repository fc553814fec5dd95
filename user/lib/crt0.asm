; User program entry. The kernel enters _start with RDI = argc, RSI = argv, RDX = envp and
; RSP as if _start had been called (docs/SYSCALLS.md, "Program start").
extern main
extern exit
extern environ

section .text
global _start
_start:
	xor ebp, ebp
	and rsp, -16
	mov [rel environ], rdx
	call main
	mov edi, eax
	call exit
	ud2
