/* What the library keeps when it is loaded, before the program can change it. */
#define _GNU_SOURCE
#include "../common/env_at_load.h"

__attribute__((constructor)) static void keep_environment(void)
{
	env_at_load_keep();
}
