# Host unit tests of lib/ (and of kernel code that is pure enough to run on the host), built
# with the host compiler under AddressSanitizer and UndefinedBehaviorSanitizer.
# Included by the top Makefile; also runs alone: make -f tests/host/host.mk host-test

BUILD  ?= build
HOSTCC ?= cc

# -fno-tree-loop-distribute-patterns, as in the kernel: lib's own loops must not become calls
# to the C library's memset/memcpy, or the tests would check glibc instead of lib/.
HOST_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
	       -fno-sanitize-recover=all -fno-omit-frame-pointer -fno-tree-loop-distribute-patterns \
	       -DLIB_HOST_TEST -I. -MMD -MP
HOST_LIB_SRCS  := lib/string.c lib/format.c lib/bitmap.c lib/cmdline.c kernel/mb2.c kernel/acpi.c kernel/initrd.c kernel/elf.c \
		  net/eth.c net/arp.c net/ipv4.c net/ip_reass.c net/udp.c net/dhcp.c net/stats.c lib/siphash.c \
		  net/tcp_subr.c net/tcp_input.c net/tcp_reass.c net/tcp_syncookie.c net/tcp_output.c \
		  net/tcp_timer.c net/tcp_usrreq.c net/tcp_wheel.c net/steer.c net/move.c net/balance.c kernel/nicplan.c \
		  lib/toeplitz.c lib/sort.c kernel/fbcon.c kernel/font.c
HOST_TEST_SRCS := tests/host/main.c tests/host/test_string.c tests/host/test_format.c \
		  tests/host/test_bitmap.c tests/host/test_list.c tests/host/test_ring.c \
		  tests/host/test_cmdline.c tests/host/test_mb2.c tests/host/test_acpi.c \
		  tests/host/test_initrd.c tests/host/test_elf.c tests/host/test_net.c tests/host/test_ip.c tests/host/net_harness.c tests/host/test_tcp.c \
		  tests/host/test_tcp_send.c tests/host/test_tcp_wire.c tests/host/tcp_harness.c \
		  tests/host/test_tcp_wheel.c tests/host/test_tcp_conns.c tests/host/test_tcp_musts.c \
		  tests/host/test_toeplitz.c tests/host/test_sort.c tests/host/test_steer.c tests/host/test_move.c tests/host/test_balance.c tests/host/test_tcp_stray.c \
		  tests/host/test_nicplan.c tests/host/test_fbcon.c
# httpd's request parser and dates (pure code, user/httpd/http.h).
HOST_LIB_SRCS  += user/httpd/http.c user/httpd/httpdate.c user/httpd/filecache.c
HOST_TEST_SRCS += tests/host/test_httpd.c tests/host/test_filecache.c
# The TCP stack's per-bucket counts, which the load balancer reads (kernel/netload.h).
HOST_TEST_SRCS += tests/host/test_tcp_buckets.c
# The ixgbe driver, unchanged, against a model of the 82599 (tests/ixgbe/: model and shim).
HOST_LIB_SRCS  += drivers/nic.c drivers/nic/adv.c drivers/nic/adv_queue.c drivers/nic/adv_ops.c \
		  drivers/ixgbe/ixgbe.c drivers/ixgbe/ixgbe_fdir.c tests/ixgbe/model.c tests/ixgbe/shim.c \
		  tests/ixgbe/frame.c
HOST_TEST_SRCS += tests/host/test_ixgbe.c tests/host/test_ixgbe_ctl.c
# The e1000's receive path over the same shim.
HOST_LIB_SRCS  += drivers/e1000/e1000.c
HOST_TEST_SRCS += tests/host/test_e1000_rx.c

# The kernel's own path on the 82599 (tests/host/test_ixgbe_kpath.c): kernel/nicq.c and
# kernel/netsteer.c's table writer over the real URPC, each kernel a process over one shared
# arena (tests/ixgbe/kernels.h). The kernel files see tests/fuzz/host_cpu.h in place of
# kernel/arch/x86_64/cpu.h: masking interrupts faults in user mode.
HOST_KPATH_SRCS := kernel/nicq.c kernel/netsteer.c kernel/netshare.c kernel/netmove.c \
		   kernel/netports.c kernel/urpc/peer.c kernel/urpc/urpc.c kernel/urpc/shared.c \
		   kernel/urpc/pool.c kernel/cost.c drivers/igb/igb.c tests/ixgbe/kernels.c \
		   tests/ixgbe/kernel_env.c
HOST_LIB_SRCS  += $(HOST_KPATH_SRCS)
HOST_TEST_SRCS += tests/host/test_ixgbe_kpath.c
$(HOST_KPATH_SRCS:%.c=$(BUILD)/host/%.o): HOST_CFLAGS += -include tests/fuzz/host_cpu.h
# lbsim, the load balancer's simulator (tools/lbsim/), around net/balance.c.
HOST_LIB_SRCS  += tools/lbsim/sim.c tools/lbsim/serve.c tools/lbsim/workload.c tools/lbsim/policy.c
HOST_TEST_SRCS += tests/host/test_lbsim.c
HOST_OBJS := $(addprefix $(BUILD)/host/,$(HOST_LIB_SRCS:.c=.o) $(HOST_TEST_SRCS:.c=.o))
HOST_TEST_BIN := $(BUILD)/host/test_lib

.PHONY: host-test

$(BUILD)/host/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -c $< -o $@

$(HOST_TEST_BIN): $(HOST_OBJS)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ $(HOST_OBJS) -lm

# Each test has its own limit (main.c); this one bounds the whole run.
host-test: $(HOST_TEST_BIN)
	@ASAN_OPTIONS=detect_leaks=1 tests/lib/limit.sh host.time_limit 900 $(HOST_TEST_BIN)

-include $(HOST_OBJS:.o=.d)
