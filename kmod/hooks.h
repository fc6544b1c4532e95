/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Netfilter hooks, registered per namespace and only while the namespace
 * holds rules: a namespace without Services or pods pays nothing.
 */
#ifndef _KUBENF_HOOKS_H
#define _KUBENF_HOOKS_H

struct kubenf_net;

/* Registers the hooks if they are not; caller holds kn->lock. */
int kubenf_hooks_enable(struct kubenf_net *kn);
/* Unregisters them once nothing needs them; caller holds kn->lock. */
void kubenf_hooks_sync(struct kubenf_net *kn);

#endif /* _KUBENF_HOOKS_H */
