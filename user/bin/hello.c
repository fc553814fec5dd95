/* Says which kernel it runs on: the boot table's smallest program. */
#include "user/lib/flotilla.h"

int main(int argc, char **argv)
{
	struct sys_kernel_info ki;
	if (kernel_info(&ki)) {
		printf("hello: kernel_info: %s\n", strerror(errno));
		return 1;
	}
	char words[256] = "";
	size_t at = 0;
	for (int i = 1; i < argc && at + 2 < sizeof(words); i++)
		at += (size_t)snprintf(words + at, sizeof(words) - at, "%s%s", i > 1 ? " " : ", ", argv[i]);
	printf("hello from kernel %u of %u, pid %d%s\n", ki.core, ki.ncores, getpid(), words);
	return 0;
}
