# Flotilla: build the kernel and its ISO, boot it, test it. `make help` lists the targets.

BUILD    ?= build
CROSS    ?=
CC       := $(CROSS)gcc
LD       := $(CROSS)ld
NM       := $(CROSS)nm
NASM     ?= nasm
HOSTCC   ?= cc
PYTHON   ?= python3
KDEBUG   ?= 1
FIRMWARE ?= bios
CPUS     ?= 4
MEM      ?= 512M
HTTP_PORT ?= 8080
NIC      ?= e1000
# The network-boot tree's command line (make pxe): the kernel's DHCP client takes over.
PXE_CMDLINE ?= loglevel=info ip=dhcp
# url= is only printed: QEMU's user network forwards it to the guest's port 80.
CMDLINE  ?= loglevel=info ip=dhcp url=http://127.0.0.1:$(HTTP_PORT)/

VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

# Kernel code is freestanding, has no SSE/x87 state to save, and keeps frame pointers for
# backtraces. -fno-tree-loop-distribute-patterns stops GCC turning lib's memset loop into a
# call to memset.
KCFLAGS  := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	    -ffreestanding -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone \
	    -mgeneral-regs-only -mno-sse -mno-mmx -mno-80387 \
	    -fno-stack-protector -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer \
	    -fno-asynchronous-unwind-tables -fno-strict-aliasing \
	    -fno-tree-loop-distribute-patterns \
	    -I. -MMD -MP -DFLOTILLA_VERSION='"$(VERSION)"'
ifeq ($(KDEBUG),1)
KCFLAGS  += -DKDEBUG
endif
NASMFLAGS := -f elf64 -g -F dwarf
KLDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments -T linker.ld

KERNEL_C := \
	kernel/main.c kernel/console.c kernel/fbcon.c kernel/fbscreen.c kernel/font.c kernel/panic.c kernel/kcatch.c kernel/ksyms.c \
	kernel/ktest.c kernel/mb2.c kernel/time.c kernel/tests/crashtest.c \
	kernel/acpi.c kernel/platform.c kernel/elf.c kernel/urpc/urpc.c kernel/urpc/shared.c kernel/urpc/peer.c \
	kernel/urpc/pool.c kernel/smp.c kernel/tests/smptest.c kernel/initrd.c kernel/sched.c kernel/proc.c \
	kernel/syscall.c kernel/uaccess.c kernel/init.c kernel/rcall.c \
	kernel/mm/pmm.c kernel/mm/vmm.c kernel/mm/kstack.c kernel/mm/heap.c \
	kernel/arch/x86_64/serial.c kernel/arch/x86_64/gdt.c kernel/arch/x86_64/idt.c \
	kernel/arch/x86_64/trap.c kernel/arch/x86_64/lapic.c kernel/arch/x86_64/ioapic.c kernel/arch/x86_64/pit.c \
	kernel/arch/x86_64/cpufeat.c \
	kernel/tests/ktest_boot.c kernel/tests/ktest_faults.c kernel/tests/ktest_mm.c \
	kernel/tests/ktest_time.c kernel/tests/ktest_smp.c kernel/tests/ktest_user.c \
	kernel/tests/ktest_nic.c kernel/tests/ktest_nicq.c kernel/tests/ktest_pci.c \
	kernel/tests/ktest_swsteer.c kernel/tests/ktest_netmove.c kernel/tests/ktest_load.c \
	drivers/pci/pci.c drivers/nic.c drivers/nic_ring.c \
	drivers/nic/adv.c drivers/nic/adv_queue.c drivers/nic/adv_ops.c \
	drivers/e1000/e1000.c drivers/igb/igb.c drivers/ixgbe/ixgbe.c drivers/ixgbe/ixgbe_fdir.c \
	kernel/netdev.c kernel/netirq.c kernel/nicq.c kernel/netshare.c kernel/netports.c kernel/netsteer.c \
	kernel/nicplan.c kernel/swsteer.c kernel/netmove.c kernel/netload.c kernel/prof.c kernel/cost.c \
	net/eth.c net/arp.c net/ipv4.c net/ip_reass.c net/udp.c net/dhcp.c net/stats.c net/steer.c net/move.c \
	net/tcp_subr.c net/tcp_input.c net/tcp_reass.c net/tcp_syncookie.c net/tcp_output.c \
	net/tcp_timer.c net/tcp_usrreq.c net/tcp_wheel.c \
	net/socket.c net/sockio.c net/sockshare.c net/poll.c \
	lib/string.c lib/format.c lib/bitmap.c lib/cmdline.c lib/siphash.c lib/toeplitz.c lib/sort.c
KERNEL_ASM := boot/boot.asm kernel/arch/x86_64/isr.asm kernel/arch/x86_64/setjmp.asm \
	kernel/arch/x86_64/trampoline.asm kernel/arch/x86_64/switch.asm \
	kernel/arch/x86_64/syscall_entry.asm

KOBJS := $(KERNEL_C:%.c=$(BUILD)/k/%.o) $(KERNEL_ASM:%.asm=$(BUILD)/k/%.o)
KERNEL := $(BUILD)/kernel.elf
INITRD := $(BUILD)/initrd.cpio
ISO    := $(BUILD)/flotilla.iso

# User programs: ordinary C against user/lib, which shares lib/ with the kernel. User code
# may use SSE; the kernel saves it per thread.
UCFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-pic -fno-pie \
	   -fno-stack-protector -fno-tree-loop-distribute-patterns -fno-omit-frame-pointer \
	   -I. -MMD -MP
ULIB_OBJS := $(addprefix $(BUILD)/u/,user/lib/syscalls.o user/lib/stdio.o user/lib/malloc.o \
	     lib/string.o lib/format.o net/stats.o user/lib/crt0.o)
USER_BINS := $(BUILD)/initrd/bin/hello $(BUILD)/initrd/bin/sh $(BUILD)/initrd/bin/usertests \
	     $(BUILD)/initrd/bin/utest-child $(BUILD)/initrd/bin/httpd $(BUILD)/initrd/bin/echod \
	     $(BUILD)/initrd/bin/steer $(BUILD)/initrd/bin/udpcheck $(BUILD)/initrd/bin/spin \
	     $(BUILD)/initrd/bin/monitor
WWW_FILES := $(patsubst user/initrd/%,$(BUILD)/initrd/%,$(wildcard user/initrd/www/*))
INITRD_FILES := $(USER_BINS) $(BUILD)/initrd/etc/init.conf $(BUILD)/initrd/etc/net.conf \
	$(BUILD)/initrd/etc/net-per-kernel.conf $(BUILD)/initrd/etc/net-workers.conf \
	$(BUILD)/initrd/etc/net-monitor.conf $(BUILD)/initrd/etc/net-monitor-off.conf \
	$(BUILD)/initrd/etc/net-monitor-defaults.conf \
	$(BUILD)/initrd/etc/net-conns.conf $(BUILD)/initrd/etc/net-soak.conf $(WWW_FILES)

.PHONY: FORCE
FORCE:

.PHONY: all kernel images iso pxe run-pxe run debug bochs test host-test kernel-test setup clean help bench bench-urpc bench-http bench-compare bench-conns bench-cost bench-hog soak bench-boot
.DEFAULT_GOAL := all

all: $(ISO)
kernel: $(KERNEL)
images: $(KERNEL) $(INITRD)
iso: $(ISO)

setup:
	@tools/setup.sh

$(BUILD)/k/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/k/%.o: %.asm Makefile
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	@$(NASM) $(NASMFLAGS) -MD $(@:.o=.d) -MP $< -o $@

# The symbol table is linked in on a second pass. linker.ld puts it after everything else,
# so it cannot move any symbol; the check after the second link proves that.
$(BUILD)/ksyms-empty.asm: tools/gensyms.py
	@mkdir -p $(BUILD)
	$(PYTHON) tools/gensyms.py --empty $@

$(BUILD)/%.o: $(BUILD)/%.asm
	$(NASM) $(NASMFLAGS) $< -o $@

$(BUILD)/kernel.pass1.elf: $(KOBJS) $(BUILD)/ksyms-empty.o linker.ld
	$(LD) $(KLDFLAGS) -o $@ $(KOBJS) $(BUILD)/ksyms-empty.o

$(BUILD)/ksyms.asm: $(BUILD)/kernel.pass1.elf tools/gensyms.py
	$(NM) -S --defined-only $< > $(BUILD)/ksyms.nm
	$(PYTHON) tools/gensyms.py $(BUILD)/ksyms.nm $@

$(KERNEL): $(KOBJS) $(BUILD)/ksyms.o linker.ld
	$(LD) $(KLDFLAGS) -Map=$(BUILD)/kernel.map -o $@ $(KOBJS) $(BUILD)/ksyms.o
	@$(NM) $(BUILD)/kernel.pass1.elf | grep -i ' t ' > $(BUILD)/syms.pass1
	@$(NM) $@ | grep -i ' t ' > $(BUILD)/syms.pass2
	@cmp -s $(BUILD)/syms.pass1 $(BUILD)/syms.pass2 || \
		{ echo "ksyms: symbol addresses moved between link passes" >&2; rm -f $@; exit 1; }

$(BUILD)/u/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	@echo "  CC(u)   $<"
	@$(CC) $(UCFLAGS) -c $< -o $@

$(BUILD)/u/%.o: %.asm Makefile
	@mkdir -p $(dir $@)
	@$(NASM) $(NASMFLAGS) $< -o $@

$(BUILD)/initrd/bin/hello: $(BUILD)/u/user/bin/hello.o $(ULIB_OBJS) user/user.ld
$(BUILD)/initrd/bin/sh: $(BUILD)/u/user/bin/sh.o $(ULIB_OBJS) user/user.ld
$(BUILD)/initrd/bin/usertests: $(BUILD)/u/user/tests/usertests.o $(ULIB_OBJS) user/user.ld
$(BUILD)/initrd/bin/utest-child: $(BUILD)/u/user/tests/child.o $(BUILD)/u/user/tests/sysfuzz.o \
				  $(ULIB_OBJS) user/user.ld
$(BUILD)/initrd/bin/echod: $(BUILD)/u/user/bin/echod.o $(ULIB_OBJS) user/user.ld
$(BUILD)/initrd/bin/steer: $(BUILD)/u/user/bin/steer.o $(ULIB_OBJS) user/user.ld
$(BUILD)/initrd/bin/udpcheck: $(BUILD)/u/user/bin/udpcheck.o $(ULIB_OBJS) user/user.ld
$(BUILD)/initrd/bin/spin: $(BUILD)/u/user/bin/spin.o $(ULIB_OBJS) user/user.ld
# The monitor links the balancer's policy itself (net/balance.c), as tools/lbsim does.
MONITOR_OBJS := $(addprefix $(BUILD)/u/,user/monitor/main.o user/monitor/inputs.o \
		user/monitor/show.o net/balance.o lib/sort.o)
$(BUILD)/initrd/bin/monitor: $(MONITOR_OBJS) $(ULIB_OBJS) user/user.ld
$(USER_BINS):
	@mkdir -p $(dir $@)
	@echo "  LD(u)   $@"
	@$(LD) -nostdlib -static -z noexecstack -T user/user.ld -o $@ $(filter %.o,$^)

$(BUILD)/initrd/etc/%: user/initrd/etc/%
	@mkdir -p $(dir $@)
	cp $< $@

# ---- httpd (user/httpd): built for Flotilla into the initrd, and for the host with glibc
# under ASan and UBSan for tests/httpd/run.sh. Only port.h tells the two apart. ----
HTTPD_SRCS := user/httpd/main.c user/httpd/server.c user/httpd/conn.c user/httpd/respond.c \
	      user/httpd/status.c user/httpd/sysinfo.c user/httpd/http.c user/httpd/httpdate.c \
	      user/httpd/status_page.c user/httpd/balance.c user/httpd/filecache.c
HTTPD_UOBJS := $(HTTPD_SRCS:%.c=$(BUILD)/u/%.o)
HTTPD_HOST := $(BUILD)/host/httpd
HTTPD_HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
		     -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
		     -D_GNU_SOURCE -I.

$(HTTPD_UOBJS): UCFLAGS += -D__flotilla__
# ... with the balancer's reason names (net/balance.c) for /status's "moves".
$(BUILD)/initrd/bin/httpd: $(HTTPD_UOBJS) $(BUILD)/u/net/balance.o $(BUILD)/u/lib/sort.o \
	$(ULIB_OBJS) user/user.ld

$(BUILD)/initrd/www/%: user/initrd/www/%
	@mkdir -p $(dir $@)
	cp $< $@

$(HTTPD_HOST): $(HTTPD_SRCS) $(wildcard user/httpd/*.h) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC(host) $@"
	@$(HOSTCC) $(HTTPD_HOST_CFLAGS) -o $@ $(HTTPD_SRCS)

.PHONY: httpd-test
httpd-test: $(HTTPD_HOST)
	@tests/httpd/run.sh --httpd $(HTTPD_HOST)

-include $(HTTPD_UOBJS:.o=.d)
# ---- end of httpd ----

# The initrd: a cpio newc archive of build/initrd/, in a stable order.
$(INITRD): $(INITRD_FILES)
	cd $(BUILD)/initrd && find . | LC_ALL=C sort | cpio -o -H newc --quiet > $(abspath $@).tmp
	mv $@.tmp $@

# The command line the ISO was made with: rewritten only when it changes, so that
# `make run CMDLINE=...` remakes the ISO, and an unchanged one does not.
$(BUILD)/cmdline: FORCE
	@mkdir -p $(dir $@)
	@echo '$(CMDLINE)' | cmp -s - $@ || echo '$(CMDLINE)' > $@

$(ISO): $(KERNEL) $(INITRD) boot/grub.cfg.in tools/mkiso.sh Makefile $(BUILD)/cmdline
	tools/mkiso.sh $(KERNEL) $@ "$(CMDLINE)"

# The network-boot tree (tools/mkpxe.sh, docs/HARDWARE.md), and QEMU booting off it (root).
pxe: setup
	@$(MAKE) --no-print-directory images
	tools/mkpxe.sh $(KERNEL) $(INITRD) $(BUILD)/pxe "$(PXE_CMDLINE)"

run-pxe: pxe
	tools/run-pxe.sh --firmware $(FIRMWARE) --cpus $(CPUS) --mem $(MEM) $(BUILD)/pxe

run: setup
	@$(MAKE) --no-print-directory $(ISO)
	@# 33 is the kernel's "success" exit (the shell's shutdown), not a failure of make.
	tools/qemu.sh --firmware $(FIRMWARE) --cpus $(CPUS) --mem $(MEM) --nic-user --nic-model $(NIC) --http-port $(HTTP_PORT) $(ISO) || [ $$? -eq 33 ]

debug: setup
	@$(MAKE) --no-print-directory $(ISO)
	tools/debug.sh $(ISO) $(KERNEL) $(FIRMWARE)

bochs: setup
	@$(MAKE) --no-print-directory $(ISO)
	tools/bochs.sh $(ISO)

# lbsim: the load balancer's simulator, a host program around net/balance.c (docs/BALANCER.md).
LBSIM := $(BUILD)/lbsim
LBSIM_SRCS := tools/lbsim/main.c tools/lbsim/sim.c tools/lbsim/serve.c tools/lbsim/workload.c \
	      tools/lbsim/policy.c net/balance.c lib/sort.c lib/string.c lib/toeplitz.c
.PHONY: lbsim lbsim-report
lbsim: $(LBSIM)
$(LBSIM): $(LBSIM_SRCS) $(wildcard tools/lbsim/*.h) net/balance.h Makefile
	@mkdir -p $(dir $@)
	@echo "  CC(host) $@"
	@$(HOSTCC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -DLIB_HOST_TEST -I. -o $@ $(LBSIM_SRCS) -lm
# Every scenario of docs/BALANCER.md, its table and plots rewritten (Debian's matplotlib);
# LBSIM_JOBS runs that many at a time.
LBSIM_JOBS ?= 1
lbsim-report: $(LBSIM)
	@tools/setup.sh
	/usr/bin/python3 tools/lbsim/report.py --lbsim $(LBSIM) --jobs $(LBSIM_JOBS)

include tests/host/host.mk
include tests/urpc/urpc.mk
include tests/fuzz/fuzz.mk

# Every suite; one closing line "N passed, N failed, N skipped" (tests/run.sh).
test: setup
	@$(MAKE) --no-print-directory images
	@tests/run.sh

kernel-test: setup
	@$(MAKE) --no-print-directory images
	@tests/kernel/run.sh

# Benchmarks report figures; they assert nothing about speed (docs/BENCHMARKS.md).
bench: bench-urpc bench-compare bench-cost bench-hog

# Flotilla against a Linux guest on the same QEMU machine (root): docs/BENCHMARKS.md. One
# guest CPU unless CPUS is given on make's command line (run's default of 4 is not meant).
bench-compare: setup
	@$(MAKE) --no-print-directory images
	@CPUS=$(if $(filter command line,$(origin CPUS)),$(CPUS),1) NIC=$(NIC) tools/bench/compare.sh

# httpd under wrk in the test namespace (root): docs/BENCHMARKS.md has the table.
bench-http: setup
	@$(MAKE) --no-print-directory images
	@tools/bench/http_bench.sh

# 100 then 100,000 idle keep-alive connections held across 4 kernels, and new connections/s
# with each (root): docs/BENCHMARKS.md. CONNS, HOLDERS, CPUS, MEM as tools/bench/conns_bench.sh says.
bench-conns: setup
	@$(MAKE) --no-print-directory images
	@tools/bench/conns_bench.sh

# What a request costs one kernel at 1 vCPU, counted by the kernel (kernel/cost.h): register
# accesses, interrupts, system calls, frames, the device model's time (root).
bench-cost: setup
	@$(MAKE) --no-print-directory images
	@tools/bench/cost.sh

# The load balancer against a CPU hog on kernel 1 under wrk, balancer on and off in one run
# (root): docs/BENCHMARKS.md. ROUNDS, DURATION, KA_DURATION, EARLY as tools/bench/hog_bench.sh says.
bench-hog: setup
	@$(MAKE) --no-print-directory images
	@tools/bench/hog_bench.sh

# A million new connections through httpd on 4 kernels, then every kernel's connections,
# sockets, heap, free memory and pool buffers as before them (root; not in make test: about
# 15 minutes). TOTAL, CPUS, MEM, WRK_CONNS as tools/bench/soak.sh says; docs/BENCHMARKS.md.
soak: setup
	@$(MAKE) --no-print-directory images
	@tools/bench/soak.sh

# Boot to the first HTTP 200 through GRUB, and the time of each stage (root):
# docs/BENCHMARKS.md. RUNS, CPUS, NICS, NET as tools/bench/boot_bench.sh says.
bench-boot: setup
	@$(MAKE) --no-print-directory images
	@$(if $(filter command line,$(origin CPUS)),CPUS="$(CPUS)") \
		$(if $(filter command line,$(origin NIC)),NICS="$(NIC)") tools/bench/boot_bench.sh

bench-urpc: setup
	@$(MAKE) --no-print-directory images bench-urpc-host
	@echo
	@tools/bench/urpc_qemu.sh

clean:
	rm -rf $(BUILD)

help:
	@echo "make run [FIRMWARE=bios|uefi] [CPUS=N]  boot in QEMU, serial console here (Ctrl-a x quits)"
	@echo "         [NIC=e1000|igb]                 the NIC on QEMU's user network (default e1000)"
	@echo "make pxe                                 network-boot tree in build/pxe (GRUB BIOS+UEFI, dnsmasq.conf)"
	@echo "make run-pxe [FIRMWARE=bios|uefi]        QEMU booting off that tree by PXE (root)"
	@echo "make test                                every test suite, ending in 'N passed, N failed, N skipped'"
	@echo "make debug [FIRMWARE=...]                QEMU halted with gdb attached (tools/gdbinit)"
	@echo "make bochs                               boot the ISO in Bochs"
	@echo "make host-test | urpc-test | kernel-test one suite"
	@echo "make fuzz [FUZZ_SECONDS=60]              each fuzz harness for that long (tests/fuzz/)"
	@echo "make bench [CPUS=N] [NIC=e1000|igb]      URPC benchmarks, Flotilla against Linux under wrk, bench-cost, bench-hog (root)"
	@echo "make bench-http                          httpd under wrk from the test namespace (root)"
	@echo "make lbsim                               the load balancer's simulator, build/lbsim (--help)"
	@echo "make lbsim-report [LBSIM_JOBS=N]         every lbsim scenario into docs/BALANCER.md"
	@echo "make bench-conns [CONNS=100000]          100,000 idle connections held, new ones/s (root)"
	@echo "make bench-cost                          what a request costs one kernel, counted (root)"
	@echo "make bench-hog [ROUNDS=2]                the balancer on and off against a CPU hog under wrk (root)"
	@echo "make soak [TOTAL=1000000]                a million connections, then every kernel as before (root)"
	@echo "make bench-boot [CPUS=\"1 4\"] [NIC=igb]   boot to the first HTTP 200 through GRUB, by stage (root)"
	@echo "make kernel | iso | clean                build pieces"

-include $(KOBJS:.o=.d) $(ULIB_OBJS:.o=.d) $(BUILD)/u/user/bin/hello.d $(BUILD)/u/user/bin/sh.d $(BUILD)/u/user/tests/usertests.d $(BUILD)/u/user/tests/child.d $(BUILD)/u/user/bin/echod.d $(BUILD)/u/user/bin/steer.d $(BUILD)/u/user/bin/udpcheck.d
