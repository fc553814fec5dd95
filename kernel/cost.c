/* This kernel's count of the events that cost most under emulation (cost.h). */
#include "kernel/cost.h"

struct kcost kcost;
