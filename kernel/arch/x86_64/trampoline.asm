; AP start-up trampoline. Kernel 0 copies trampoline_start..trampoline_end to TRAMP_ADDR
; (below 1 MiB), fills the data slots at the end, and sends INIT-SIPI-SIPI with vector
; TRAMP_ADDR >> 12. The AP starts here in real mode with CS = TRAMP_ADDR >> 4, IP = 0, and
; goes through protected mode to long mode on temporary page tables (kernel/smp.c builds
; them), then jumps to kmain_ap in its own kernel image with its own stack.

TRAMP_ADDR      equ 0x8000
%define ABS(x)  (TRAMP_ADDR + (x) - trampoline_start)

section .rodata
align 16
global trampoline_start
global trampoline_end
global trampoline_data

bits 16
trampoline_start:
	cli
	cld
	mov ax, cs
	mov ds, ax
	o32 lgdt [tr_gdt_ptr - trampoline_start]
	mov eax, cr0
	or eax, 1                       ; PE
	mov cr0, eax
	jmp dword 0x08:ABS(pm32)

bits 32
pm32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, 1 << 5                  ; PAE
	mov cr4, eax
	mov eax, [ABS(tr_cr3)]
	mov cr3, eax
	mov ecx, 0xC0000080             ; IA32_EFER: LME, and NXE when kernel 0 found NX
	rdmsr
	or eax, [ABS(tr_efer)]
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16) | 1 ; PG, WP, PE
	mov cr0, eax
	jmp 0x18:ABS(lm64)

bits 64
lm64:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rsp, [ABS(tr_stack)]
	mov rdi, [ABS(tr_record)]
	xor ebp, ebp
	mov rax, [ABS(tr_entry)]
	call rax
.hang:
	cli
	hlt
	jmp .hang

align 8
tr_gdt:
	dq 0
	dq 0x00CF9A000000FFFF           ; 0x08: 32-bit code
	dq 0x00CF92000000FFFF           ; 0x10: data
	dq 0x00AF9A000000FFFF           ; 0x18: 64-bit code
tr_gdt_end:
tr_gdt_ptr:
	dw tr_gdt_end - tr_gdt - 1
	dd ABS(tr_gdt)

; Filled by kernel 0 before each start (struct trampoline_data in smp.c).
align 8
trampoline_data:
tr_cr3:         dq 0                    ; temporary page tables, below 4 GiB
tr_efer:        dq 0                    ; EFER bits to set
tr_stack:       dq 0                    ; the AP kernel's boot stack (virtual)
tr_record:      dq 0                    ; physical address of its boot record
tr_entry:       dq 0                    ; kmain_ap (virtual)
trampoline_end:
