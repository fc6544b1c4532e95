/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KUBENF_NETLINK_H
#define _KUBENF_NETLINK_H

int kubenf_genl_init(void);
void kubenf_genl_uninit(void);

#endif /* _KUBENF_NETLINK_H */
