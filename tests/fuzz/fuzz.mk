# Coverage-guided fuzzing with libFuzzer (clang -fsanitize=fuzzer) under AddressSanitizer and
# UndefinedBehaviorSanitizer: one harness per reader of outside bytes (tests/fuzz/README.md).
#   make fuzz [FUZZ_SECONDS=60]   each target for FUZZ_SECONDS, from its saved corpus
#   make fuzz-test                the saved corpus replayed, then each target for
#                                 FUZZ_TEST_SECONDS (the "fuzz" suite of tests/run.sh)
# Included by the top Makefile; runs alone too: make -f tests/fuzz/fuzz.mk fuzz-test

BUILD      ?= build
FUZZ_CC    ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TEST_SECONDS ?= 4

FUZZ_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Wno-unused-function \
	       -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
	       -fno-omit-frame-pointer -DLIB_HOST_TEST -I. -MMD -MP
FUZZ_LDFLAGS := -fsanitize=fuzzer,address,undefined

FUZZ_TARGETS := eth tcp http elf cpio mb2 acpi urpc

FUZZ_LIB  := lib/string.c lib/format.c
FUZZ_NET  := net/eth.c net/arp.c net/ipv4.c net/ip_reass.c net/udp.c net/dhcp.c net/stats.c lib/siphash.c \
	     net/tcp_subr.c net/tcp_input.c net/tcp_reass.c net/tcp_syncookie.c net/tcp_output.c \
	     net/tcp_timer.c net/tcp_usrreq.c net/tcp_wheel.c lib/toeplitz.c
FUZZ_SRCS_eth  := tests/fuzz/fuzz_eth.c tests/fuzz/frame_check.c $(FUZZ_NET) $(FUZZ_LIB)
FUZZ_SRCS_tcp  := tests/fuzz/fuzz_tcp.c tests/fuzz/frame_check.c $(FUZZ_NET) $(FUZZ_LIB)
FUZZ_SRCS_http := tests/fuzz/fuzz_http.c user/httpd/http.c user/httpd/httpdate.c
FUZZ_SRCS_elf  := tests/fuzz/fuzz_elf.c kernel/elf.c $(FUZZ_LIB)
FUZZ_SRCS_cpio := tests/fuzz/fuzz_cpio.c kernel/initrd.c $(FUZZ_LIB)
FUZZ_SRCS_mb2  := tests/fuzz/fuzz_mb2.c kernel/mb2.c $(FUZZ_LIB)
FUZZ_SRCS_acpi := tests/fuzz/fuzz_acpi.c kernel/acpi.c $(FUZZ_LIB)
FUZZ_SRCS_urpc := tests/fuzz/fuzz_urpc.c tests/fuzz/kernel_stubs.c kernel/urpc/peer.c kernel/cost.c \
		  kernel/urpc/urpc.c kernel/urpc/shared.c kernel/urpc/pool.c kernel/netshare.c \
		  kernel/netsteer.c kernel/netmove.c kernel/netports.c net/move.c \
		  net/steer.c $(FUZZ_NET) $(FUZZ_LIB)

FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_OBJS := $(sort $(foreach t,$(FUZZ_TARGETS),$(FUZZ_SRCS_$(t):%.c=$(BUILD)/fuzz/obj/%.o)))

.PHONY: fuzz fuzz-test fuzz-build

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC(fuzz) $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

# The kernel files of fuzz_urpc see host_cpu.h in place of kernel/arch/x86_64/cpu.h:
# masking interrupts faults in user mode.
$(BUILD)/fuzz/obj/kernel/urpc/%.o $(BUILD)/fuzz/obj/kernel/netshare.o \
$(BUILD)/fuzz/obj/kernel/netsteer.o $(BUILD)/fuzz/obj/kernel/netmove.o \
$(BUILD)/fuzz/obj/kernel/netports.o $(BUILD)/fuzz/obj/tests/fuzz/kernel_stubs.o: \
	FUZZ_CFLAGS += -include tests/fuzz/host_cpu.h

define fuzz_link
$(BUILD)/fuzz/fuzz_$(1): $$(FUZZ_SRCS_$(1):%.c=$$(BUILD)/fuzz/obj/%.o)
	@echo "  LD(fuzz) $$@"
	@$$(FUZZ_CC) $$(FUZZ_LDFLAGS) -o $$@ $$^
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_link,$(t))))

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@tests/fuzz/run.sh --build $(BUILD) --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-test: fuzz-build
	@tests/fuzz/run.sh --build $(BUILD) --seconds $(FUZZ_TEST_SECONDS) $(FUZZ_TARGETS)

-include $(FUZZ_OBJS:.o=.d)
