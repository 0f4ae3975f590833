/* A statically linked program: the launcher must refuse it, since no preload can reach it. */
#include <stdio.h>

int main(void)
{
	puts("static hello");
	return 0;
}
