// SPDX-License-Identifier: GPL-2.0
/* kubenfctl entry point; the CLI lives in kubenfctl.c to be unit-testable. */
#include "kubenfctl.h"

int main(int argc, char **argv)
{
	return kubenfctl_main(argc, argv);
}
