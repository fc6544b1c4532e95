#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Rule-set generator of `make bench`.

For one size N it writes, under OUT/N/, what each mode loads, in the format
and with the tool that mode's real control plane uses:

  kubenf/   full.json (kubenfctl apply --replace), add-K.args and chg-K.args
            (kubenfctl svc set), mem6.json (6 backends per Service)
  ipt/      iptables-restore --noflush input: setup.rules (jumps from the
            built-in chains, what kube-proxy ensures with `iptables -I`),
            full.rules (first sync), add-K.rules / chg-K.rules (partial syncs
            of KEP-3453: the top-level chains are always rewritten whole,
            plus the chains of the changed Service), mem6.rules
  nft/      nft -f input: full.nft (first sync: table, base chains, sets,
            maps, one service chain per Service and one endpoint chain per
            endpoint), add-K.nft / chg-K.nft (the partial sync of a changed
            Service: its chains and map elements), mem6.nft
  ipvs/     setup.rules + setup.ipset (kube-proxy's iptables/ipset glue),
            full.ip (ip -batch: Service IPs on the dummy kube-ipvs0),
            full.ipset (ipset restore), full.ipvs (ipvsadm -R); add-K.* and
            chg-K.* the per-object commands of one change; mem6.*

The mem6.* files (6 backends per Service, for the per-backend memory split)
are written for the --mem-size size only.

With --policy P:Q,..., it also writes, under OUT/pol-P-Q/, Kubernetes
objects for kubenf-agent --from-file (NetworkPolicy is kubenf's alone: no
kube-proxy mode enforces it, so there is nothing to compare it with):

  nopol/objects.json  Namespaces, P pods, the Service "bench/server" (cluster
                      IP 10.96.0.1:80) and its EndpointSlice
  pol/                the same objects plus policies.json: Q NetworkPolicies
  add-K.json          one more NetworkPolicy (the K-th added)

Every pod is on this node ("node-1"). The P pods are spread over P/100
namespaces (labels team=t0..t9) with app labels a0..a49, at addresses that
exist nowhere (10.128.0.0/10); the namespace "bench" holds the client pod
(10.0.1.2) and the server pods (10.0.2.2-4, app=server). Every policy is in
"bench" and selects all of its pods (the worst case for a connection's
verdict: the server pods are selected by all Q policies); policy j admits
TCP 8080 from pods app=a(j mod 50) in namespaces team=t(j mod 10); the last
one admits the client. With P:Q:S only the last S policies are in "bench"
(selecting the server pods); policy j < Q-S is in namespace ns-(j mod P/100)
and selects its pods app=a(j mod 50) (every pod there: a namespace's pods
share one app label), so every other pod is under about (Q-S)/(P/100)
policies. Written to OUT/pol-P-Q-sS/.

Services are numbered i = 0..N-1 in programming order (id i+1), cluster IP
10.96.0.0 + i + 1, TCP port 80. The Service in the middle (i = N/2), the last
one (i = N-1), the added ones (i = N..N+R-1) and the one whose endpoint is
changed (i = N/4) have real endpoints: the server pods 10.0.2.2-4, port 8080.
Every other endpoint is an address that exists nowhere (10.128.0.0/10).

Layouts follow upstream kube-proxy (pkg/proxy/iptables, pkg/proxy/nftables,
pkg/proxy/ipvs: chain and map structure, chain-name hashing, the
statistic/numgen random choice, the 0x4000 masquerade mark). They were
written from reading upstream, not copied from it.
"""

import argparse
import base64
import hashlib
import ipaddress
import json
import os
import sys

POD_CIDR = "10.0.0.0/8"          # kube-proxy's cluster CIDR (local detector)
SVC_CIDR = "10.96.0.0/12"
SVC_PORT = 80
EP_PORT = 8080
REAL = ["10.0.2.2", "10.0.2.3", "10.0.2.4"]   # the server pods
NS = "bench"
# Above this many endpoints kube-proxy's iptables mode drops the per-rule
# comments of service and endpoint chains ("large cluster mode").
LARGE_CLUSTER_ENDPOINTS = 1000


def vip(i):
    return str(ipaddress.IPv4Address("10.96.0.0") + i + 1)


def fake_ep(i, k):
    """Endpoint k of unmeasured Service i: an address nothing answers on."""
    return str(ipaddress.IPv4Address("10.128.0.0") + i * 8 + k + 1)


class Plan:
    """Which Services exist, with which endpoints, and what changes."""

    def __init__(self, n, repeats):
        self.n = n
        self.repeats = repeats
        self.mid = n // 2
        self.last = n - 1
        self.chg = n // 4
        self.real = {self.mid, self.last, self.chg}

    def endpoints(self, i, per_svc=2):
        if i in self.real or i >= self.n:
            return [(a, EP_PORT) for a in REAL[:2]][:per_svc] + \
                [(fake_ep(i, k), EP_PORT) for k in range(2, per_svc)]
        return [(fake_ep(i, k), EP_PORT) for k in range(per_svc)]

    def chg_endpoints(self, k):
        """Endpoints of the changed Service after change k (0-based): the
        second endpoint alternates between pods .4 and .3."""
        return [(REAL[0], EP_PORT), (REAL[2] if k % 2 == 0 else REAL[1], EP_PORT)]

    def chg_endpoints_before(self, k):
        return self.chg_endpoints(k - 1) if k else self.endpoints(self.chg)


def svc_name(i):
    return "%s/svc-%d" % (NS, i)


def port_name(i):
    return "%s:http" % svc_name(i)


def b32hash(s, n):
    return base64.b32encode(hashlib.sha256(s.encode()).digest()).decode()[:n]


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


# --------------------------------------------------------------------------
# kubenf

def kubenf_svc(i, eps):
    return {
        "id": i + 1,
        "name": "%s/http" % svc_name(i),
        "frontends": [{"kind": "cluster-ip", "protocol": "tcp",
                       "address": vip(i), "port": SVC_PORT}],
        "backends": [{"address": a, "port": p, "flags": ["ready", "serving"]}
                     for a, p in eps],
    }


def kubenf_args(i, eps):
    args = ["svc", "set", str(i + 1), "name", "%s/http" % svc_name(i),
            "fe", "cluster-ip", "tcp", "%s:%d" % (vip(i), SVC_PORT)]
    for a, p in eps:
        args += ["be", "%s:%d" % (a, p), "ready,serving"]
    return " ".join(args) + "\n"


def gen_kubenf(out, plan, per_svc_mem):
    d = os.path.join(out, "kubenf")
    doc = {"services": [kubenf_svc(i, plan.endpoints(i)) for i in range(plan.n)]}
    write(os.path.join(d, "full.json"), json.dumps(doc, separators=(",", ":")))
    if per_svc_mem:
        doc = {"services": [kubenf_svc(i, plan.endpoints(i, per_svc_mem))
                            for i in range(plan.n)]}
        write(os.path.join(d, "mem6.json"), json.dumps(doc, separators=(",", ":")))
    for k in range(plan.repeats):
        i = plan.n + k
        write(os.path.join(d, "add-%d.args" % k), kubenf_args(i, plan.endpoints(i)))
        write(os.path.join(d, "chg-%d.args" % k),
              kubenf_args(plan.chg, plan.chg_endpoints(k)))


# --------------------------------------------------------------------------
# kube-proxy, iptables mode

def ipt_svc_chain(i):
    return "KUBE-SVC-" + b32hash(port_name(i) + "tcp", 16)


def ipt_sep_chain(i, ep):
    return "KUBE-SEP-" + b32hash(port_name(i) + "tcp" + "%s:%d" % ep, 16)


# Chains kube-proxy declares (and so flushes) in every restore.
IPT_FILTER_TOP = ["KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-FORWARD",
                  "KUBE-NODEPORTS", "KUBE-PROXY-FIREWALL"]
IPT_NAT_TOP = ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING",
               "KUBE-MARK-MASQ"]

IPT_SETUP = """*filter
:KUBE-SERVICES - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS
-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
COMMIT
*nat
:KUBE-SERVICES - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-MARK-MASQ - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
COMMIT
"""


def ipt_filter_block():
    lines = ["*filter"] + [":%s - [0:0]" % c for c in IPT_FILTER_TOP]
    lines += [
        "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP",
        '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" '
        "-m mark --mark 0x4000/0x4000 -j ACCEPT",
        '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" '
        "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
        "COMMIT",
    ]
    return lines


def ipt_services_rules(ids):
    """The nat KUBE-SERVICES chain, in programming order (the real proxier
    walks a Go map: the order is random, so a Service's position is uniform
    over the chain; here the last-programmed Service is also the last rule:
    the worst case, and the middle one the average case)."""
    lines = []
    for i in ids:
        lines.append('-A KUBE-SERVICES -m comment --comment "%s cluster IP" '
                     "-m tcp -p tcp -d %s --dport %d -j %s"
                     % (port_name(i), vip(i), SVC_PORT, ipt_svc_chain(i)))
    lines.append('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; '
                 'NOTE: this must be the last rule in this chain" '
                 "-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS")
    return lines


IPT_NAT_FIXED = [
    "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN",
    "-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000",
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" '
    "-j MASQUERADE --random-fully",
    "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000",
]


def ipt_service_chains(i, eps, large):
    """Declarations and rules of one Service's KUBE-SVC and KUBE-SEP chains."""
    svc = ipt_svc_chain(i)
    decl = [":%s - [0:0]" % svc] + [":%s - [0:0]" % ipt_sep_chain(i, ep) for ep in eps]
    rules = ['-A %s -m comment --comment "%s cluster IP" -m tcp -p tcp -d %s '
             "--dport %d ! -s %s -j KUBE-MARK-MASQ"
             % (svc, port_name(i), vip(i), SVC_PORT, POD_CIDR)]
    n = len(eps)
    for k, ep in enumerate(eps):
        cmt = "" if large else '-m comment --comment "%s -> %s:%d" ' % (port_name(i), ep[0], ep[1])
        prob = ("-m statistic --mode random --probability %0.10f " % (1.0 / (n - k))
                if k < n - 1 else "")
        rules.append("-A %s %s%s-j %s" % (svc, cmt, prob, ipt_sep_chain(i, ep)))
    for ep in eps:
        sep = ipt_sep_chain(i, ep)
        cmt = "" if large else '-m comment --comment %s ' % port_name(i)
        rules.append("-A %s %s-s %s -j KUBE-MARK-MASQ" % (sep, cmt, ep[0]))
        rules.append("-A %s %s-m tcp -p tcp -j DNAT --to-destination %s:%d"
                     % (sep, cmt, ep[0], ep[1]))
    return decl, rules


def ipt_restore(ids, changed, eps_of, large, stale=()):
    """One kube-proxy restore: every top-level chain rewritten, the chains
    of the Services in @changed written, the @stale chains deleted."""
    out = ipt_filter_block()
    decl = ["*nat"] + [":%s - [0:0]" % c for c in IPT_NAT_TOP]
    rules = []
    for i in changed:
        d, r = ipt_service_chains(i, eps_of(i), large)
        decl += d
        rules += r
    decl += [":%s - [0:0]" % c for c in stale]
    out += decl
    out += ipt_services_rules(ids)
    out += IPT_NAT_FIXED
    out += rules
    out += ["-X %s" % c for c in stale]
    out.append("COMMIT")
    return "\n".join(out) + "\n"


def gen_ipt(out, plan, per_svc_mem):
    d = os.path.join(out, "ipt")
    n, r = plan.n, plan.repeats
    large = 2 * n > LARGE_CLUSTER_ENDPOINTS
    write(os.path.join(d, "setup.rules"), IPT_SETUP)
    write(os.path.join(d, "full.rules"),
          ipt_restore(range(n), range(n), plan.endpoints, large))
    if per_svc_mem:
        write(os.path.join(d, "mem6.rules"),
              ipt_restore(range(n), range(n), lambda i: plan.endpoints(i, per_svc_mem),
                          per_svc_mem * n > LARGE_CLUSTER_ENDPOINTS))
    for k in range(r):
        i = n + k
        write(os.path.join(d, "add-%d.rules" % k),
              ipt_restore(range(i + 1), [i], plan.endpoints, large))
    for k in range(r):
        new, old = plan.chg_endpoints(k), plan.chg_endpoints_before(k)
        stale = [ipt_sep_chain(plan.chg, ep) for ep in old if ep not in new]
        write(os.path.join(d, "chg-%d.rules" % k),
              ipt_restore(range(n + r), [plan.chg], lambda i: new, large, stale))


# --------------------------------------------------------------------------
# kube-proxy, nftables mode

def nft_base(i):
    return "%s-%s/tcp/http" % (b32hash(port_name(i) + "tcp", 8), svc_name(i))


def nft_svc_chain(i):
    return "service-" + nft_base(i)


def nft_ep_chain(i, ep):
    return "endpoint-%s-%s/tcp/http__%s/%d" % (
        b32hash(port_name(i) + "tcp" + "%s:%d" % ep, 8), svc_name(i), ep[0], ep[1])


NFT_BASE = """add table ip kube-proxy { comment "rules for kube-proxy" ; }
add set ip kube-proxy cluster-ips { type ipv4_addr ; comment "Active ClusterIPs" ; }
add set ip kube-proxy nodeport-ips { type ipv4_addr ; comment "IPs that accept NodePort traffic" ; }
add map ip kube-proxy firewall-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "destinations that are subject to LoadBalancerSourceRanges" ; }
add map ip kube-proxy no-endpoint-nodeports { type inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to service nodeports with no endpoints" ; }
add map ip kube-proxy no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to services with no endpoints" ; }
add map ip kube-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }
add map ip kube-proxy service-nodeports { type inet_proto . inet_service : verdict ; comment "NodePort traffic" ; }
add chain ip kube-proxy cluster-ips-check
add chain ip kube-proxy filter-prerouting-pre-dnat { type filter hook prerouting priority -110 ; }
add chain ip kube-proxy filter-output-pre-dnat { type filter hook output priority -110 ; }
add chain ip kube-proxy filter-forward { type filter hook forward priority 0 ; }
add chain ip kube-proxy filter-input { type filter hook input priority 0 ; }
add chain ip kube-proxy filter-output { type filter hook output priority 0 ; }
add chain ip kube-proxy firewall-check
add chain ip kube-proxy mark-for-masquerade
add chain ip kube-proxy masquerading
add chain ip kube-proxy nat-output { type nat hook output priority -100 ; }
add chain ip kube-proxy nat-postrouting { type nat hook postrouting priority 100 ; }
add chain ip kube-proxy nat-prerouting { type nat hook prerouting priority -100 ; }
add chain ip kube-proxy nodeport-endpoints-check
add chain ip kube-proxy reject-chain { comment "helper for @no-endpoint-services / @no-endpoint-nodeports" ; }
add chain ip kube-proxy services
add chain ip kube-proxy service-endpoints-check
add rule ip kube-proxy cluster-ips-check ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"
add rule ip kube-proxy cluster-ips-check ip daddr { %(svc_cidr)s } drop comment "Drop traffic to unallocated ClusterIPs"
add rule ip kube-proxy filter-prerouting-pre-dnat ct state new jump firewall-check
add rule ip kube-proxy filter-forward ct state new jump service-endpoints-check
add rule ip kube-proxy filter-forward ct state new jump cluster-ips-check
add rule ip kube-proxy filter-input ct state new jump nodeport-endpoints-check
add rule ip kube-proxy filter-input ct state new jump service-endpoints-check
add rule ip kube-proxy filter-output ct state new jump service-endpoints-check
add rule ip kube-proxy filter-output-pre-dnat ct state new jump firewall-check
add rule ip kube-proxy filter-output ct state new jump cluster-ips-check
add rule ip kube-proxy firewall-check ip daddr . meta l4proto . th dport vmap @firewall-ips
add rule ip kube-proxy mark-for-masquerade mark set mark or 0x4000
add rule ip kube-proxy masquerading mark and 0x4000 == 0 return
add rule ip kube-proxy masquerading mark set mark xor 0x4000
add rule ip kube-proxy masquerading masquerade fully-random
add rule ip kube-proxy nat-output jump services
add rule ip kube-proxy nat-postrouting jump masquerading
add rule ip kube-proxy nat-prerouting jump services
add rule ip kube-proxy nodeport-endpoints-check ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports
add rule ip kube-proxy reject-chain reject
add rule ip kube-proxy services ip daddr . meta l4proto . th dport vmap @service-ips
add rule ip kube-proxy services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports
add element ip kube-proxy nodeport-ips { 10.0.1.1 }
add rule ip kube-proxy service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services
""" % {"svc_cidr": SVC_CIDR}


def nft_service(i, eps, with_elements=True):
    """A Service's chains, rules and map elements, as a sync writes them:
    every chain written is added and flushed first."""
    T = "ip kube-proxy"
    sc = nft_svc_chain(i)
    lines = []
    for ep in eps:
        ec = nft_ep_chain(i, ep)
        lines += ["add chain %s %s" % (T, ec), "flush chain %s %s" % (T, ec),
                  "add rule %s %s ip saddr %s jump mark-for-masquerade" % (T, ec, ep[0]),
                  "add rule %s %s meta l4proto tcp dnat to %s:%d" % (T, ec, ep[0], ep[1])]
    vmap = " , ".join("%d : goto %s" % (k, nft_ep_chain(i, ep)) for k, ep in enumerate(eps))
    lines += ["add chain %s %s" % (T, sc), "flush chain %s %s" % (T, sc),
              "add rule %s %s ip daddr %s ip saddr != %s jump mark-for-masquerade"
              % (T, sc, vip(i), POD_CIDR),
              "add rule %s %s numgen random mod %d vmap { %s }" % (T, sc, len(eps), vmap)]
    if with_elements:
        lines += ["add element %s cluster-ips { %s }" % (T, vip(i)),
                  "add element %s service-ips { %s . tcp . %d : goto %s }"
                  % (T, vip(i), SVC_PORT, sc)]
    return lines


def gen_nft(out, plan, per_svc_mem):
    d = os.path.join(out, "nft")
    n, r = plan.n, plan.repeats
    for name, per in (("full", 2), ("mem6", per_svc_mem)):
        if not per:
            continue
        lines = [NFT_BASE.rstrip("\n")]
        for i in range(n):
            lines += nft_service(i, plan.endpoints(i, per))
        write(os.path.join(d, name + ".nft"), "\n".join(lines) + "\n")
    for k in range(r):
        i = n + k
        write(os.path.join(d, "add-%d.nft" % k),
              "\n".join(nft_service(i, plan.endpoints(i))) + "\n")
    for k in range(r):
        new, old = plan.chg_endpoints(k), plan.chg_endpoints_before(k)
        lines = nft_service(plan.chg, new, with_elements=False)
        # The endpoint chain that went away is flushed now (deleted by a
        # later sync, once no map element can still point to it).
        lines += ["flush chain ip kube-proxy %s" % nft_ep_chain(plan.chg, ep)
                  for ep in old if ep not in new]
        write(os.path.join(d, "chg-%d.nft" % k), "\n".join(lines) + "\n")


# --------------------------------------------------------------------------
# kube-proxy, IPVS mode

IPVS_SETS = [
    # name, type, comment (pkg/proxy/ipvs/ipset.go)
    ("KUBE-LOOP-BACK", "hash:ip,port,ip", "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose"),
    ("KUBE-CLUSTER-IP", "hash:ip,port", "Kubernetes service cluster ip + port for masquerade purpose"),
    ("KUBE-EXTERNAL-IP", "hash:ip,port", "Kubernetes service external ip + port for masquerade and filter purpose"),
    ("KUBE-EXTERNAL-IP-LOCAL", "hash:ip,port", "Kubernetes service external ip + port with externalTrafficPolicy=local"),
    ("KUBE-LOAD-BALANCER", "hash:ip,port", "Kubernetes service lb portal"),
    ("KUBE-LOAD-BALANCER-FW", "hash:ip,port", "Kubernetes service load balancer ip + port for load balancer with sourceRange"),
    ("KUBE-NODE-PORT-TCP", "bitmap:port range 0-65535", "Kubernetes nodeport TCP port for masquerade purpose"),
    ("KUBE-HEALTH-CHECK-NODE-PORT", "bitmap:port range 0-65535", "Kubernetes health check node port"),
    ("KUBE-IPVS-IPS", "hash:ip", "Kubernetes service IPs"),
]

IPVS_GLUE = """*filter
:KUBE-FORWARD - [0:0]
:KUBE-NODE-PORT - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-SOURCE-RANGES-FIREWALL - [0:0]
:KUBE-IPVS-FILTER - [0:0]
-A INPUT -m comment --comment "kubernetes ipvs access filter" -j KUBE-IPVS-FILTER
-A INPUT -m comment --comment "kube-proxy firewall rules" -j KUBE-PROXY-FIREWALL
-A INPUT -m comment --comment "kubernetes health check rules" -j KUBE-NODE-PORT
-A FORWARD -m comment --comment "kube-proxy firewall rules" -j KUBE-PROXY-FIREWALL
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
-A KUBE-SOURCE-RANGES-FIREWALL -j DROP
-A KUBE-PROXY-FIREWALL -m set --match-set KUBE-LOAD-BALANCER-FW dst,dst -j KUBE-SOURCE-RANGES-FIREWALL
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A KUBE-NODE-PORT -m comment --comment "Kubernetes health check node port" -m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j ACCEPT
-A KUBE-IPVS-FILTER -m set --match-set KUBE-LOAD-BALANCER dst,dst -j RETURN
-A KUBE-IPVS-FILTER -m set --match-set KUBE-CLUSTER-IP dst,dst -j RETURN
-A KUBE-IPVS-FILTER -m set --match-set KUBE-EXTERNAL-IP dst,dst -j RETURN
-A KUBE-IPVS-FILTER -m set --match-set KUBE-EXTERNAL-IP-LOCAL dst,dst -j RETURN
-A KUBE-IPVS-FILTER -m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j RETURN
-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT --reject-with icmp-port-unreachable
COMMIT
*nat
:KUBE-SERVICES - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-NODE-PORT - [0:0]
:KUBE-LOAD-BALANCER - [0:0]
:KUBE-MARK-MASQ - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A KUBE-POSTROUTING -m comment --comment "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
-A KUBE-SERVICES ! -s %(pod)s -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ
-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT
-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT
COMMIT
""" % {"pod": POD_CIDR}


def ipvs_objects(i, eps):
    """The kernel objects of one Service in IPVS mode, as (ip, ipset, ipvsadm)
    line lists."""
    v = "%s:%d" % (vip(i), SVC_PORT)
    ip = ["address add %s/32 dev kube-ipvs0" % vip(i)]
    ipset = ["add KUBE-CLUSTER-IP %s,tcp:%d" % (vip(i), SVC_PORT),
             "add KUBE-IPVS-IPS %s" % vip(i)]
    ipset += ["add KUBE-LOOP-BACK %s,tcp:%d,%s" % (a, p, a) for a, p in eps]
    ipvs = ["-A -t %s -s rr" % v]
    ipvs += ["-a -t %s -r %s:%d -m -w 1" % (v, a, p) for a, p in eps]
    return ip, ipset, ipvs


def gen_ipvs(out, plan, per_svc_mem):
    d = os.path.join(out, "ipvs")
    n, r = plan.n, plan.repeats
    write(os.path.join(d, "setup.rules"), IPVS_GLUE)
    sets = ["create %s %s" % (name, typ) for name, typ, _ in IPVS_SETS]
    write(os.path.join(d, "setup.ipset"), "\n".join(sets) + "\n")
    for name, per in (("full", 2), ("mem6", per_svc_mem)):
        if not per:
            continue
        ip, ipset, ipvs = [], [], []
        for i in range(n):
            a, b, c = ipvs_objects(i, plan.endpoints(i, per))
            ip += a
            ipset += b
            ipvs += c
        write(os.path.join(d, name + ".ip"), "\n".join(ip) + "\n")
        write(os.path.join(d, name + ".ipset"), "\n".join(ipset) + "\n")
        write(os.path.join(d, name + ".ipvs"), "\n".join(ipvs) + "\n")
    for k in range(r):
        i = n + k
        a, b, c = ipvs_objects(i, plan.endpoints(i))
        write(os.path.join(d, "add-%d.ip" % k), "\n".join(a) + "\n")
        write(os.path.join(d, "add-%d.ipset" % k), "\n".join(b) + "\n")
        write(os.path.join(d, "add-%d.ipvs" % k), "\n".join(c) + "\n")
    v = "%s:%d" % (vip(plan.chg), SVC_PORT)
    for k in range(r):
        new, old = plan.chg_endpoints(k), plan.chg_endpoints_before(k)
        gone = [ep for ep in old if ep not in new]
        added = [ep for ep in new if ep not in old]
        ipvs = ["-d -t %s -r %s:%d" % (v, a, p) for a, p in gone]
        ipvs += ["-a -t %s -r %s:%d -m -w 1" % (v, a, p) for a, p in added]
        ipset = ["del KUBE-LOOP-BACK %s,tcp:%d,%s" % (a, p, a) for a, p in gone]
        ipset += ["add KUBE-LOOP-BACK %s,tcp:%d,%s" % (a, p, a) for a, p in added]
        write(os.path.join(d, "chg-%d.ipvs" % k), "\n".join(ipvs) + "\n")
        write(os.path.join(d, "chg-%d.ipset" % k), "\n".join(ipset) + "\n")


# --------------------------------------------------------------------------
# NetworkPolicy (kubenf only)

POL_NODE = "node-1"
POL_SVC_VIP = "10.96.0.1"


def k8s_pod(ns, name, labels, ip, node=POL_NODE):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {"nodeName": node, "containers": [
                {"name": "c", "image": "bench",
                 "ports": [{"name": "http", "containerPort": EP_PORT, "protocol": "TCP"}]}]},
            "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]}}


def k8s_ns(name, labels):
    labels = dict(labels, **{"kubernetes.io/metadata.name": name})
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": labels}}


def k8s_policy(j, last, ns="bench", selector=None):
    if last:
        peer = {"podSelector": {"matchLabels": {"app": "client"}}}
    else:
        peer = {"namespaceSelector": {"matchLabels": {"team": "t%d" % (j % 10)}},
                "podSelector": {"matchLabels": {"app": "a%d" % (j % 50)}}}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "pol-%d" % j, "namespace": ns},
            "spec": {"podSelector": selector or {}, "policyTypes": ["Ingress"],
                     "ingress": [{"from": [peer],
                                  "ports": [{"protocol": "TCP", "port": EP_PORT}]}]}}


def gen_policy(out, npods, npol, repeats, nsel=None):
    """nsel: how many of the npol policies select the server pods (the
    last nsel; default all). The others are in the pods' namespaces ns-K,
    policy j in ns-(j mod namespaces) selecting app=a(j mod 50) there."""
    d = os.path.join(out, "pol-%d-%d%s" % (npods, npol, "" if nsel is None else "-s%d" % nsel))
    if nsel is None:
        nsel = npol
    nns = max(1, npods // 100)
    items = [k8s_ns("ns-%d" % k, {"team": "t%d" % (k % 10)}) for k in range(nns)]
    items.append(k8s_ns("bench", {"team": "bench"}))
    for i in range(npods):
        items.append(k8s_pod("ns-%d" % (i % nns), "pod-%d" % i, {"app": "a%d" % (i % 50)},
                             str(ipaddress.IPv4Address("10.128.0.0") + i + 1)))
    items.append(k8s_pod("bench", "client", {"app": "client"}, "10.0.1.2"))
    for k, a in enumerate(REAL):
        items.append(k8s_pod("bench", "server-%d" % k, {"app": "server"}, a))
    items.append({"apiVersion": "v1", "kind": "Service",
                  "metadata": {"name": "server", "namespace": "bench"},
                  "spec": {"type": "ClusterIP", "selector": {"app": "server"},
                           "clusterIP": POL_SVC_VIP, "clusterIPs": [POL_SVC_VIP],
                           "ports": [{"name": "http", "protocol": "TCP", "port": SVC_PORT,
                                      "targetPort": EP_PORT}]}})
    items.append({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                  "metadata": {"name": "server-1", "namespace": "bench",
                               "labels": {"kubernetes.io/service-name": "server"}},
                  "addressType": "IPv4",
                  "ports": [{"name": "http", "protocol": "TCP", "port": EP_PORT}],
                  "endpoints": [{"addresses": [a],
                                 "conditions": {"ready": True, "serving": True,
                                                "terminating": False},
                                 "nodeName": POL_NODE,
                                 "targetRef": {"kind": "Pod", "namespace": "bench",
                                               "name": "server-%d" % k}}
                                for k, a in enumerate(REAL[:2])]})
    objs = json.dumps({"apiVersion": "v1", "kind": "List", "items": items},
                      separators=(",", ":"))
    write(os.path.join(d, "nopol", "objects.json"), objs)
    write(os.path.join(d, "pol", "objects.json"), objs)
    pols = [k8s_policy(j, j == npol - 1) if j >= npol - nsel else
            k8s_policy(j, False, "ns-%d" % (j % nns), {"matchLabels": {"app": "a%d" % (j % 50)}})
            for j in range(npol)]
    write(os.path.join(d, "pol", "policies.json"),
          json.dumps({"apiVersion": "v1", "kind": "List", "items": pols},
                     separators=(",", ":")))
    for k in range(repeats):
        write(os.path.join(d, "add-%d.json" % k),
              json.dumps(k8s_policy(npol + k, False), separators=(",", ":")))
    meta = {"pods": npods, "policies": npol, "selecting_servers": nsel, "namespaces": nns,
            "vip": POL_SVC_VIP,
            "repeats": repeats}
    write(os.path.join(d, "plan.json"), json.dumps(meta, indent=1) + "\n")


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="directory; OUT/N/ is written")
    ap.add_argument("--sizes", required=True, help="comma-separated Service counts")
    ap.add_argument("--repeats", type=int, default=5,
                    help="samples of add-one and change-one (default 5)")
    ap.add_argument("--mem-backends", type=int, default=6,
                    help="backends per Service of the memory split run (default 6)")
    ap.add_argument("--mem-size", type=int, default=0,
                    help="the size that gets the memory split files (mem6.*)")
    ap.add_argument("--policy", default="",
                    help="comma-separated PODS:POLICIES[:SELECTING] (kubenf-agent objects; "
                    "SELECTING: how many of the policies select the server pods, default all)")
    a = ap.parse_args()
    for pq in filter(None, a.policy.split(",")):
        v = [int(x) for x in pq.split(":")]
        gen_policy(a.out, v[0], v[1], a.repeats, v[2] if len(v) > 2 else None)
    for n in (int(s) for s in filter(None, a.sizes.split(","))):
        if n < 4 or n + a.repeats >= 65535:
            sys.exit("gen.py: size %d out of range" % n)
        out = os.path.join(a.out, str(n))
        plan = Plan(n, a.repeats)
        mem = a.mem_backends if n == a.mem_size else 0
        gen_kubenf(out, plan, mem)
        gen_ipt(out, plan, mem)
        gen_nft(out, plan, mem)
        gen_ipvs(out, plan, mem)
        meta = {"n": n, "repeats": a.repeats, "mid": plan.mid, "last": plan.last,
                "chg": plan.chg, "mem_backends": a.mem_backends,
                "vip_mid": vip(plan.mid), "vip_last": vip(plan.last),
                "vip_chg": vip(plan.chg),
                "vip_add": [vip(n + k) for k in range(a.repeats)],
                "ipt_large_cluster_mode": 2 * n > LARGE_CLUSTER_ENDPOINTS}
        write(os.path.join(out, "plan.json"), json.dumps(meta, indent=1) + "\n")


if __name__ == "__main__":
    main()
