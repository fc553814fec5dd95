; Multiboot2 entry: GRUB enters _start32 in 32-bit protected mode with paging off. This stub
; checks the loader and the CPU, builds boot page tables, enters long mode and jumps to the
; higher-half kernel (kernel/main.c: kmain). It runs at its physical address (linker.ld: .boot).

KERNEL_VMA      equ 0xFFFFFFFF80000000
MB2_MAGIC       equ 0xE85250D6          ; header magic (Multiboot2 spec 3.1.1)
MB2_BOOT_MAGIC  equ 0x36D76289          ; what the loader leaves in EAX
MB2_ARCH_I386   equ 0
COM1            equ 0x3F8

PTE_P           equ 1 << 0
PTE_W           equ 1 << 1
PTE_PS          equ 1 << 7

extern kmain

section .multiboot2
align 8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	; entry address tag (type 3): the ELF entry is a higher-half address, so name the
	; physical one explicitly.
	align 8
	dw 3, 0
	dd 12
	dd _start32
	; framebuffer tag (type 5, section 3.1.10): 1024x768 at 32 bits a pixel, for the screen
	; console (kernel/fbscreen.c). Flag 1 makes it optional: without a graphics mode the
	; kernel boots with the serial port only.
	align 8
	dw 5, 1
	dd 20
	dd 1024, 768, 32
	; end tag
	align 8
	dw 0, 0
	dd 8
mb2_header_end:

section .boot.text progbits alloc exec nowrite align=16
bits 32
global _start32
_start32:
	cli
	cld
	mov esp, boot32_stack_top
	mov [mb2_magic], eax            ; kept for kmain: the code below needs every register
	mov [mb2_info], ebx
	cmp eax, MB2_BOOT_MAGIC
	jne .not_multiboot2

	; Long mode needs CPUID leaf 0x80000001 bit 29 (LM).
	pushfd
	pop eax
	mov ecx, eax
	xor eax, 1 << 21                ; ID flag toggles only if CPUID exists
	push eax
	popfd
	pushfd
	pop eax
	push ecx
	popfd
	cmp eax, ecx
	je .no_long_mode
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no_long_mode

	call build_boot_page_tables

	mov eax, cr4
	or eax, 1 << 5                  ; PAE
	mov cr4, eax
	mov eax, boot_pml4
	mov cr3, eax
	mov ecx, 0xC0000080             ; IA32_EFER
	rdmsr
	or eax, 1 << 8                  ; LME
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16) | 1 ; PG, WP, PE
	mov cr0, eax

	lgdt [boot_gdt_ptr]
	jmp 0x08:long_mode_entry

.not_multiboot2:
	mov esi, msg_not_mb2
	jmp fatal32
.no_long_mode:
	mov esi, msg_no_lm
	jmp fatal32

; Boot page tables, 2 MiB pages: identity map of the first 4 GiB (this stub and the
; loader's data), the same 4 GiB at the direct map 0xFFFF800000000000 (so early C code can
; reach physical memory as it will later), and the top 2 GiB mapped to the first 2 GiB for
; the kernel image. kernel/mm/vmm.c replaces them.
build_boot_page_tables:
	mov edi, boot_pt_start
	mov ecx, (boot_pt_end - boot_pt_start) / 4
	xor eax, eax
	rep stosd
	mov dword [boot_pml4 + 0 * 8], boot_pdpt_low + PTE_P + PTE_W
	mov dword [boot_pml4 + 256 * 8], boot_pdpt_low + PTE_P + PTE_W
	mov dword [boot_pml4 + 511 * 8], boot_pdpt_high + PTE_P + PTE_W
	mov dword [boot_pdpt_low + 0 * 8], boot_pd + 0 * 4096 + PTE_P + PTE_W
	mov dword [boot_pdpt_low + 1 * 8], boot_pd + 1 * 4096 + PTE_P + PTE_W
	mov dword [boot_pdpt_low + 2 * 8], boot_pd + 2 * 4096 + PTE_P + PTE_W
	mov dword [boot_pdpt_low + 3 * 8], boot_pd + 3 * 4096 + PTE_P + PTE_W
	mov dword [boot_pdpt_high + 510 * 8], boot_pd + 0 * 4096 + PTE_P + PTE_W
	mov dword [boot_pdpt_high + 511 * 8], boot_pd + 1 * 4096 + PTE_P + PTE_W
	; 2048 PD entries cover 4 GiB; entry i maps i * 2 MiB (bits 32+ go in the high dword).
	xor ecx, ecx
.fill:
	mov eax, ecx
	shl eax, 21
	or eax, PTE_P + PTE_W + PTE_PS
	mov [boot_pd + ecx * 8], eax
	mov eax, ecx
	shr eax, 11
	mov [boot_pd + ecx * 8 + 4], eax
	inc ecx
	cmp ecx, 2048
	jb .fill
	ret

; Prints the NUL-terminated string at ESI on COM1 and stops: there is nothing else to do
; before long mode.
fatal32:
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	lodsb
	test al, al
	jz .halt
	mov dx, COM1
	out dx, al
	jmp fatal32
.halt:
	cli
	hlt
	jmp .halt

bits 64
long_mode_entry:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor ax, ax
	mov fs, ax
	mov gs, ax
	mov rsp, boot_stack_top
	xor ebp, ebp                    ; ends the backtrace frame chain
	; kmain(magic, info_phys); 32-bit loads zero-extend into the full registers.
	mov edi, [mb2_magic]
	mov esi, [mb2_info]
	mov rax, kmain
	call rax
.hang:
	cli
	hlt
	jmp .hang

section .boot.data progbits alloc noexec write align=8
align 8
boot_gdt:
	dq 0
	dq 0x00AF9A000000FFFF           ; 0x08: 64-bit code, DPL 0
	dq 0x00CF92000000FFFF           ; 0x10: data, DPL 0
boot_gdt_end:
boot_gdt_ptr:
	dw boot_gdt_end - boot_gdt - 1
	dd boot_gdt
align 4
mb2_magic:      dd 0
mb2_info:       dd 0
msg_not_mb2:
	db "flotilla: not loaded by a multiboot2 loader; halting", 13, 10, 0
msg_no_lm:
	db "flotilla: this CPU has no long mode (x86-64); halting", 13, 10, 0

section .boot.bss nobits
alignb 4096
boot_pt_start:
boot_pml4:      resb 4096
boot_pdpt_low:  resb 4096
boot_pdpt_high: resb 4096
boot_pd:        resb 4 * 4096
boot_pt_end:
boot32_stack:   resb 1024
boot32_stack_top:

; The stack kmain starts on. It has no guard page, so kmain moves to a guarded one early.
section .bss
alignb 16
global boot_stack_top
boot_stack:     resb 16384
boot_stack_top:
