/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Force-included into every file of the module. Only shims for the supported
 * kernel window live here, so that no feature file carries version checks.
 */
#ifndef _KUBENF_COMPAT_H
#define _KUBENF_COMPAT_H

#include <linux/version.h>

/* Debian 12's 6.1 line up to its 6.12 line; see BUILD_EXCLUSIVE_KERNEL. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0) || \
	LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#error "kubenf supports Linux 6.1 to 6.12"
#endif

#endif /* _KUBENF_COMPAT_H */
