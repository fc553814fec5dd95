; AP start-up trampoline. Kernel 0 copies trampoline_start..trampoline_end to TRAMP_ADDR
; (below 1 MiB), fills the data slots at the end, and sends INIT-SIPI-SIPI with vector
; TRAMP_ADDR >> 12. The AP starts here in real mode with CS = TRAMP_ADDR >> 4, IP = 0, and
; goes through protected mode to long mode on temporary page tables (kernel/smp.c builds
; them), then jumps to kmain_ap in its own kernel image with its own stack.
;
; One copy serves every AP in turn, so a CPU must use it only while it holds the data meant
; for it. Before it touches anything, the CPU claims the data: it swaps tr_apic_id, the APIC
; id kernel 0 wrote it for, with TRAMP_TAKEN. A CPU with another id (one that arrives after
; its start window closed and kernel 0 moved on) halts where it is. Kernel 0 takes the data
; back from a CPU that missed its window before it writes it for the next one (smp.c).

TRAMP_ADDR      equ 0x8000
TRAMP_TAKEN     equ 0xFFFFFFFE              ; = smp.c's: claimed by the CPU it was meant for
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
	; No stack: until it holds the data, this CPU may share the page with another one.
	; Debug (smp_late_ap= on the command line): spin tr_delay TSC cycles first, as a CPU
	; that starts late would. tr_delay is 0 for every other start.
	mov ecx, [tr_delay - trampoline_start]
	mov ebp, [tr_delay - trampoline_start + 4]
	rdtsc
	mov esi, eax
	mov edi, edx
.late:
	pause
	rdtsc
	sub eax, esi
	sbb edx, edi                    ; cycles since entry
	sub eax, ecx
	sbb edx, ebp                    ; borrow while fewer than tr_delay
	jc .late
	; esi = this CPU's APIC id: the x2APIC id (CPUID leaf 0Bh, EDX) where that leaf exists,
	; else the initial APIC id (leaf 1, EBX[31:24]). SDM 2A, CPUID.
	xor eax, eax
	cpuid
	cmp eax, 0x0B
	jb .initial_id
	mov eax, 0x0B
	xor ecx, ecx
	cpuid
	mov esi, edx
	test ebx, ebx                   ; EBX = 0: leaf 0Bh not supported
	jnz .claim
.initial_id:
	mov eax, 1
	cpuid
	mov esi, ebx
	shr esi, 24
.claim:
	mov eax, esi
	mov ecx, TRAMP_TAKEN
	lock cmpxchg [tr_apic_id - trampoline_start], ecx
	jne .park
	o32 lgdt [tr_gdt_ptr - trampoline_start]
	mov eax, cr0
	or eax, 1                       ; PE
	mov cr0, eax
	jmp dword 0x08:ABS(pm32)

; Not the CPU this data was written for: stay halted (an NMI or SMI returns to the hlt).
.park:
	cli
	hlt
	jmp .park

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
tr_apic_id:     dd 0                    ; the CPU it is for; TRAMP_TAKEN once that CPU has it
                dd 0
tr_delay:       dq 0                    ; debug: TSC cycles to wait before the claim
trampoline_end:
