# URPC on the host: the ring stress test and the packet pool's test under ThreadSanitizer
# (urpc-test) and the host benchmark (bench-urpc-host). Included by the top Makefile; runs alone too:
#   make -f tests/urpc/urpc.mk urpc-test

BUILD  ?= build
HOSTCC ?= cc

URPC_SRCS   := kernel/urpc/urpc.c lib/string.c
URPC_CFLAGS := -std=gnu11 -g -Wall -Wextra -Werror -DLIB_HOST_TEST -I. -pthread -MMD -MP
URPC_TSAN_OBJS  := $(addprefix $(BUILD)/urpc/tsan/,$(URPC_SRCS:.c=.o) tests/urpc/stress.o)
POOL_TSAN_OBJS  := $(addprefix $(BUILD)/urpc/tsan/,kernel/urpc/pool.o kernel/urpc/urpc.o \
		     lib/string.o tests/urpc/pool.o)
URPC_BENCH_OBJS := $(addprefix $(BUILD)/urpc/bench/,$(URPC_SRCS:.c=.o) tools/bench/urpc_bench.o)

.PHONY: urpc-test bench-urpc-host

$(BUILD)/urpc/tsan/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(URPC_CFLAGS) -O1 -fsanitize=thread -c $< -o $@

$(BUILD)/urpc/bench/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(URPC_CFLAGS) -O2 -c $< -o $@

$(BUILD)/urpc/stress: $(URPC_TSAN_OBJS)
	$(HOSTCC) $(URPC_CFLAGS) -fsanitize=thread -o $@ $^

$(BUILD)/urpc/pool: $(POOL_TSAN_OBJS)
	$(HOSTCC) $(URPC_CFLAGS) -fsanitize=thread -o $@ $^

$(BUILD)/urpc/urpc-bench: $(URPC_BENCH_OBJS)
	$(HOSTCC) $(URPC_CFLAGS) -o $@ $^

# A lost message leaves a thread of the stress waiting for ever: the limit turns that into a
# failure naming the last check it passed.
urpc-test: $(BUILD)/urpc/stress $(BUILD)/urpc/pool
	@tests/lib/limit.sh urpc.time_limit 900 $(BUILD)/urpc/stress
	@tests/lib/limit.sh urpc.pool_time_limit 300 $(BUILD)/urpc/pool

bench-urpc-host: $(BUILD)/urpc/urpc-bench
	@$(BUILD)/urpc/urpc-bench

-include $(URPC_TSAN_OBJS:.o=.d) $(POOL_TSAN_OBJS:.o=.d) $(URPC_BENCH_OBJS:.o=.d)
