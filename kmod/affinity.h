/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sessionAffinity: ClientIP. Remembers, per service and client address, the
 * backend its last new connection went to, for the service's timeout after
 * that connection, as kube-proxy's "recent" match does.
 */
#ifndef _KUBENF_AFFINITY_H
#define _KUBENF_AFFINITY_H

#include <linux/netfilter.h>
#include <linux/types.h>

struct kubenf_net;
struct kubenf_fe;
struct kubenf_be;

#define KUBENF_MAX_AFFINITY	BIT(20)	/* entries per namespace */

int kubenf_affinity_init(struct kubenf_net *kn);
void kubenf_affinity_destroy(struct kubenf_net *kn);

/*
 * Packet path, under RCU: the backend for a new connection of @client to
 * @fe's service, sticking to the remembered one while it is a candidate.
 */
struct kubenf_be *kubenf_affinity_pick(struct kubenf_net *kn,
				       const struct kubenf_fe *fe,
				       const union nf_inet_addr *client,
				       bool external);

#endif /* _KUBENF_AFFINITY_H */
