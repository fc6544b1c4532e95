# SPDX-License-Identifier: GPL-2.0
"""kind-netns: a small Kubernetes-like cluster made of network namespaces,
with kubenf as its Service proxy and NetworkPolicy enforcer.

  kind-netns up [OPTIONS] MANIFEST...     bring the cluster up
  kind-netns table [OPTIONS]              probe every pod to every pod and
                                          print the reachability truth table
  kind-netns apply MANIFEST...            add or replace objects (policies...)
  kind-netns delete KIND NS/NAME | --all-policies
  kind-netns label pod NS/NAME | namespace NAME  KEY=VALUE|KEY- ...
  kind-netns connect [-n N] FROM TARGET   N connections, who answered (load
                                          balancing); FROM: ns/pod, node-N, ext
  kind-netns explain FROM TARGET          why kubenf allows or drops it
  kind-netns kubenfctl NODE ARGS...       kubenfctl in a node's namespace
  kind-netns exec POD|NODE|ext CMD...     run a command in a namespace
  kind-netns status                       nodes, pods, addresses, programmer
  kind-netns scenario [--tap] FILE...     run conformance scenarios
  kind-netns lint FILE...                 check scenario files (no root needed)
  kind-netns predict [OPTIONS] MANIFEST...  the truth table Kubernetes
                                          semantics predict (no root needed)
  kind-netns down                         remove everything `up` created

MANIFEST: JSON or YAML, one object, a List (`kubectl get -A -o json` prints
one), or a YAML stream; a directory means its *.json/*.yaml/*.yml files.
Pods without status.podIP(s) or spec.nodeName get them here; Services without
a clusterIP get one; Services with a selector and no EndpointSlice get
EndpointSlices as the endpoint-slice controller would make them.

Topology (defaults; Node objects and pod IPs in the input take precedence):

    underlay bridge (netns kn-underlay, br0)  192.168.0.0/24, fd00:192:168::/64
      |-- node-N (netns kn-node-N): eth0 192.168.0.(10+N), pod CIDR
      |     10.244.N.0/24 + fd00:10:244:N::/64, host-gw routes to the other
      |     nodes' pod CIDRs, kubenf state and one kubenf-agent
      |       |-- pod ns/name (netns kn-p-NS-NAME): eth0, routed (/32 via the
      |           node, default) or bridged (cbr0 on the node, br_netfilter)
      `-- ext (netns kn-ext): 192.168.0.200, an outside client

Run `kind-netns COMMAND --help` for the options of a command.
"""

import argparse
import copy
import fnmatch
import ipaddress
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time


ME = "kind-netns"
HERE = os.path.dirname(os.path.realpath(__file__))  # selftests/cluster
REPO = os.path.realpath(os.path.join(HERE, "..", ".."))
STATE_ROOT = os.environ.get("KIND_NETNS_STATE", "/tmp/kind-netns")
NETNS_DIR = "/run/netns"

KNOWN_KINDS = ("Namespace", "Pod", "Service", "EndpointSlice", "NetworkPolicy")
PROTOS = ("TCP", "UDP", "SCTP")
NS_LABEL = "kubernetes.io/metadata.name"
SVC_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
# The Service whose port tells which input a node's kernel has: see Sync.
SYNC_SVC = ("default", "kind-netns-sync")
SYNC_IP4 = "10.96.255.254"

VERBOSE = 0


class Error(Exception):
    pass


def log(msg, level=1):
    if VERBOSE >= level:
        print("%s: %s" % (ME, msg), file=sys.stderr, flush=True)


def warn(msg):
    print("%s: warning: %s" % (ME, msg), file=sys.stderr, flush=True)


def run(cmd, input=None, check=True, capture=True, env=None, timeout=None,
        **kw):
    """Run a command; returns CompletedProcess. Raises Error when check."""
    log("+ " + " ".join(shlex.quote(c) for c in cmd), 2)
    try:
        p = subprocess.run(cmd, input=input, text=True, env=env,
                           stdout=subprocess.PIPE if capture else None,
                           stderr=subprocess.PIPE if capture else None,
                           timeout=timeout, **kw)
    except FileNotFoundError:
        raise Error("%s: command not found" % cmd[0])
    if check and p.returncode != 0:
        raise Error("%s failed (status %d): %s" % (
            " ".join(cmd[:4]), p.returncode,
            (p.stderr or "").strip()[-2000:]))
    return p


def find_program(name, build_rel, env_var=None):
    """A program of this repository: $ENV_VAR, build/<build_rel>, PATH."""
    if env_var and os.environ.get(env_var):
        return os.environ[env_var]
    cand = os.path.join(REPO, "build", build_rel)
    if os.access(cand, os.X_OK):
        return cand
    found = shutil.which(name)
    return found


# ---------------------------------------------------------------------------
# Manifests

def _load_text(text, path):
    text_s = text.lstrip()
    if text_s.startswith("{") or text_s.startswith("["):
        try:
            return [json.loads(text)]
        except ValueError:
            pass  # YAML flow style, perhaps
    try:
        import yaml   # here: importing it costs seconds under TCG
    except ImportError:
        raise Error("%s: not JSON, and python3-yaml is not installed" % path)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return [d for d in yaml.load_all(text, Loader=loader)
                if d is not None]
    except yaml.YAMLError as e:
        raise Error("%s: %s" % (path, e))


def flatten(docs):
    """Objects of documents that may be Lists (kubectl get -o json)."""
    out = []
    for d in docs:
        if isinstance(d, list):
            out.extend(flatten(d))
        elif isinstance(d, dict):
            kind = d.get("kind", "")
            if kind == "List" or (kind.endswith("List") and "items" in d):
                item_kind = kind[:-4] if kind != "List" else None
                for it in d.get("items") or []:
                    if item_kind and "kind" not in it:
                        it = dict(it, kind=item_kind)
                    out.extend(flatten([it]))
            elif kind:
                out.append(d)
        else:
            raise Error("not a Kubernetes object: %r" % (d,))
    return out


def load_manifests(paths):
    objs = []
    for p in paths:
        if os.path.isdir(p):
            names = sorted(n for n in os.listdir(p)
                           if not n.startswith(".") and
                           n.endswith((".json", ".yaml", ".yml")))
            objs.extend(load_manifests([os.path.join(p, n) for n in names]))
            continue
        try:
            with (sys.stdin if p == "-" else open(p)) as f:
                text = f.read()
        except OSError as e:
            raise Error("%s: %s" % (p, e.strerror))
        objs.extend(flatten(_load_text(text, p)))
    return objs


def load_text_objects(text, what):
    return flatten(_load_text(text, what))


def okey(o):
    """(kind, namespace, name) of an object; namespaces are cluster-scoped."""
    md = o.get("metadata") or {}
    kind = o.get("kind", "")
    ns = "" if kind in ("Namespace", "Node") else (md.get("namespace") or
                                                   "default")
    return (kind, ns, md.get("name", ""))


# ---------------------------------------------------------------------------
# Labels and selectors

def selector_matches(sel, labels):
    """metav1.LabelSelector semantics; None matches nothing, {} everything."""
    if sel is None:
        return False
    labels = labels or {}
    for k, v in (sel.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in sel.get("matchExpressions") or []:
        k, op, vals = e.get("key"), e.get("operator"), e.get("values") or []
        if op == "In":
            if k not in labels or labels[k] not in vals:
                return False
        elif op == "NotIn":
            if k in labels and labels[k] in vals:
                return False
        elif op == "Exists":
            if k not in labels:
                return False
        elif op == "DoesNotExist":
            if k in labels:
                return False
        else:
            return False
    return True


def service_selects(sel, labels):
    """Service selectors: equality only; an empty one selects nothing."""
    if not sel:
        return False
    return all((labels or {}).get(k) == v for k, v in sel.items())


# ---------------------------------------------------------------------------
# The cluster model: objects in, resolved pods/nodes/services out

class Pod:
    def __init__(self, obj):
        md = obj.get("metadata") or {}
        spec = obj.get("spec") or {}
        st = obj.get("status") or {}
        self.obj = obj
        self.ns = md.get("namespace") or "default"
        self.name = md.get("name", "")
        self.key = "%s/%s" % (self.ns, self.name)
        self.labels = md.get("labels") or {}
        self.node = spec.get("nodeName")
        self.host_network = bool(spec.get("hostNetwork"))
        self.phase = st.get("phase", "Running")
        self.terminating = bool(md.get("deletionTimestamp"))
        ips = [x.get("ip") for x in st.get("podIPs") or [] if x.get("ip")]
        if not ips and st.get("podIP"):
            ips = [st["podIP"]]
        self.ips = ips
        self.ports = []   # (name, number, protocol)
        for c in (spec.get("initContainers") or []) + \
                (spec.get("containers") or []):
            for p in c.get("ports") or []:
                if not p.get("containerPort"):
                    continue
                self.ports.append((p.get("name"), int(p["containerPort"]),
                                   (p.get("protocol") or "TCP").upper()))

    @property
    def running(self):
        return self.phase == "Running" and not self.terminating

    def ip(self, family):
        for a in self.ips:
            if ipaddress.ip_address(a).version == family:
                return a
        return None

    def serves(self, proto, port):
        return any(n == port and p == proto for _, n, p in self.ports)

    def named_port(self, name, proto):
        for n, num, p in self.ports:
            if n == name and p == proto:
                return num
        return None


def pod_order_key(p):
    return (p.ns, p.name)


class World:
    """Resolved view of a set of objects: namespaces, nodes, pods, services."""

    def __init__(self, objs, nodes=None):
        self.objs = objs
        self.namespaces = {}     # name -> labels
        self.pods = []
        self.services = []
        self.slices = []
        self.policies = []
        self.node_objs = []
        for o in objs:
            kind = o.get("kind")
            md = o.get("metadata") or {}
            if kind == "Namespace":
                self.namespaces[md.get("name")] = dict(md.get("labels") or {})
            elif kind == "Pod":
                self.pods.append(Pod(o))
            elif kind == "Service":
                self.services.append(o)
            elif kind == "EndpointSlice":
                self.slices.append(o)
            elif kind == "NetworkPolicy":
                self.policies.append(o)
            elif kind == "Node":
                self.node_objs.append(o)
        for p in self.pods:
            self.namespaces.setdefault(p.ns, {})
        for name, labels in self.namespaces.items():
            labels.setdefault(NS_LABEL, name)
        self.pods.sort(key=pod_order_key)
        self.nodes = nodes  # list of node dicts (state), when known
        self._pod_idx = None
        self._pod_svc = {}

    def pod(self, key):
        if self._pod_idx is None:
            self._pod_idx = {p.key: p for p in self.pods}
        return self._pod_idx.get(key)

    def ns_labels(self, ns):
        return self.namespaces.get(ns, {NS_LABEL: ns})

    def model_pods(self):
        """Rows and columns of truth tables: running, non-hostNetwork."""
        return [p for p in self.pods if p.running and not p.host_network
                and p.ips]

    def service(self, key):
        for s in self.services:
            k = okey(s)
            if "%s/%s" % (k[1], k[2]) == key:
                return s
        return None

    def pod_service(self, pod, proto, port):
        """The Service of a pod as the upstream e2e model has it: in its
        namespace, selecting it and no other pod, with that port."""
        k = (pod.key, proto, port)
        if k not in self._pod_svc:
            self._pod_svc[k] = self._pod_service(pod, proto, port)
        return self._pod_svc[k]

    def _pod_service(self, pod, proto, port):
        best = None
        for s in self.services:
            k = okey(s)
            spec = s.get("spec") or {}
            if k[1] != pod.ns or not spec.get("selector"):
                continue
            if not service_selects(spec["selector"], pod.labels):
                continue
            others = [q for q in self.pods if q.ns == pod.ns and q is not pod
                      and q.running and
                      service_selects(spec["selector"], q.labels)]
            if others:
                continue
            for sp in spec.get("ports") or []:
                if int(sp.get("port", 0)) == port and \
                        (sp.get("protocol") or "TCP").upper() == proto:
                    best = s
                    break
            if best:
                break
        return best


def cluster_ips(svc, family=None):
    spec = svc.get("spec") or {}
    ips = list(spec.get("clusterIPs") or [])
    if not ips and spec.get("clusterIP"):
        ips = [spec["clusterIP"]]
    ips = [i for i in ips if i and i != "None"]
    if family:
        ips = [i for i in ips if ipaddress.ip_address(i).version == family]
    return ips


# ---------------------------------------------------------------------------
# Completing the input: nodes, pod IPs, cluster IPs, EndpointSlices

DEFAULTS = {
    "underlay4": "192.168.0.0/24",
    "underlay6": "fd00:192:168::/64",
    "cluster4": "10.244.0.0/16",
    "cluster6": "fd00:10:244::/56",
    "svc4": "10.96.0.0/16",
    "svc6": "fd00:96::/112",
    "ext4": "192.168.0.200",
    "ext6": "fd00:192:168::200",
    # Services may claim external IPs only here (kubenf-agent
    # --external-ip-cidr): the lower half of TEST-NET-1.
    "external_ip_cidrs": ["192.0.2.0/25"],
}


def node_defaults(index):
    """Addresses of the index-th node (1-based) in the default scheme."""
    return {
        "ip4": "192.168.0.%d" % (10 + index),
        "ip6": "fd00:192:168::%d" % (10 + index),
        "cidr4": "10.244.%d.0/24" % index,
        "cidr6": "fd00:10:244:%x::/64" % index,
    }


def _node_sort_key(name):
    m = re.match(r"^(.*?)(\d+)$", name)
    return (m.group(1), int(m.group(2))) if m else (name, 0)


def complete(objs, opts):
    """Fill in what a running cluster would have. Returns (objs, nodes)."""
    objs = copy.deepcopy(objs)
    world = World(objs)
    # --- nodes
    names = set()
    node_info = {}
    for n in world.node_objs:
        md = n.get("metadata") or {}
        name = md.get("name")
        names.add(name)
        info = node_info.setdefault(name, {})
        for a in (n.get("status") or {}).get("addresses") or []:
            if a.get("type") == "InternalIP":
                v = ipaddress.ip_address(a["address"]).version
                info.setdefault("ip%d" % v, a["address"])
        spec = n.get("spec") or {}
        for c in spec.get("podCIDRs") or ([spec["podCIDR"]]
                                          if spec.get("podCIDR") else []):
            v = ipaddress.ip_network(c, strict=False).version
            info.setdefault("cidr%d" % v, c)
    for p in world.pods:
        if p.node:
            names.add(p.node)
    for i in range(1, opts.nodes + 1):
        names.add("node-%d" % i)
    placement = []
    for spec in opts.place or []:
        if "=" not in spec:
            raise Error("--place %s: want NS/POD-GLOB=NODE" % spec)
        glob, node = spec.rsplit("=", 1)
        placement.append((glob, node))
        names.add(node)
    if opts.single_node:
        names = {opts.single_node}
    names = sorted(names, key=_node_sort_key)
    if not names:
        names = ["node-1"]
    nodes = []
    for i, name in enumerate(names, 1):
        d = node_defaults(i)
        d.update(node_info.get(name, {}))
        d["name"] = name
        d["index"] = i
        nodes.append(d)
    by_name = {n["name"]: n for n in nodes}

    # --- scheduling
    for p in world.pods:
        node = None
        for glob, n in placement:
            if fnmatch.fnmatchcase(p.key, glob):
                node = n
                break
        if opts.single_node:
            node = opts.single_node
        if node or not p.node:
            p.node = node or names[0]
            p.obj.setdefault("spec", {})["nodeName"] = p.node
            if opts.single_node or placement:
                # rescheduled: its old addresses belong to another node
                if not p.host_network and node:
                    p.ips = [ip for ip in p.ips
                             if _in_node_cidr(by_name[p.node], ip)]

    # hostNetwork pods: the node's address; a dump's pod IP names it
    for p in world.pods:
        n = by_name[p.node]
        if p.host_network:
            for a in p.ips:
                v = ipaddress.ip_address(a).version
                if "ip%d" % v not in node_info.get(p.node, {}):
                    n["ip%d" % v] = a
    for p in world.pods:
        if p.host_network:
            n = by_name[p.node]
            p.ips = [n["ip4"]] + ([n["ip6"]] if opts.family != 4 else [])
            if opts.family == 6:
                p.ips = [n["ip6"]]

    # --- pod IPs: pods of a dump keep theirs; the others get one per family
    families = {"4": [4], "6": [6], "dual": [4, 6]}[str(opts.family)]
    used = set()
    for p in world.pods:
        used.update(p.ips)
    ns_index = {ns: i for i, ns in enumerate(sorted(world.namespaces), 1)}
    pod_index = {}
    for ns in world.namespaces:
        for i, q in enumerate(sorted((q for q in world.pods if q.ns == ns),
                                     key=pod_order_key), 1):
            pod_index[q.key] = i
    for p in world.pods:
        if p.ips or p.host_network or not p.running:
            continue
        n = by_name[p.node]
        for v in families:
            net = ipaddress.ip_network(n["cidr%d" % v])
            ip = None
            # x/a -> .11, y/c -> .23 ... as in policy/examples, if free
            host = ns_index[p.ns] * 10 + pod_index[p.key]
            if host < 250 and pod_index[p.key] < 10:
                # same digits in both families: .11 and ::11
                cand = str(net.network_address +
                           (host if v == 4 else int(str(host), 16)))
                if cand not in used:
                    ip = cand
            if not ip:
                for h in range(100, min(net.num_addresses - 1, 65000)):
                    cand = str(net.network_address + h)
                    if cand not in used:
                        ip = cand
                        break
            if not ip:
                raise Error("pod CIDR %s of %s is full" % (net, p.node))
            used.add(ip)
            p.ips.append(ip)
    for p in world.pods:
        st = p.obj.setdefault("status", {})
        if p.ips:
            st["podIP"] = p.ips[0]
            st["podIPs"] = [{"ip": a} for a in p.ips]
        st.setdefault("phase", "Running")
        if p.host_network:
            st["hostIP"] = p.ips[0] if p.ips else by_name[p.node]["ip4"]

    # --- Namespace objects for namespaces that pods imply
    have_ns = {okey(o)[2] for o in objs if o.get("kind") == "Namespace"}
    for ns in sorted(world.namespaces):
        if ns not in have_ns:
            objs.append({"apiVersion": "v1", "kind": "Namespace",
                         "metadata": {"name": ns,
                                      "labels": {NS_LABEL: ns}}})
    for o in objs:
        if o.get("kind") == "Namespace":
            md = o.setdefault("metadata", {})
            md.setdefault("labels", {})[NS_LABEL] = md["name"]

    # --- per-pod Services (the upstream e2e model), on request
    if opts.pod_services:
        have = {okey(o) for o in objs}
        for p in world.model_pods():
            name = "s-%s-%s" % (p.ns, p.name)
            if ("Service", p.ns, name) in have or not p.ports:
                continue
            sel = {"pod": p.labels["pod"]} if "pod" in p.labels else None
            if sel is None or any(q is not p and q.ns == p.ns and
                                  service_selects(sel, q.labels)
                                  for q in world.pods):
                continue
            ports = []
            for (_, num, proto) in sorted(set(p.ports),
                                          key=lambda x: (x[1], x[2])):
                ports.append({"name": "service-port-%s-%d" % (proto.lower(),
                                                              num),
                              "protocol": proto, "port": num})
            objs.append({
                "apiVersion": "v1", "kind": "Service",
                "metadata": {"name": name, "namespace": p.ns},
                "spec": {"selector": sel, "ports": ports,
                         "ipFamilyPolicy": "PreferDualStack"
                         if len(families) > 1 else "SingleStack"}})
    allocate_services(objs, families, {p.key: p for p in world.pods})
    return objs, nodes


def _in_node_cidr(node, ip):
    a = ipaddress.ip_address(ip)
    c = node.get("cidr%d" % a.version)
    return bool(c) and a in ipaddress.ip_network(c)


def allocate_services(objs, families, pods):
    """Cluster IPs and node ports for Services that have none."""
    used_ips, used_np = set(), set()
    svcs = [o for o in objs if o.get("kind") == "Service"]
    for s in svcs:
        used_ips.update(cluster_ips(s))
        for sp in (s.get("spec") or {}).get("ports") or []:
            if sp.get("nodePort"):
                used_np.add(int(sp["nodePort"]))
    nets = {4: ipaddress.ip_network(DEFAULTS["svc4"]),
            6: ipaddress.ip_network(DEFAULTS["svc6"])}

    def alloc(v, hint):
        net = nets[v]
        base = int(net.network_address)
        hosts = []
        if hint:
            hosts.append(hint if v == 4 else
                         int("%x%02d" % (hint >> 8, hint & 255), 16))
        for h in hosts + list(range(1000, min(60000,
                                               net.num_addresses - 1))):
            if h >= net.num_addresses - 1:
                continue
            c = str(ipaddress.ip_address(base + h))
            if c not in used_ips:
                used_ips.add(c)
                return c
        raise Error("service CIDR %s is full" % net)

    for s in sorted(svcs, key=okey):
        spec = s.setdefault("spec", {})
        stype = spec.get("type", "ClusterIP")
        if stype == "ExternalName":
            continue
        if spec.get("clusterIP") != "None" and not cluster_ips(s):
            want = spec.get("ipFamilies")
            if want:
                fams = [6 if f == "IPv6" else 4 for f in want]
            elif spec.get("ipFamilyPolicy") in ("PreferDualStack",
                                                "RequireDualStack"):
                fams = families
            else:
                fams = families[:1]
            fams = [f for f in fams if f in families] or families[:1]
            if spec.get("ipFamilyPolicy") not in ("PreferDualStack",
                                                  "RequireDualStack"):
                fams = fams[:1]
            # s-x-a -> 10.96.1.11 when x/a is 10.244.1.11, if free
            hint = None
            pod = pods.get(okey(s)[1] + "/" +
                           okey(s)[2][3 + len(okey(s)[1]):])
            if okey(s)[2].startswith("s-%s-" % okey(s)[1]) and pod and \
                    pod.ip(4):
                b = ipaddress.ip_address(pod.ip(4)).packed
                hint = b[2] * 256 + b[3]
            ips = [alloc(v, hint) for v in fams]
            spec["clusterIP"] = ips[0]
            spec["clusterIPs"] = ips
            spec["ipFamilies"] = ["IPv%d" % v for v in fams]
        if stype in ("NodePort", "LoadBalancer"):
            for sp in spec.get("ports") or []:
                if not sp.get("nodePort"):
                    for n in range(30000, 32768):
                        if n not in used_np:
                            used_np.add(n)
                            sp["nodePort"] = n
                            break


def endpoint_slices(world):
    """EndpointSlices the controller would make for selector Services that
    have none in the input (recomputed on every change)."""
    have = set()
    for sl in world.slices:
        md = sl.get("metadata") or {}
        svc = (md.get("labels") or {}).get(SVC_NAME_LABEL)
        if svc:
            have.add((md.get("namespace") or "default", svc))
    out = []
    for s in world.services:
        _, ns, name = okey(s)
        spec = s.get("spec") or {}
        sel = spec.get("selector")
        if not sel or (ns, name) in have or \
                spec.get("type") == "ExternalName":
            continue
        fams = [ipaddress.ip_address(i).version for i in cluster_ips(s)]
        if not fams:   # headless: the families of the pods
            fams = [4, 6]
        pods = [p for p in world.pods if p.ns == ns and p.ips and
                p.phase == "Running" and service_selects(sel, p.labels)]
        for v in sorted(set(fams)):
            groups = {}
            for p in pods:
                ip = p.ip(v)
                if not ip:
                    continue
                ports = []
                for sp in spec.get("ports") or []:
                    proto = (sp.get("protocol") or "TCP").upper()
                    tp = sp.get("targetPort", sp.get("port"))
                    if isinstance(tp, str) and not tp.isdigit():
                        num = p.named_port(tp, proto)
                        if num is None:
                            continue
                    else:
                        num = int(tp)
                    ports.append((sp.get("name", ""), proto, num))
                groups.setdefault(tuple(ports), []).append((p, ip))
            for i, (ports, members) in enumerate(sorted(
                    groups.items(), key=lambda g: g[0])):
                eps = []
                for p, ip in members:
                    ready = not p.terminating
                    eps.append({
                        "addresses": [ip],
                        "conditions": {"ready": ready, "serving": True,
                                       "terminating": p.terminating},
                        "nodeName": p.node,
                        "targetRef": {"kind": "Pod", "namespace": p.ns,
                                      "name": p.name}})
                out.append({
                    "apiVersion": "discovery.k8s.io/v1",
                    "kind": "EndpointSlice",
                    "metadata": {
                        "name": "%s-kn%d-%d" % (name, v, i),
                        "namespace": ns,
                        "labels": {SVC_NAME_LABEL: name,
                                   MANAGED_BY: ME}},
                    "addressType": "IPv%d" % v,
                    "endpoints": eps,
                    "ports": [{"name": n, "protocol": pr, "port": num}
                              for n, pr, num in ports]})
    return out


def sync_service(generation):
    """The Service that tells which input a node's kernel holds."""
    return {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": SYNC_SVC[1], "namespace": SYNC_SVC[0],
                     "annotations": {"kind-netns/purpose":
                                     "sync barrier: its port is the input's "
                                     "generation"}},
        "spec": {"type": "ClusterIP", "clusterIP": SYNC_IP4,
                 "clusterIPs": [SYNC_IP4], "ipFamilies": ["IPv4"],
                 "ports": [{"name": "gen", "protocol": "TCP",
                            "port": 1 + (generation - 1) % 65535}]}}


def agent_input(objs, generation):
    """The objects the agents read: the known kinds, the generated
    EndpointSlices and the sync Service."""
    world = World(objs)
    out = [o for o in objs if o.get("kind") in KNOWN_KINDS]
    out.extend(endpoint_slices(world))
    out.append(sync_service(generation))
    return {"apiVersion": "v1", "kind": "List", "items": out}


# ---------------------------------------------------------------------------
# What Kubernetes semantics predict (the oracle)

def policy_types(pol):
    spec = pol.get("spec") or {}
    t = spec.get("policyTypes")
    if t:
        return set(t)
    out = {"Ingress"}
    if spec.get("egress"):
        out.add("Egress")
    return out


def peer_matches(world, pol_ns, peer, other, other_ip):
    """Does a NetworkPolicyPeer select the pod `other` (address other_ip)?"""
    if peer.get("ipBlock"):
        b = peer["ipBlock"]
        try:
            net = ipaddress.ip_network(b["cidr"], strict=False)
        except (KeyError, ValueError):
            return False
        a = ipaddress.ip_address(other_ip)
        if a.version != net.version or a not in net:
            return False
        for e in b.get("except") or []:
            en = ipaddress.ip_network(e, strict=False)
            if a.version == en.version and a in en:
                return False
        return True
    if other is None:
        return False
    nsel, psel = peer.get("namespaceSelector"), peer.get("podSelector")
    if nsel is None and psel is None:
        return False
    if nsel is not None:
        if not selector_matches(nsel, world.ns_labels(other.ns)):
            return False
    elif other.ns != pol_ns:
        return False
    if psel is not None and not selector_matches(psel, other.labels):
        return False
    return True


def port_matches(rule_ports, proto, port, dst_pod):
    if not rule_ports:
        return True
    for rp in rule_ports:
        rproto = (rp.get("protocol") or "TCP").upper()
        if rproto != proto:
            continue
        p = rp.get("port")
        if p is None:
            return True
        if isinstance(p, str) and not p.isdigit():
            if dst_pod is None:
                continue
            num = dst_pod.named_port(p, proto)
            if num is not None and num == port:
                return True
            continue
        first = int(p)
        last = int(rp.get("endPort") or first)
        if first <= port <= last:
            return True
    return False


def direction_allows(world, subject, direction, peer, peer_ip, proto, port,
                     dst_pod):
    """Ingress or Egress of `subject`: (isolated, allowed)."""
    isolated = False
    key = "ingress" if direction == "Ingress" else "egress"
    side = "from" if direction == "Ingress" else "to"
    for pol in world.policies:
        md = pol.get("metadata") or {}
        if (md.get("namespace") or "default") != subject.ns:
            continue
        spec = pol.get("spec") or {}
        if direction not in policy_types(pol):
            continue
        if not selector_matches(spec.get("podSelector", {}), subject.labels):
            continue
        isolated = True
        for rule in spec.get(key) or []:
            peers = rule.get(side) or []
            if peers and not any(peer_matches(world, subject.ns, pr, peer,
                                              peer_ip) for pr in peers):
                continue
            if port_matches(rule.get("ports"), proto, port, dst_pod):
                return True, True
    return isolated, not isolated


def predict(world, src, dst, proto, port, family=4):
    """Would a new connection from pod src to pod dst (its address of
    `family`), proto/port, get an answer?"""
    if not dst.serves(proto, port):
        return False
    if src is dst:
        return True
    sip, dip = src.ip(family), dst.ip(family)
    if not sip or not dip:
        return False
    if not src.host_network:
        _, ok = direction_allows(world, src, "Egress", dst, dip, proto, port,
                                 dst)
        if not ok:
            return False
    if not dst.host_network:
        _, ok = direction_allows(world, dst, "Ingress", src, sip, proto,
                                 port, dst)
        if not ok:
            return False
    return True


# ---------------------------------------------------------------------------
# Network namespaces

_libc = None
CLONE_NEWNET = 0x40000000


def _setns(fd):
    global _libc
    import ctypes
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def netns_path(name):
    return os.path.join(NETNS_DIR, name)


def sysctls(ns, values):
    """Write sysctls in namespace ns (setns: no fork per namespace)."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    fd = os.open(netns_path(ns), os.O_RDONLY)
    try:
        _setns(fd)
        for k, v in values:
            path = "/proc/sys/" + k.replace(".", "/")
            try:
                with open(path, "w") as f:
                    f.write(str(v))
            except OSError as e:
                if not k.startswith(("net.bridge.", "net.sctp.")):
                    raise Error("%s: sysctl %s: %s" % (ns, k, e.strerror))
    finally:
        _setns(home)
        os.close(fd)
        os.close(home)


def ip_batch(ns, lines):
    """Run `ip` commands in namespace ns (None: here) in one process."""
    cmd = ["ip"] + (["-n", ns] if ns else []) + ["-batch", "-"]
    run(cmd, input="\n".join(lines) + "\n")


def ns_exec(ns, cmd, **kw):
    """Run cmd in network namespace ns. The child enters it with setns
    before exec: cheaper than `ip netns exec` (no mount namespace), which
    counts when polling under TCG."""
    fd = os.open(netns_path(ns), os.O_RDONLY | os.O_CLOEXEC)
    try:
        return run(cmd, preexec_fn=lambda: _setns(fd), pass_fds=(fd,), **kw)
    finally:
        os.close(fd)


def ns_sanitize(s):
    return re.sub(r"[^A-Za-z0-9_.-]", "-", s)


def kill_pid(pid, sig=signal.SIGTERM):
    try:
        os.kill(pid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie of ours is not alive.
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[-1][0] != "Z"
    except OSError:
        return False


# ---------------------------------------------------------------------------
# State

def state_dir(name):
    return os.path.join(STATE_ROOT, name)


class State:
    def __init__(self, name):
        self.name = name
        self.dir = state_dir(name)
        self.d = {}
        self.objects = []

    @property
    def path(self):
        return os.path.join(self.dir, "state.json")

    def exists(self):
        return os.path.exists(self.path)

    def load(self):
        try:
            with open(self.path) as f:
                self.d = json.load(f)
            with open(os.path.join(self.dir, "objects.json")) as f:
                self.objects = json.load(f)["items"]
        except OSError:
            raise Error("no cluster %r (run `%s up` first; state in %s)" %
                        (self.name, ME, self.dir))
        return self

    def save(self):
        os.makedirs(self.dir, exist_ok=True)
        write_atomic(self.path, json.dumps(self.d, indent=1) + "\n")
        write_atomic(os.path.join(self.dir, "objects.json"),
                     json.dumps({"apiVersion": "v1", "kind": "List",
                                 "items": self.objects}, indent=1) + "\n")

    def node(self, name):
        for n in self.d["nodes"]:
            if n["name"] == name:
                return n
        raise Error("no node %r" % name)

    def world(self):
        return World(self.objects, self.d["nodes"])

    def next_sport(self, n):
        sp = self.d.get("sport", 20000)
        self.d["sport"] = 20000 + (sp - 20000 + n) % 41000
        return sp


def write_atomic(path, text):
    d = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=d, prefix="." + os.path.basename(path))
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.rename(tmp, path)


# ---------------------------------------------------------------------------
# kubenf and the programs that program it

def kubenf_ko():
    ko = os.environ.get("KUBENF_KO")
    if not ko:
        ko = os.path.join(REPO, "build", os.uname().release, "kubenf.ko")
    return ko


def load_kubenf():
    """insmod kubenf.ko after its dependencies; True if it is loaded."""
    ko = kubenf_ko()
    if os.path.isdir("/sys/module/kubenf"):
        try:
            want = run(["modinfo", "-F", "srcversion", ko]).stdout.strip()
            with open("/sys/module/kubenf/srcversion") as f:
                have = f.read().strip()
        except (Error, OSError):
            want = have = ""
        if want == have:
            return True
        if run(["rmmod", "kubenf"], check=False).returncode:
            warn("an other kubenf is loaded and cannot be unloaded")
            return True
    if not os.path.exists(ko):
        warn("%s not found (make module-all): running without kubenf" % ko)
        return False
    deps = run(["modinfo", "-F", "depends", ko], check=False).stdout.strip()
    for d in filter(None, deps.split(",")):
        run(["modprobe", "-q", d], check=False)
    p = run(["insmod", ko], check=False)
    if p.returncode:
        warn("insmod %s: %s: running without kubenf" % (ko, p.stderr.strip()))
        return False
    return True


def agent_help():
    agent = find_program("kubenf-agent", "userspace/kubenf-agent")
    if not agent:
        return None, ""
    p = run([agent, "--help"], check=False)
    return agent, p.stdout + p.stderr


def kernel_has_policy(scratch_ns):
    pol = find_program("kubenf_pol", "selftests/kubenf_pol", "KUBENF_POL")
    if not pol:
        return False
    p = run([pol, "-n", netns_path(scratch_ns), "show", "pods"], check=False)
    return p.returncode == 0


class Programmer:
    """Puts the input into every node's kernel."""
    name = "none"
    policies = False
    services = False

    def start(self, st):
        pass

    def apply(self, st, gen):
        pass

    def stop(self, st):
        pass


class AgentGone(Error):
    """A kubenf-agent exited: not ready yet (the stub), or it failed."""


class AgentProgrammer(Programmer):
    """One kubenf-agent --from-file per node namespace: the real thing."""
    name = "agent"
    policies = True
    services = True

    def start(self, st):
        agent, text = agent_help()
        extra = []
        if "--cluster-cidr" in text:
            for c in st.d["cluster_cidrs"]:
                extra += ["--cluster-cidr", c]
        if "--external-ip-cidr" in text:
            for c in st.d.get("external_ip_cidrs", []):
                extra += ["--external-ip-cidr", c]
        st.d["agents"] = {}
        for n in st.d["nodes"]:
            logf = open(os.path.join(st.dir, "logs",
                                     "agent-%s.log" % n["name"]), "a")
            cmd = ["ip", "netns", "exec", n["netns"], agent, "--node-name",
                   n["name"], "--from-file", os.path.join(st.dir, "input")]
            cmd += extra
            # A pod whose rules have not arrived yet is never open.
            if "--pod-cidr" in text:
                for v in ("cidr4", "cidr6"):
                    if n.get(v):
                        cmd += ["--pod-cidr", n[v]]
            if VERBOSE >= 2:
                cmd.append("--verbose") if "--verbose" in text else None
            log("+ " + " ".join(cmd), 1)
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=logf,
                                 stderr=subprocess.STDOUT,
                                 start_new_session=True)
            st.d["agents"][n["name"]] = p.pid

    def apply(self, st, gen):
        wait_sync(st, gen)

    def stop(self, st):
        for node, pid in (st.d.get("agents") or {}).items():
            kill_pid(pid)


def wait_sync(st, gen, timeout=None):
    """Wait until every node's kernel holds input generation `gen`: the
    sync Service's port says which input the agent last committed."""
    timeout = timeout or float(os.environ.get("KIND_NETNS_SYNC_TIMEOUT", 60))
    want = 1 + (gen - 1) % 65535
    deadline = time.monotonic() + timeout
    pending = [n for n in st.d["nodes"]]
    kctl = find_program("kubenfctl", "userspace/kubenfctl")
    while pending:
        for n in pending:
            pid = (st.d.get("agents") or {}).get(n["name"])
            if pid and not pid_alive(pid):
                lf = os.path.join(st.dir, "logs", "agent-%s.log" % n["name"])
                try:
                    with open(lf) as f:
                        tail = f.read().strip().splitlines()[-3:]
                except OSError:
                    tail = []
                raise AgentGone("kubenf-agent of %s exited: %s" % (
                    n["name"], " / ".join(tail) or "no message"))
        for n in list(pending):
            p = ns_exec(n["netns"], [kctl, "-o", "json", "svc", "show"],
                        check=False)
            port = None
            if p.returncode == 0:
                try:
                    for s in json.loads(p.stdout):
                        for fe in s.get("frontends") or []:
                            if fe.get("address") == SYNC_IP4:
                                port = fe.get("port")
                except ValueError:
                    pass
            if port == want:
                pending.remove(n)
        if not pending:
            break
        if time.monotonic() > deadline:
            names = ", ".join(n["name"] for n in pending)
            tails = []
            for n in pending:
                pid = (st.d.get("agents") or {}).get(n["name"])
                alive = pid and pid_alive(pid)
                lf = os.path.join(st.dir, "logs", "agent-%s.log" % n["name"])
                try:
                    with open(lf) as f:
                        tail = f.read().splitlines()[-6:]
                except OSError:
                    tail = []
                tails.append("%s (agent %s):\n    %s" % (
                    n["name"], "running" if alive else "not running",
                    "\n    ".join(tail)))
            raise Error("input generation %d not in the kernel of %s after "
                        "%d s\n  %s" % (gen, names, timeout,
                                        "\n  ".join(tails)))
        time.sleep(0.1)


def kp_compile(st, node):
    kpc = find_program("kp-compile", "policy/kp-compile", "KP_COMPILE")
    if not kpc:
        raise Error("kp-compile not found (make policy)")
    cmd = [kpc, "-n", node]
    for c in st.d.get("external_ip_cidrs", []):
        cmd += ["-e", c]
    p = run(cmd + [os.path.join(st.dir, "input", "cluster.json")],
            check=False)
    try:
        out = json.loads(p.stdout)
    except ValueError:
        raise Error("kp-compile: %s" % (p.stderr or p.stdout).strip())
    for e in out.get("errors") or []:
        log("kp-compile %s: %s %s/%s: %s" % (node, e.get("kind"),
                                             e.get("namespace"),
                                             e.get("name"), e.get("reason")))
    return out["ruleset"]


def kp_to_kubenfctl(rs, config):
    """The compiler's rule set JSON -> `kubenfctl apply` JSON (services)."""
    kinds = {"node-port": "nodeport"}
    svcs = []
    for s in rs.get("services") or []:
        fes = []
        for fe in s.get("frontends") or []:
            f = {"kind": kinds.get(fe["kind"], fe["kind"]),
                 "protocol": fe["proto"].lower(), "port": fe["port"]}
            if fe.get("addr"):
                f["address"] = fe["addr"]
            if fe.get("family"):
                f["family"] = fe["family"]
            fes.append(f)
        svcs.append({
            "id": s["id"], "name": s.get("name", ""),
            "flags": s.get("flags") or [],
            "affinity_timeout": s.get("affinity_timeout") or 0,
            "frontends": fes,
            "source_ranges": s.get("source_ranges") or [],
            "backends": [{"address": b["addr"], "port": b["port"],
                          "flags": b.get("flags") or []}
                         for b in s.get("backends") or []]})
    return {"config": config, "services": svcs}


def kp_to_kubenf_pol(rs):
    """The compiler's peersets, policies and pods -> kubenf_pol arguments."""
    cmds = []
    for ps in rs.get("peersets") or []:
        c = ["peerset", str(ps["id"]), "name", ps.get("name", "")]
        for e in ps.get("entries") or []:
            c.append("!".join([e["cidr"]] + list(e.get("except") or [])))
        cmds.append(c)
    for pol in rs.get("policies") or []:
        c = ["policy", str(pol["id"]), pol["dir"], "name", pol.get("name", "")]
        for r in pol.get("rules") or []:
            c.append("rule")
            if r.get("peers"):
                c += ["peers", ",".join(str(x) for x in r["peers"])]
            if r.get("ports"):
                ports = []
                for pr in r["ports"]:
                    s = pr["proto"].lower()
                    if pr.get("first"):
                        s += ":%d" % pr["first"]
                        if pr.get("last") and pr["last"] != pr["first"]:
                            s += "-%d" % pr["last"]
                    ports.append(s)
                c += ["ports", ",".join(ports)]
        cmds.append(c)
    for pod in rs.get("pods") or []:
        c = ["pod", str(pod["id"]), "name", pod.get("name", "")]
        flags = pod.get("flags") or []
        iso = [f.split("-")[0] for f in flags if f.endswith("-isolated")]
        if len(iso) == 2:
            c += ["isolate", "both"]
        elif iso:
            c += ["isolate", iso[0]]
        for a in pod.get("addrs") or []:
            c += ["addr", a]
        c += ["ingress", ",".join(str(x) for x in pod.get("ingress") or [])
              or "-"]
        c += ["egress", ",".join(str(x) for x in pod.get("egress") or [])
              or "-"]
        cmds.append(c)
    argv = []
    for c in cmds:
        if argv:
            argv.append("--")
        argv += c
    return argv


class DirectProgrammer(Programmer):
    """Stopgap until kubenf-agent works: the same compiler (kp-compile) run
    here, its services set with `kubenfctl apply --replace` and, when the
    kernel has them, its peersets, policies and pods with the selftests'
    kubenf_pol. Not a transaction: the input is in place when apply
    returns, which is all the probes need."""
    services = True

    def __init__(self, with_policies):
        self.policies = with_policies
        self.name = "kp-compile+kubenfctl" + ("+kubenf_pol" if with_policies
                                              else "")

    def apply(self, st, gen):
        kctl = find_program("kubenfctl", "userspace/kubenfctl")
        pol = find_program("kubenf_pol", "selftests/kubenf_pol", "KUBENF_POL")
        for n in st.d["nodes"]:
            rs = kp_compile(st, n["name"])
            cfg = {"flags": ["masq-external"],
                   "cluster_cidrs": st.d["cluster_cidrs"],
                   "node_name": n["name"]}
            doc = kp_to_kubenfctl(rs, cfg)
            path = os.path.join(st.dir, "input-%s.kubenfctl.json" % n["name"])
            with open(path, "w") as f:
                json.dump(doc, f, indent=1)
            ns_exec(n["netns"], [kctl, "apply", "--replace", path])
            if self.policies:
                argv = kp_to_kubenf_pol(rs)
                if argv:
                    run([pol, "-n", netns_path(n["netns"]), "-t"] + argv)


def make_programmer(name):
    if name == "agent":
        return AgentProgrammer()
    if name == "direct":
        return DirectProgrammer(True)
    if name == "kubenfctl":
        return DirectProgrammer(False)
    return Programmer()


def choose_programmer(want, have_kubenf, scratch_ns, skip_agent=None):
    """The best way to program kubenf here: (name, note). The agent is
    taken on trust when it has --from-file; if it exits at once (the stub
    that came before it did), up falls back (skip_agent says why)."""
    if want == "none" or not have_kubenf:
        if want not in ("none", "auto"):
            raise Error("--programmer %s needs kubenf.ko" % want)
        return "none", "kubenf is not loaded" if not have_kubenf else ""
    note = ""
    if want in ("auto", "agent"):
        agent, text = agent_help()
        if agent and "--from-file" in text and not skip_agent:
            return "agent", ""
        if want == "agent":
            raise Error("kubenf-agent cannot be used: %s" % (
                skip_agent or "it has no --from-file"))
        note = skip_agent or "kubenf-agent has no --from-file"
    have_kpc = find_program("kp-compile", "policy/kp-compile", "KP_COMPILE")
    have_ctl = find_program("kubenfctl", "userspace/kubenfctl")
    if want in ("auto", "direct") and have_kpc and have_ctl and \
            kernel_has_policy(scratch_ns):
        return "direct", note
    if want == "direct":
        raise Error("--programmer direct needs kp-compile, kubenfctl, "
                    "kubenf_pol and a kernel with policy commands")
    if have_kpc and have_ctl:
        return "kubenfctl", note
    raise Error("no way to program kubenf: build kp-compile and kubenfctl")


# ---------------------------------------------------------------------------
# Bringing the cluster up and down

def probe_bin():
    b = find_program("kn-probe", "cluster/kn-probe", "KN_PROBE")
    if b and os.path.getmtime(b) >= os.path.getmtime(
            os.path.join(HERE, "probe.c")):
        return b
    # Missing or stale (the VM sees the tree read-only): build a private one.
    out = os.path.join(STATE_ROOT, ".build")
    os.makedirs(out, exist_ok=True)
    b2 = os.path.join(out, "kn-probe")
    if not (os.path.exists(b2) and os.path.getmtime(b2) >=
            os.path.getmtime(os.path.join(HERE, "probe.c"))):
        log("building kn-probe into %s" % out)
        run(["make", "-s", "-C", HERE, "BUILD=" + out, out + "/kn-probe"])
    return b2


def input_write(st):
    """Write the agents' input (generation + 1); returns the generation."""
    gen = st.d.get("generation", 0) + 1
    st.d["generation"] = gen
    doc = agent_input(st.objects, gen)
    os.makedirs(os.path.join(st.dir, "input"), exist_ok=True)
    write_atomic(os.path.join(st.dir, "input", "cluster.json"),
                 json.dumps(doc, indent=1) + "\n")
    return gen


def sync(st):
    """Make the kernels hold the current objects."""
    ext_routes(st)
    gen = input_write(st)
    prog = make_programmer(st.d["programmer"])
    t0 = time.monotonic()
    prog.apply(st, gen)
    log("generation %d in the kernels after %.2f s" %
        (gen, time.monotonic() - t0))
    st.save()


def ext_routes(st):
    """The outside client reaches external and load-balancer IPs through
    the first node (an upstream router's choice)."""
    world = st.world()
    n1 = st.d["nodes"][0]
    want = set()
    for s in world.services:
        spec = s.get("spec") or {}
        ips = list(spec.get("externalIPs") or [])
        for ing in ((s.get("status") or {}).get("loadBalancer") or {}).get(
                "ingress") or []:
            if ing.get("ip"):
                ips.append(ing["ip"])
        for ip in ips:
            v = ipaddress.ip_address(ip).version
            if n1.get("ip%d" % v):
                want.add((ip, n1["ip%d" % v]))
    have = set(tuple(x) for x in st.d.get("ext_routes") or [])
    lines = ["route replace %s via %s" % r for r in sorted(want - have)]
    lines += ["route del %s" % r[0] for r in sorted(have - want)]
    if lines:
        ip_batch(st.d["ext"]["netns"], lines)
    st.d["ext_routes"] = sorted(want)


_t_phase = [None, None]


def phase(name):
    """Log how long the previous phase of `up` took."""
    now = time.monotonic()
    if _t_phase[0]:
        log("up: %s took %.2f s" % (_t_phase[0], now - _t_phase[1]))
    _t_phase[:] = [name, now]


def cmd_up(args):
    st = State(args.name)
    if st.exists() or any(os.path.exists(netns_path(args.prefix + s))
                          for s in ("-underlay", "-ext")):
        if not args.force:
            raise Error("cluster %r exists (or its namespaces do): "
                        "`%s down` first, or --force" % (args.name, ME))
        down(args.name, args.prefix, quiet=True)
    if os.geteuid() != 0:
        raise Error("up needs root")
    t_start = time.monotonic()
    objs = load_manifests(args.manifests)
    objs, nodes = complete(objs, args)
    os.makedirs(os.path.join(st.dir, "logs"), exist_ok=True)
    world = World(objs)
    pre = args.prefix
    st.d = {"name": args.name, "prefix": pre, "pod_network": args.pod_network,
            "family": str(args.family), "nodes": [], "pods": {},
            "generation": 0, "sport": 20000,
            "underlay": pre + "-underlay",
            "ext": {"netns": pre + "-ext", "ip4": DEFAULTS["ext4"],
                    "ip6": DEFAULTS["ext6"], "extra4": "203.0.113.10"},
            "programmer": "none", "created": time.time()}
    cidrs = args.cluster_cidr or []
    if not cidrs:
        cidrs = [DEFAULTS["cluster4"]]
        if str(args.family) != "4":
            cidrs.append(DEFAULTS["cluster6"])
    for n in nodes:
        for v in (4, 6):
            c = n.get("cidr%d" % v)
            if c and not any(ipaddress.ip_network(c).version ==
                             ipaddress.ip_network(x).version and
                             ipaddress.ip_network(c).subnet_of(
                                 ipaddress.ip_network(x)) for x in cidrs):
                cidrs.append(c)
    st.d["cluster_cidrs"] = cidrs
    st.d["external_ip_cidrs"] = getattr(args, "external_ip_cidr", None) or \
        DEFAULTS["external_ip_cidrs"]
    for n in nodes:
        n["netns"] = "%s-%s" % (pre, ns_sanitize(n["name"]))
        st.d["nodes"].append(n)
    by_node = {n["name"]: n for n in nodes}
    pods = [p for p in world.pods if p.running and p.ips and
            not p.host_network]
    for i, p in enumerate(pods, 1):
        st.d["pods"][p.key] = {
            "netns": "%s-p-%s-%s" % (pre, ns_sanitize(p.ns),
                                     ns_sanitize(p.name)),
            "node": p.node, "ips": p.ips, "veth": "kp%d" % i}
    st.objects = objs
    st.save()

    # --- namespaces
    phase('namespaces')
    all_ns = [st.d["underlay"], st.d["ext"]["netns"]] + \
        [n["netns"] for n in nodes] + [q["netns"] for q in
                                       st.d["pods"].values()]
    ip_batch(None, ["netns add " + n for n in all_ns])
    have_sctp()   # loads sctp: its sysctls below
    for ns in all_ns:
        # SCTP retransmits its INIT after 3 s by default: a probe waits 1 s
        sysctls(ns, [("net.sctp.rto_initial", 200),
                     ("net.sctp.rto_min", 100),
                     ("net.ipv6.conf.all.accept_dad", 0),
                     ("net.ipv6.conf.default.accept_dad", 0),
                     ("net.ipv6.conf.default.router_solicitations", 0),
                     ("net.ipv4.conf.all.rp_filter", 0),
                     ("net.ipv4.conf.default.rp_filter", 0)])
    for n in nodes:
        sysctls(n["netns"], [("net.ipv4.ip_forward", 1),
                             ("net.ipv6.conf.all.forwarding", 1)])
    bridged = args.pod_network == "bridged"
    if bridged:
        run(["modprobe", "-q", "br_netfilter"], check=False)

    # --- underlay
    phase('underlay')
    lines = ["link set lo up", "link add br0 type bridge",
             "link set br0 type bridge mcast_snooping 0", "link set br0 up"]
    for n in nodes:
        lines += ["link add n%d type veth peer name eth0 netns %s" %
                  (n["index"], n["netns"]),
                  "link set n%d master br0 up" % n["index"]]
    lines += ["link add ext0 type veth peer name eth0 netns %s" %
              st.d["ext"]["netns"], "link set ext0 master br0 up"]
    ip_batch(st.d["underlay"], lines)
    u4 = ipaddress.ip_network(DEFAULTS["underlay4"])
    u6 = ipaddress.ip_network(DEFAULTS["underlay6"])

    def ul_addr(ip):
        a = ipaddress.ip_address(ip)
        net = u4 if a.version == 4 else u6
        return "%s/%d" % (ip, net.prefixlen if a in net else a.max_prefixlen)

    underlay_ips = [n[k] for n in nodes for k in ("ip4", "ip6") if n.get(k)]
    underlay_ips += [st.d["ext"]["ip4"], st.d["ext"]["ip6"]]

    def onlink_routes(own):
        # Host routes to the underlay members that are not in a subnet of
        # ours (a dump's Node IPs): they are on the same bridge all the same.
        out = []
        for ip in underlay_ips:
            a = ipaddress.ip_address(ip)
            net = u4 if a.version == 4 else u6
            if ip in own:
                continue
            if a in net and any(o and ipaddress.ip_address(o) in net
                                for o in own):
                continue
            out.append("route add %s dev eth0" % ip)
        return out

    # --- nodes
    phase('nodes')
    for n in nodes:
        own = [n.get("ip4"), n.get("ip6")]
        lines = ["link set lo up"]
        lines += ["addr add %s dev eth0%s" % (ul_addr(a), " nodad" if ":" in a
                                               else "")
                  for a in own if a]
        lines += ["link set eth0 up"] + onlink_routes(own)
        for m in nodes:
            if m is n:
                continue
            for v in (4, 6):
                if m.get("cidr%d" % v) and n.get("ip%d" % v) and \
                        m.get("ip%d" % v):
                    lines.append("route add %s via %s" % (m["cidr%d" % v],
                                                          m["ip%d" % v]))
        # the outside world (and its 203.0.113.0/24) is behind ext: a
        # default route, as nodes have (a cluster IP needs a route before
        # the NAT of locally sent packets can translate it)
        lines.append("route add default via %s" % st.d["ext"]["ip4"])
        lines.append("route add default via %s" % st.d["ext"]["ip6"])
        gw4 = str(ipaddress.ip_network(n["cidr4"]).network_address + 1)
        gw6 = str(ipaddress.ip_network(n["cidr6"]).network_address + 1) \
            if n.get("cidr6") else None
        n["gw4"], n["gw6"] = gw4, gw6
        if bridged:
            lines += ["link add cbr0 type bridge",
                      "link set cbr0 type bridge mcast_snooping 0",
                      "addr add %s/%d dev cbr0" % (
                          gw4, ipaddress.ip_network(n["cidr4"]).prefixlen)]
            if gw6:
                lines.append("addr add %s/%d dev cbr0 nodad" % (
                    gw6, ipaddress.ip_network(n["cidr6"]).prefixlen))
            lines.append("link set cbr0 up")
        for key, q in st.d["pods"].items():
            if q["node"] != n["name"]:
                continue
            v = q["veth"]
            lines.append("link add %s type veth peer name eth0 netns %s" %
                         (v, q["netns"]))
            if bridged:
                lines += ["link set %s master cbr0" % v,
                          "link set dev %s type bridge_slave hairpin on" % v]
            else:
                lines += ["addr add %s/32 dev %s" % (gw4, v),
                          "addr add fe80::1/64 dev %s nodad" % v]
            lines.append("link set %s up" % v)
            if not bridged:
                for a in q["ips"]:
                    lines.append("route add %s dev %s" % (a, v))
        ip_batch(n["netns"], lines)
        if bridged:
            sysctls(n["netns"], [("net.bridge.bridge-nf-call-iptables", 1),
                                 ("net.bridge.bridge-nf-call-ip6tables", 1)])

    # --- ext: an outside client; pod CIDRs are routed to their nodes, as
    # a router of a host-gw network has them
    lines = ["link set lo up",
             "addr add %s/24 dev eth0" % st.d["ext"]["ip4"],
             "addr add %s/64 dev eth0 nodad" % st.d["ext"]["ip6"],
             "addr add %s/32 dev lo" % st.d["ext"]["extra4"],
             "link set eth0 up"] + onlink_routes([])
    for m in nodes:
        for v in (4, 6):
            if m.get("cidr%d" % v) and m.get("ip%d" % v):
                lines.append("route add %s via %s" % (m["cidr%d" % v],
                                                      m["ip%d" % v]))
    ip_batch(st.d["ext"]["netns"], lines)

    # --- pods
    phase('pods')
    for key, q in st.d["pods"].items():
        n = by_node[q["node"]]
        lines = ["link set lo up"]
        for a in q["ips"]:
            v = ipaddress.ip_address(a).version
            if bridged:
                plen = ipaddress.ip_network(n["cidr%d" % v]).prefixlen
            else:
                plen = 32 if v == 4 else 128
            lines.append("addr add %s/%d dev eth0%s" % (a, plen,
                                                        " nodad" if v == 6
                                                        else ""))
        lines.append("link set eth0 up")
        if bridged:
            lines.append("route add default via %s" % n["gw4"])
            if n["gw6"]:
                lines.append("route add default via %s" % n["gw6"])
        else:
            lines += ["route add %s/32 dev eth0 scope link" % n["gw4"],
                      "route add default via %s dev eth0" % n["gw4"],
                      "route add default via fe80::1 dev eth0"]
        ip_batch(q["netns"], lines)
    st.save()

    # --- probe servers: every declared containerPort
    phase('probe servers')
    pb = probe_bin()
    for p in world.pods:
        if p.key not in st.d["pods"] and not p.host_network:
            continue
        if not p.ports or not p.running:
            continue
        if p.host_network:
            netns = by_node[p.node]["netns"]
        else:
            netns = st.d["pods"][p.key]["netns"]
        specs = sorted({"%s:%d" % (proto.lower(), num)
                        for _, num, proto in p.ports})
        out = run([pb, "serve", "--netns", netns_path(netns), "--name", p.key,
                   "--daemon", "--log", os.path.join(
                       st.dir, "logs", "serve-%s-%s.log" % (p.ns, p.name))]
                  + specs)
        for ln in out.stderr.strip().splitlines():
            if "sctp" in ln and "not supported" in ln:
                if not st.d.get("no_sctp"):
                    warn("no SCTP in this kernel: SCTP ports not served")
                st.d["no_sctp"] = True
            else:
                warn(ln)
        if p.host_network:
            st.d.setdefault("host_servers", {})[p.key] = int(out.stdout)
        else:
            st.d["pods"][p.key]["pid"] = int(out.stdout)
    st.save()

    # --- kubenf and its programmer
    phase('kubenf')
    have = False if args.programmer == "none" else load_kubenf()
    skip_agent = None
    while True:
        pname, note = choose_programmer(args.programmer, have,
                                        st.d["underlay"], skip_agent)
        st.d["programmer"] = pname
        st.d["programmer_note"] = note
        prog = make_programmer(pname)
        st.d["generation"] = 0
        input_write(st)   # the agents start from a complete view
        st.d["generation"] = 0
        phase("agents")
        prog.start(st)
        st.save()
        phase("first sync")
        try:
            sync(st)
            break
        except AgentGone as e:
            prog.stop(st)
            st.d["agents"] = {}
            if args.programmer != "auto":
                raise
            skip_agent = str(e)
            warn("%s: falling back" % e)
    phase(None)
    took = time.monotonic() - t_start
    st.d["up_seconds"] = round(took, 1)
    st.save()
    print("%s: cluster %r up in %.1f s: %d node(s), %d pod(s), %s pod "
          "network; kubenf programmed by %s%s" % (
              ME, args.name, took, len(nodes), len(st.d["pods"]),
              args.pod_network, describe_programmer(pname),
              " (" + note + ")" if note else ""))
    return 0


def describe_programmer(name):
    return {"agent": "kubenf-agent (one per node)",
            "direct": "kp-compile + kubenfctl + kubenf_pol (the stopgap "
                      "for a kubenf-agent that cannot be used)",
            "kubenfctl": "kp-compile + kubenfctl (Services only: no "
                         "NetworkPolicy programmer yet)",
            "none": "nobody (no kubenf: plain connectivity)"}.get(name, name)


def down(name, prefix, quiet=False):
    st = State(name)
    if st.exists():
        st.load()
        prefix = st.d.get("prefix", prefix)
        make_programmer(st.d.get("programmer", "none")).stop(st)
        for q in st.d.get("pods", {}).values():
            if q.get("pid"):
                kill_pid(q["pid"])
        for pid in (st.d.get("host_servers") or {}).values():
            kill_pid(pid)
    names = []
    if os.path.isdir(NETNS_DIR):
        names = [n for n in os.listdir(NETNS_DIR)
                 if n.startswith(prefix + "-")]
    for n in names:
        # whatever still runs in there (agents, servers)
        p = run(["ip", "netns", "pids", n], check=False)
        for pid in p.stdout.split():
            kill_pid(int(pid))
    if names:
        run(["ip", "-force", "-batch", "-"],
            input="".join("netns del %s\n" % n for n in names), check=False)
    if os.path.isdir(st.dir):
        shutil.rmtree(st.dir, ignore_errors=True)
    if not quiet:
        print("%s: cluster %r down (%d namespaces removed)" % (ME, name,
                                                             len(names)))


def cmd_down(args):
    down(args.name, args.prefix)
    return 0


# ---------------------------------------------------------------------------
# Probes

class Src:
    def __init__(self, label, netns, addr4=None, addr6=None, pod=None):
        self.label, self.netns, self.pod = label, netns, pod
        self.addr = {4: addr4, 6: addr6}


def source(st, world, spec):
    """ns/pod, a node name, ext or ext@ADDR."""
    if spec == "ext" or spec.startswith("ext@"):
        e = st.d["ext"]
        if "@" in spec:
            a = spec.split("@", 1)[1]
            v = ipaddress.ip_address(a).version
            return Src(spec, e["netns"], a if v == 4 else None,
                       a if v == 6 else None)
        return Src(spec, e["netns"])
    if "/" in spec:
        q = st.d["pods"].get(spec)
        if not q:
            raise Error("no pod %s with a network namespace here" % spec)
        return Src(spec, q["netns"], pod=world.pod(spec))
    return Src(spec, st.node(spec)["netns"])


class Target:
    def __init__(self, label, proto, port, addr=None, pod=None):
        self.label, self.proto, self.port = label, proto, port
        self.addr, self.pod = addr, pod


def parse_proto_port(s):
    m = re.match(r"^(TCP|UDP|SCTP)/(\d+)$", s, re.I)
    if not m:
        raise Error("want PROTO/PORT (TCP/80), not %r" % s)
    return m.group(1).upper(), int(m.group(2))


def target(st, world, spec, family=4, proto=None):
    """POD:PROTO/PORT, svc:NS/NAME:PROTO/PORT, NODE:PROTO/PORT,
    ip:ADDR:PROTO/PORT ([ADDR] for IPv6); PROTO/ defaults to proto."""
    m = re.match(r"^(.*):((?:(?:TCP|UDP|SCTP)/)?\d+)$", spec, re.I)
    if not m:
        raise Error("bad target %r (want e.g. x/a:TCP/80, svc:x/web:80, "
                    "node-1:TCP/30080, ip:192.0.2.10:TCP/80)" % spec)
    what, pp = m.group(1), m.group(2)
    if "/" not in pp:
        pp = "%s/%s" % (proto or "TCP", pp)
    proto, port = parse_proto_port(pp)
    if what.startswith("svc:"):
        s = world.service(what[4:])
        if not s:
            raise Error("no Service %s" % what[4:])
        ips = cluster_ips(s, family)
        return Target(spec, proto, port, ips[0] if ips else None)
    if what.startswith("ip:"):
        a = what[3:].strip("[]")
        ipaddress.ip_address(a)
        return Target(spec, proto, port, a)
    if "/" in what:
        p = world.pod(what)
        if not p:
            raise Error("no pod %s" % what)
        return Target(spec, proto, port, p.ip(family), pod=p)
    n = st.node(what)
    return Target(spec, proto, port, n.get("ip%d" % family))


def run_jobs(st, jobs, timeout_ms=None):
    """jobs: (Src, Target, family). Returns [(status, reply)] in order; a
    job without an address gets ("none", None) without being run."""
    timeout_ms = timeout_ms or int(os.environ.get("KIND_NETNS_TIMEOUT",
                                                  1000))
    lines, idx = [], []
    for i, (src, tgt, fam) in enumerate(jobs):
        if not tgt.addr:
            continue
        sa = src.addr.get(ipaddress.ip_address(tgt.addr).version)
        lines.append("%d %s %s %s %d%s" % (
            i, netns_path(src.netns), tgt.proto.lower(), tgt.addr, tgt.port,
            " " + sa if sa else ""))
        idx.append(i)
    res = [("none", None)] * len(jobs)
    if not lines:
        return res
    sport = st.next_sport(len(lines))
    t0 = time.monotonic()
    p = run([probe_bin(), "run", "--timeout", str(timeout_ms), "--sport",
             str(sport)], input="\n".join(lines) + "\n")
    slowest = 0
    for line in p.stdout.splitlines():
        f = line.split()
        if len(f) == 2 and f[0] == "next-sport":
            st.d["sport"] = int(f[1])
            continue
        if len(f) >= 4:
            res[int(f[0])] = (f[1], None if f[2] == "-" else f[2])
            if f[1] == "ok":
                slowest = max(slowest, int(f[3]))
    log("%d probes in %.2f s, the slowest answer after %d ms" % (
        len(lines), time.monotonic() - t0, slowest))
    return res


class Table:
    """A truth table as in Kubernetes' NetworkPolicy e2e tests: rows are
    "from", columns "to"; '.' connected, 'X' not, '?' not probed. Cells of
    generic tables may hold other marks (see the scenario format)."""

    def __init__(self, froms, tos):
        self.froms, self.tos = list(froms), list(tos)
        self.v = {}

    def set(self, f, t, val):
        self.v[(f, t)] = val

    def get(self, f, t):
        return self.v.get((f, t))

    @staticmethod
    def mark(val):
        if val is True:
            return "."
        if val is False:
            return "X"
        if val is None:
            return "?"
        return str(val)

    def pretty(self, indent=""):
        lines = [indent + "\t".join(["-"] + self.tos)]
        for f in self.froms:
            lines.append(indent + "\t".join(
                [f] + [self.mark(self.get(f, t)) for t in self.tos]))
        return "\n".join(lines)

    @staticmethod
    def parse(text, what="table"):
        rows = [ln.split() for ln in text.splitlines()
                if ln.strip() and not ln.lstrip().startswith("#")]
        if not rows or rows[0][0] != "-":
            raise Error("%s: a table starts with a '-' header row" % what)
        tos = rows[0][1:]
        t = Table([r[0] for r in rows[1:]], tos)
        for r in rows[1:]:
            if len(r) != len(tos) + 1:
                raise Error("%s: row %s has %d cells, want %d" % (
                    what, r[0], len(r) - 1, len(tos)))
            for to, c in zip(tos, r[1:]):
                t.set(r[0], to, {".": True, "X": False}.get(c, c))
        return t


def compare(expected, observed, ignore_loopback=True):
    """(right, wrong, ignored, comparison table) as upstream's Summary."""
    cmp_t = Table(expected.froms, expected.tos)
    right = wrong = ignored = 0
    for f in expected.froms:
        for t in expected.tos:
            e, o = expected.get(f, t), observed.get(f, t)
            if ignore_loopback and f == t:
                ignored += 1
                cmp_t.set(f, t, e == o)
                continue
            ok = cell_ok(e, o)
            cmp_t.set(f, t, ok)
            if ok:
                right += 1
            else:
                wrong += 1
    return right, wrong, ignored, cmp_t


def cell_ok(e, o):
    if e == "*":
        return True
    return e == o


def matrix(st, world, cases, froms=None, tos=None, timeout_ms=None,
           pods=None):
    """Probe tables: cases are (proto, port, via, family); via is "pod"
    (the pod's address) or "service" (the pod's own Service, as upstream
    probes). Returns {case: Table} and the number of probes."""
    pods = pods or world.model_pods()
    src_pods = [p for p in pods if not froms or
                any(fnmatch.fnmatchcase(p.key, g) for g in froms)]
    dst_pods = [p for p in pods if not tos or
                any(fnmatch.fnmatchcase(p.key, g) for g in tos)]
    jobs, where = [], []
    srcs = {p.key: source(st, world, p.key) for p in src_pods}
    for case in cases:
        proto, port, via, fam = case
        for d in dst_pods:
            if via == "service":
                s = world.pod_service(d, proto, port)
                ips = cluster_ips(s, fam) if s else []
                addr = ips[0] if ips else None
            else:
                addr = d.ip(fam)
            tgt = Target(d.key, proto, port, addr, pod=d)
            for sp in src_pods:
                jobs.append((srcs[sp.key], tgt, fam))
                where.append((case, sp.key, d.key))
    res = run_jobs(st, jobs, timeout_ms)
    tables = {c: Table([p.key for p in src_pods], [p.key for p in dst_pods])
              for c in cases}
    for (case, f, t), (status, reply) in zip(where, res):
        tables[case].set(f, t, None if status == "none" else status == "ok")
    return tables, sum(1 for s, _ in res if s != "none")


def expected_matrix(world, case, froms, tos):
    proto, port, via, fam = case
    t = Table(froms, tos)
    for f in froms:
        for to in tos:
            src, dst = world.pod(f), world.pod(to)
            if via == "service" and not world.pod_service(dst, proto, port):
                t.set(f, to, None)
                continue
            t.set(f, to, predict(world, src, dst, proto, port, fam))
    return t


def case_title(case):
    proto, port, via, fam = case
    return "%s/%d to %s (IPv%d)" % (proto, port,
                                    "pod IPs" if via == "pod" else
                                    "the pods' Services", fam)


def parse_cases(protos, ports, vias, families):
    out = []
    for fam in families:
        for via in vias:
            for proto in protos:
                for port in ports:
                    out.append((proto.upper(), int(port), via, int(fam)))
    return out


def split_list(s):
    return [x for x in re.split(r"[,\s]+", s or "") if x]


def cmd_table(args):
    st = State(args.name).load()
    world = st.world()
    cases = parse_cases(split_list(args.proto), split_list(args.ports),
                        split_list(args.via), split_list(args.probe_family))
    t0 = time.monotonic()
    tables, n = matrix(st, world, cases, split_list(args.src),
                       split_list(args.dst), args.timeout)
    st.save()
    took = time.monotonic() - t0
    bad = 0
    for case in cases:
        obs = tables[case]
        print("%s:" % case_title(case))
        print()
        if not args.expect:
            print(obs.pretty())
            print()
            continue
        exp = expected_matrix(world, case, obs.froms, obs.tos)
        right, wrong, ignored, cmp_t = compare(exp, obs)
        bad += wrong
        print("reachability: correct:%d, incorrect:%d, result=%s" % (
            right, wrong, "true" if wrong == 0 else "false"))
        if wrong:
            print("\nexpected:\n\n%s\n\nobserved:\n\n%s\n\ncomparison:\n\n%s"
                  % (exp.pretty(), obs.pretty(), cmp_t.pretty()))
        else:
            print("\n" + obs.pretty())
        print()
    print("(%d probes in %.1f s; '.' connected, 'X' no connection, '?' "
          "nothing to probe; rows: from, columns: to)" % (n, took))
    return 1 if bad else 0


def cmd_connect(args):
    st = State(args.name).load()
    world = st.world()
    fam = int(args.family)
    src = source(st, world, args.src)
    tgt = target(st, world, args.target, fam, args.proto)
    if not tgt.addr:
        raise Error("%s has no IPv%d address" % (args.target, fam))
    res = run_jobs(st, [(src, tgt, fam)] * args.count, args.timeout)
    st.save()
    hist = {}
    for status, reply in res:
        k = reply if status == "ok" else "(%s)" % status
        hist[k] = hist.get(k, 0) + 1
    print("%s -> %s (%s %s:%d): %d connections" % (
        args.src, args.target, tgt.proto, tgt.addr, tgt.port, args.count))
    for k in sorted(hist, key=lambda k: (k.startswith("("), k)):
        bar = "#" * int(round(40.0 * hist[k] / args.count))
        print("  %-20s %4d  %s" % (k, hist[k], bar))
    return 0 if all(s == "ok" for s, _ in res) else 1


# ---------------------------------------------------------------------------
# Changing the objects

def apply_objects(st, objs):
    """Add or replace objects by kind, namespace and name; Pods keep the
    node and addresses `up` gave them (new pods are refused)."""
    apply_objects_list(st, objs)
    allocate_services(st.objects, families_of(st),
                      {p.key: p for p in World(st.objects).pods})


def families_of(st):
    fam = st.d.get("family", "dual")
    return [4, 6] if fam == "dual" else [int(fam)]


def delete_object(st, kind, ref):
    kinds = {k.lower(): k for k in KNOWN_KINDS}
    kinds.update({"netpol": "NetworkPolicy", "networkpolicies":
                  "NetworkPolicy", "svc": "Service", "ns": "Namespace",
                  "networkpolicy": "NetworkPolicy"})
    k = kinds.get(kind.lower().rstrip("s") if kind.lower() not in kinds
                  else kind.lower())
    if not k:
        raise Error("unknown kind %s" % kind)
    if k == "Pod":
        raise Error("deleting pods is not supported")
    ns, name = ref.split("/", 1) if "/" in ref else ("default", ref)
    want = (k, "" if k == "Namespace" else ns, name)
    n = len(st.objects)
    st.objects = [o for o in st.objects if okey(o) != want]
    if len(st.objects) == n:
        raise Error("no %s %s" % (k, ref))


def label_object(st, kind, ref, changes):
    kind = {"pod": "Pod", "pods": "Pod", "po": "Pod", "namespace":
            "Namespace", "ns": "Namespace", "namespaces":
            "Namespace"}.get(kind.lower())
    if not kind:
        raise Error("label: pod or namespace")
    if kind == "Namespace":
        want = ("Namespace", "", ref)
        if not any(okey(o) == want for o in st.objects):
            st.objects.append({"apiVersion": "v1", "kind": "Namespace",
                               "metadata": {"name": ref, "labels": {
                                   NS_LABEL: ref}}})
    else:
        ns, name = ref.split("/", 1)
        want = ("Pod", ns, name)
    for o in st.objects:
        if okey(o) == want:
            labels = o.setdefault("metadata", {}).setdefault("labels", {})
            for c in changes:
                if c.endswith("-") and "=" not in c:
                    labels.pop(c[:-1], None)
                elif "=" in c:
                    k, v = c.split("=", 1)
                    if kind == "Namespace" and k == NS_LABEL:
                        raise Error("%s is immutable" % NS_LABEL)
                    labels[k] = v
                else:
                    raise Error("label: KEY=VALUE or KEY-, not %r" % c)
            return
    raise Error("no %s %s" % (kind, ref))


def cmd_apply(args):
    st = State(args.name).load()
    apply_objects(st, load_manifests(args.manifests))
    sync(st)
    print("%s: applied; input generation %d is in every node's kernel" % (
        ME, st.d["generation"]))
    return 0


def cmd_delete(args):
    st = State(args.name).load()
    if args.all_policies:
        st.objects = [o for o in st.objects
                      if o.get("kind") != "NetworkPolicy"]
    else:
        if not args.kind or not args.ref:
            raise Error("delete KIND NS/NAME, or --all-policies")
        delete_object(st, args.kind, args.ref)
    sync(st)
    print("%s: deleted; input generation %d is in every node's kernel" % (
        ME, st.d["generation"]))
    return 0


def cmd_label(args):
    st = State(args.name).load()
    label_object(st, args.kind, args.ref, args.changes)
    sync(st)
    print("%s: labelled; input generation %d is in every node's kernel" % (
        ME, st.d["generation"]))
    return 0


def cmd_status(args):
    st = State(args.name).load()
    world = st.world()
    d = st.d
    print("cluster %s: %d node(s), %s pod network, programmer: %s" % (
        d["name"], len(d["nodes"]), d["pod_network"],
        describe_programmer(d["programmer"])))
    if d.get("programmer_note"):
        print("  (%s)" % d["programmer_note"])
    print("cluster CIDRs: %s; external IPs allowed in: %s; "
          "input generation %d; state in %s" % (
              ", ".join(d["cluster_cidrs"]),
              ", ".join(d.get("external_ip_cidrs", [])) or "none",
              d.get("generation", 0), st.dir))
    print("ext (outside client, netns %s): %s %s, source %s" % (
        d["ext"]["netns"], d["ext"]["ip4"], d["ext"]["ip6"],
        d["ext"]["extra4"]))
    for n in d["nodes"]:
        agent = (d.get("agents") or {}).get(n["name"])
        print("node %s (netns %s): %s %s, pods %s %s%s" % (
            n["name"], n["netns"], n.get("ip4"), n.get("ip6") or "",
            n.get("cidr4"), n.get("cidr6") or "",
            ", kubenf-agent pid %d (%s)" % (agent, "running" if
                                            pid_alive(agent) else "DEAD")
            if agent else ""))
        width = max([len(p.key) for p in world.pods] + [8])
        for p in world.pods:
            if p.node != n["name"]:
                continue
            q = d["pods"].get(p.key)
            ports = " ".join(sorted("%s/%d" % (pr, num)
                                    for _, num, pr in set(p.ports)))
            labels = ",".join("%s=%s" % kv for kv in sorted(p.labels.items()))
            print("  %-*s %-34s %s  [%s]%s" % (
                width, p.key, " ".join(p.ips), ports, labels,
                "  hostNetwork" if p.host_network else
                ("" if q else "  (not running)")))
    svcs = [s for s in world.services]
    if svcs:
        print("services:")
        for s in sorted(svcs, key=okey):
            spec = s.get("spec") or {}
            ports = " ".join("%s/%s%s" % ((sp.get("protocol") or "TCP"),
                                          sp.get("port"),
                                          ":%s" % sp["nodePort"]
                                          if sp.get("nodePort") else "")
                             for sp in spec.get("ports") or [])
            print("  %-22s %-10s %-28s %s" % (
                "%s/%s" % okey(s)[1:], spec.get("type", "ClusterIP"),
                " ".join(cluster_ips(s)) or "None", ports))
    pols = [o for o in st.objects if o.get("kind") == "NetworkPolicy"]
    print("network policies: %s" % (", ".join("%s/%s" % okey(o)[1:]
                                              for o in pols) or "none"))
    return 0


def cmd_exec(args):
    st = State(args.name).load()
    world = st.world()
    src = source(st, world, args.where)
    os.execvp("ip", ["ip", "netns", "exec", src.netns] + args.cmd)


def cmd_explain(args):
    """kubenfctl explain on the nodes that judge a connection: the source
    pod's (egress) and the destination's (ingress), with addresses looked
    up by name."""
    st = State(args.name).load()
    world = st.world()
    fam = int(args.family)
    src = world.pod(args.src)
    if not src or not src.ip(fam):
        raise Error("no pod %s with an IPv%d address" % (args.src, fam))
    tgt = target(st, world, args.target, fam, args.proto)
    if not tgt.addr:
        raise Error("%s has no IPv%d address" % (args.target, fam))
    nodes = [src.node]
    if tgt.pod and tgt.pod.node not in nodes:
        nodes.append(tgt.pod.node)
    kctl = find_program("kubenfctl", "userspace/kubenfctl")
    rc = 0
    for name in nodes:
        n = st.node(name)
        role = []
        if name == src.node:
            role.append("%s's node: egress" % src.key)
        if tgt.pod and tgt.pod.node == name:
            role.append("%s's node: ingress" % tgt.pod.key)
        print("== %s (%s)" % (name, ", ".join(role)), flush=True)
        cmd = [kctl, "explain", src.ip(fam), tgt.addr, tgt.proto.lower(),
               str(tgt.port)]
        p = subprocess.run(["ip", "netns", "exec", n["netns"]] + cmd)
        rc = rc or p.returncode
    return rc


def cmd_kubenfctl(args):
    st = State(args.name).load()
    kctl = find_program("kubenfctl", "userspace/kubenfctl")
    nodes = st.d["nodes"] if args.node == "all" else [st.node(args.node)]
    rc = 0
    for n in nodes:
        if len(nodes) > 1:
            print("== %s" % n["name"], flush=True)
        p = subprocess.run(["ip", "netns", "exec", n["netns"], kctl] +
                           args.args)
        rc = rc or p.returncode
    return rc


# ---------------------------------------------------------------------------
# Scenarios (see README.md, "Scenario files")

class Step:
    def __init__(self, verb, args, opts, body, line):
        self.verb, self.args, self.opts = verb, args, opts
        self.body, self.line = body, line


class Scenario:
    VERBS = ("apply", "delete", "label", "expect", "probe")

    def __init__(self, path):
        self.path = path
        self.id = os.path.splitext(os.path.basename(path))[0]
        self.head = {}
        self.steps = []
        with open(path) as f:
            text = f.read()
        lines = text.splitlines()
        cur = None
        body = []
        for i, ln in enumerate(lines, 1):
            if ln.startswith("--- "):
                if cur:
                    cur.body = "\n".join(body)
                toks = ln[4:].split()
                if not toks or toks[0] not in self.VERBS:
                    raise Error("%s:%d: unknown step %r" % (path, i, ln))
                args = [t for t in toks[1:] if "=" not in t or
                        toks[0] == "label"]
                opts = dict(t.split("=", 1) for t in toks[1:]
                            if "=" in t and toks[0] != "label")
                cur = Step(toks[0], args, opts, "", i)
                self.steps.append(cur)
                body = []
            elif cur is None:
                s = ln.strip()
                if not s or s.startswith("#"):
                    continue
                if ":" not in s:
                    raise Error("%s:%d: header lines are KEY: VALUE" %
                                (path, i))
                k, v = s.split(":", 1)
                self.head[k.strip()] = v.strip()
            else:
                body.append(ln)
        if cur:
            cur.body = "\n".join(body)
        self.title = self.head.get("title", self.id)
        self.topologies = split_list(self.head.get("topology", "two-nodes"))
        for t in self.topologies:
            if t not in TOPOLOGIES:
                raise Error("%s: unknown topology %s" % (path, t))
        self.needs = set(split_list(self.head.get("needs", "")))
        for s in self.steps:
            if s.verb == "apply" and "NetworkPolicy" in s.body:
                self.needs.add("policy")
            if s.verb == "probe" or "service" in s.opts.get("via", ""):
                self.needs.add("services")
            if s.verb in ("expect", "probe") and "SCTP" in " ".join(s.args) \
                    + s.body.upper():
                self.needs.add("sctp")
        if not any(s.verb in ("expect", "probe") for s in self.steps):
            raise Error("%s: no expect or probe step" % path)
        self.strict_loopback = self.head.get("loopback") == "strict"


def load_scenarios(paths):
    files = []
    for p in paths:
        if os.path.isdir(p):
            files += sorted(os.path.join(p, n) for n in os.listdir(p)
                            if n.endswith(".scn"))
        else:
            files.append(p)
    return [Scenario(f) for f in files]


TOPOLOGIES = {
    # name: options of `up` (besides the manifests)
    "two-nodes": {"nodes": 2, "place": ["*/c=node-2"]},
    "one-node": {"nodes": 1, "place": []},
}


def topology_of(st):
    return "one-node" if len(st.d["nodes"]) == 1 else "two-nodes"


def template(text, world, nodes):
    """{{ip x/a}}, {{ip6 x/a}}, {{nodeip node-1}}, {{nodeip6 node-1}},
    {{cidr node-2}}, {{cidr6 node-2}}: addresses differ by topology."""
    by_name = {n["name"]: n for n in nodes}

    def sub(m):
        fn, arg = m.group(1), m.group(2)
        if fn in ("ip", "ip6"):
            p = world.pod(arg)
            if not p:
                raise Error("template: no pod %s" % arg)
            a = p.ip(6 if fn == "ip6" else 4)
            if not a:
                raise Error("template: %s has no IPv%s address" %
                            (arg, 6 if fn == "ip6" else 4))
            return a
        n = by_name.get(arg)
        if not n:
            raise Error("template: no node %s" % arg)
        return {"nodeip": n.get("ip4"), "nodeip6": n.get("ip6"),
                "cidr": n.get("cidr4"), "cidr6": n.get("cidr6")}[fn] or ""

    return re.sub(r"\{\{\s*(ip|ip6|nodeip|nodeip6|cidr|cidr6)\s+([^}\s]+)"
                  r"\s*\}\}", sub, text)


def step_mutate(st_objects, step, world, nodes, known_pods):
    """Apply a mutating step to a list of objects (returns the new list)."""
    class _S:
        pass
    s = _S()
    s.objects = st_objects
    s.d = {"pods": {k: {} for k in known_pods}}
    if step.verb == "apply":
        objs = load_text_objects(template(step.body, world, nodes),
                                 "line %d" % step.line)
        # apply_objects needs pods' assigned fields: done by caller
        apply_objects_list(s, objs)
    elif step.verb == "delete":
        if step.args == ["all", "NetworkPolicy"] or \
                step.args == ["--all-policies"]:
            s.objects = [o for o in s.objects
                         if o.get("kind") != "NetworkPolicy"]
        elif len(step.args) == 2:
            delete_object(s, step.args[0], step.args[1])
        else:
            raise Error("line %d: delete KIND NS/NAME" % step.line)
    elif step.verb == "label":
        if len(step.args) < 3:
            raise Error("line %d: label pod NS/NAME K=V..." % step.line)
        label_object(s, step.args[0], step.args[1], step.args[2:])
    return s.objects


def apply_objects_list(s, objs):
    idx = {okey(o): i for i, o in enumerate(s.objects)}
    for o in objs:
        k = okey(o)
        if k[0] == "Pod":
            if k not in idx:
                raise Error("pod %s/%s: adding pods is not supported" % k[1:])
            old = s.objects[idx[k]]
            o = copy.deepcopy(o)
            o.setdefault("spec", {})["nodeName"] = old["spec"]["nodeName"]
            o["status"] = old.get("status", {})
        if k[0] == "Namespace":
            o = copy.deepcopy(o)
            o.setdefault("metadata", {}).setdefault("labels", {})[NS_LABEL] \
                = k[2]
        if k in idx:
            s.objects[idx[k]] = o
        else:
            idx[k] = len(s.objects)
            s.objects.append(o)


def dsl_table(expr, froms, tos, what="reachability"):
    """The table a reachability statement describes, in the words of
    upstream's Reachability helpers: a default, then overrides in order.
      .                      everything connected (NewReachability(true))
      from GLOB to GLOB X    ExpectPeer / ExpectAllIngress / ExpectAllEgress
    GLOB: ns/pod patterns (x/a, x/*, */c, *)."""
    t = Table(froms, tos)
    stmts = [x.strip() for x in expr.split(";") if x.strip()]
    if not stmts or stmts[0] not in (".", "X"):
        raise Error("%s: starts with a default, . or X" % what)
    for stmt in stmts:
        if stmt in (".", "X"):
            for f in froms:
                for to in tos:
                    t.set(f, to, stmt == ".")
            continue
        m = re.match(r"^from\s+(\S+)\s+to\s+(\S+)\s+([.X])$", stmt)
        if not m:
            raise Error("%s: bad statement %r" % (what, stmt))
        for f in froms:
            if not fnmatch.fnmatchcase(f, m.group(1)):
                continue
            for to in tos:
                if fnmatch.fnmatchcase(to, m.group(2)):
                    t.set(f, to, m.group(3) == ".")
    return t


def dsl_of(body):
    for ln in body.splitlines():
        m = re.match(r"^\s*#\s*reachability:\s*(.*)$", ln)
        if m:
            return m.group(1)
    return None


def expect_cases(step):
    cases_s = []
    for a in step.args:
        cases_s += split_list(a)
    vias = split_list(step.opts.get("via", "pod"))
    fams = split_list(step.opts.get("family", "4"))
    cases = []
    for fam in fams:
        for via in vias:
            if via not in ("pod", "service"):
                raise Error("line %d: via=pod|service" % step.line)
            for c in cases_s:
                proto, port = parse_proto_port(c)
                cases.append((proto, port, via, int(fam)))
    if not cases:
        raise Error("line %d: expect PROTO/PORT..." % step.line)
    return cases


def run_probe_step(st, world, step, timeout_ms):
    exp = Table.parse(step.body, "line %d" % step.line)
    fam = int(step.opts.get("family", "4"))
    tries = int(step.opts.get("tries", "20"))
    jobs, where = [], []
    for f in exp.froms:
        src = source(st, world, f)
        for t in exp.tos:
            tgt = target(st, world, t, fam)
            e = exp.get(f, t)
            n = tries if isinstance(e, str) and "/" in e else 1
            for _ in range(n):
                jobs.append((src, tgt, fam))
                where.append((f, t))
    res = run_jobs(st, jobs, timeout_ms)
    cells = {}
    for (f, t), r in zip(where, res):
        cells.setdefault((f, t), []).append(r)
    obs = Table(exp.froms, exp.tos)
    for (f, t), rs in cells.items():
        e = exp.get(f, t)
        oks = [r for s, r in rs if s == "ok"]
        if len(oks) == len(rs):
            if isinstance(e, str) and e.startswith("one:") and \
                    len(set(oks)) == 1 and oks[0] in e[4:].split("|"):
                obs.set(f, t, e)     # always the same one of these
            elif isinstance(e, str) and "/" in e:
                obs.set(f, t, "|".join(sorted(set(oks))))
            else:
                obs.set(f, t, True)
        elif not oks:
            sts = {s for s, _ in rs}
            if e in ("R", "T") and sts == {"refused"}:
                obs.set(f, t, "R")
            elif e in ("R", "T") and sts == {"timeout"}:
                obs.set(f, t, "T")
            else:
                obs.set(f, t, False)
        else:
            obs.set(f, t, "~" + "|".join(sorted(set(oks))) + "|X")
    # names in sets are compared as sets
    for k, v in list(exp.v.items()):
        if isinstance(v, str) and "/" in v and not v.startswith("one:"):
            exp.v[k] = "|".join(sorted(set(v.split("|"))))
    return exp, obs, len(jobs)


def run_scenario(st, sc, base, out, timeout_ms, tries):
    """Run one scenario on the cluster; returns (ok, seconds)."""
    t0 = time.monotonic()
    known = list(st.d["pods"])
    st.objects = copy.deepcopy(base)
    dirty = True
    ok = True
    flush_conntrack(st)
    for step in sc.steps:
        world = st.world()
        if step.verb in ("apply", "delete", "label"):
            out("%s %s" % (step.verb, " ".join(step.args)))
            st.objects = step_mutate(st.objects, step, world,
                                     st.d["nodes"], known)
            allocate_services(st.objects, families_of(st),
                              {p.key: p for p in World(st.objects).pods})
            dirty = True
            continue
        if dirty:
            ts = time.monotonic()
            sync(st)
            out("(input generation %d in the kernels after %.1f s)" % (
                st.d["generation"], time.monotonic() - ts))
            dirty = False
        world = st.world()
        for attempt in range(1, tries + 1):
            # a busy VM answers late: later rounds wait longer
            tmo = (timeout_ms or int(os.environ.get("KIND_NETNS_TIMEOUT",
                                                    1000))) * attempt
            if step.verb == "expect":
                cases = expect_cases(step)
                exp = Table.parse(step.body, "%s:%d" % (sc.path, step.line))
                tables, n = matrix(st, world, cases, None, None, tmo,
                                   pods=[world.pod(k) for k in
                                         sorted(set(exp.froms) |
                                                set(exp.tos),
                                                key=lambda k: k)])
                results = []
                for c in cases:
                    obs = tables[c]
                    sub = Table(exp.froms, exp.tos)
                    for f in exp.froms:
                        for t in exp.tos:
                            sub.set(f, t, obs.get(f, t))
                    results.append((case_title(c), exp, sub))
            else:
                exp, obs, n = run_probe_step(st, world, step, tmo)
                results = [("probe (IPv%s)" % step.opts.get("family", "4"),
                            exp, obs)]
            wrong_total = 0
            report = []
            for title, e, o in results:
                right, wrong, ign, cmp_t = compare(
                    e, o, ignore_loopback=(step.verb == "expect" and
                                           not sc.strict_loopback))
                wrong_total += wrong
                report.append((title, e, o, cmp_t, right, wrong))
            if wrong_total == 0 or attempt == tries:
                break
            some = []
            for title, e, o, cmp_t, right, wrong in report:
                for (f, t), ok_ in sorted(cmp_t.v.items()):
                    if not ok_ and f != t and len(some) < 3:
                        some.append("%s -> %s: %s, not %s" % (
                            f, t, Table.mark(o.get(f, t)),
                            Table.mark(e.get(f, t))))
            out("line %d: %d wrong result(s) (%s%s), probing again with "
                "a %d ms timeout" % (step.line, wrong_total, "; ".join(some),
                                     "; ..." if wrong_total > 3 else "",
                                     tmo * (attempt + 1) // attempt))
            time.sleep(1)
        for title, e, o, cmp_t, right, wrong in report:
            out("%s %s: correct:%d, incorrect:%d" % (
                "line %d" % step.line, title, right, wrong))
            if wrong:
                ok = False
                out("expected:\n\n%s\n\nobserved:\n\n%s\n\ncomparison:\n\n%s"
                    "\n" % (e.pretty(), o.pretty(), cmp_t.pretty()))
            elif VERBOSE:
                out("\n" + o.pretty() + "\n")
    return ok, time.monotonic() - t0


def flush_conntrack(st):
    """Forget the nodes' connections, so that a scenario never meets a
    conntrack entry of an earlier one (probe source ports wrap after about
    40000 probes, and old SCTP entries can outlive that)."""
    ct = shutil.which("conntrack")
    if not ct:
        return
    for n in st.d["nodes"]:
        ns_exec(n["netns"], [ct, "-F"], check=False)


def skip_reason(sc, st):
    prog = make_programmer(st.d["programmer"])
    if "policy" in sc.needs and not prog.policies:
        return "NetworkPolicy cannot be programmed yet: %s" % (
            st.d.get("programmer_note") or describe_programmer(prog.name))
    if "services" in sc.needs and not prog.services:
        return "no kubenf to program Services"
    if "sctp" in sc.needs and not have_sctp():
        return "no SCTP in this kernel"
    if topology_of(st) not in sc.topologies:
        return "runs on %s" % ",".join(sc.topologies)
    return None


_sctp = None


def have_sctp():
    global _sctp
    if _sctp is None:
        run(["modprobe", "-q", "sctp"], check=False)
        try:
            import socket
            socket.socket(socket.AF_INET, socket.SOCK_STREAM, 132).close()
            _sctp = True
        except OSError:
            _sctp = False
    return _sctp


class Tap:
    def __init__(self, tap):
        self.tap = tap
        self.n = 0
        self.fails = 0

    def plan(self, n):
        if self.tap:
            print("TAP version 13\n1..%d" % n, flush=True)

    def diag(self, msg):
        for ln in str(msg).splitlines() or [""]:
            print(("# " if self.tap else "  ") + ln, flush=True)

    def result(self, name, ok, skip=None, extra=""):
        self.n += 1
        if not ok and not skip:
            self.fails += 1
        if self.tap:
            print("%s %d - %s%s%s" % ("ok" if ok or skip else "not ok",
                                      self.n, name,
                                      " # SKIP " + skip if skip else "",
                                      extra), flush=True)
        else:
            print("%s: %s%s%s" % ("SKIP" if skip else "PASS" if ok else
                                  "FAIL", name, " (" + skip + ")" if skip
                                  else "", extra), flush=True)


def run_scenarios(st, scs, tap, timeout_ms, tries, only_topology=True,
                  deadline=None):
    base = load_base(st)
    topo = topology_of(st)
    for sc in scs:
        if only_topology and topo not in sc.topologies:
            continue
        name = "%s: %s" % (topo, sc.id)
        why = skip_reason(sc, st)
        if not why and deadline and time.monotonic() > deadline:
            why = "the time budget is spent (--budget)"
        if why:
            tap.result(name, True, skip=why)
            continue
        tap.diag("%s -- %s" % (sc.id, sc.title))
        try:
            ok, secs = run_scenario(st, sc, base, tap.diag, timeout_ms, tries)
        except Error as e:
            tap.diag("error: %s" % e)
            ok, secs = False, 0
        tap.result(name, ok, extra=" (%.1f s)" % secs)
    st.objects = copy.deepcopy(base)
    sync(st)
    st.save()


def load_base(st):
    with open(os.path.join(st.dir, "base.json")) as f:
        return json.load(f)["items"]


def save_base(st):
    write_atomic(os.path.join(st.dir, "base.json"),
                 json.dumps({"apiVersion": "v1", "kind": "List",
                             "items": st.objects}, indent=1) + "\n")


def cmd_scenario(args):
    st = State(args.name).load()
    if not os.path.exists(os.path.join(st.dir, "base.json")):
        save_base(st)
    scs = load_scenarios(args.files)
    scs = [s for s in scs if not args.only or
           any(fnmatch.fnmatchcase(s.id, g) for g in args.only)]
    tap = Tap(args.tap)
    mine = [s for s in scs if topology_of(st) in s.topologies]
    tap.plan(len(mine))
    run_scenarios(st, mine, tap, args.timeout, args.tries)
    return 1 if tap.fails else 0


def topo_args(topo, family="dual"):
    t = TOPOLOGIES[topo]
    return argparse.Namespace(nodes=t["nodes"], place=list(t["place"]),
                              single_node=None, family=family,
                              pod_services=False)


def lint_scenarios(scs, model_objs):
    """Check scenario files: syntax, names, and every `expect` table
    against what Kubernetes semantics predict (the reference evaluator).
    Returns a list of problems."""
    problems = []
    done = {}
    for sc in scs:
        for topo in sc.topologies:
            if topo not in done:
                done[topo] = complete(model_objs, topo_args(topo))
            objs, nodes = done[topo]
            objs = copy.deepcopy(objs)
            known = [p.key for p in World(objs).pods]
            for step in sc.steps:
                where = "%s:%d (%s)" % (sc.path, step.line, topo)
                world = World(objs, nodes)
                try:
                    if step.verb in ("apply", "delete", "label"):
                        objs = step_mutate(objs, step, world, nodes, known)
                        continue
                    exp = Table.parse(step.body, where)
                    if step.verb == "probe":
                        continue
                    dsl = dsl_of(step.body)
                    if dsl is not None:
                        want = dsl_table(dsl, exp.froms, exp.tos, where)
                        _, wrong, _, cmp_t = compare(
                            want, exp, ignore_loopback=not
                            sc.strict_loopback)
                        if wrong:
                            problems.append(
                                "%s: the table disagrees with its "
                                "reachability line in %d cell(s):\n%s" % (
                                    where, wrong, cmp_t.pretty("  ")))
                    for c in expect_cases(step):
                        for k in exp.froms + exp.tos:
                            if not world.pod(k):
                                raise Error("no pod %s" % k)
                        pred = expected_matrix(world, c, exp.froms, exp.tos)
                        right, wrong, _, cmp_t = compare(
                            exp, pred, ignore_loopback=not
                            sc.strict_loopback)
                        if wrong:
                            problems.append(
                                "%s: %s: the table disagrees with the "
                                "reference evaluator in %d cell(s):\n"
                                "predicted:\n%s\ncomparison:\n%s" % (
                                    where, case_title(c), wrong,
                                    pred.pretty("  "), cmp_t.pretty("  ")))
                except Error as e:
                    problems.append("%s: %s" % (where, e))
    return problems


def fill_tables(path, pods):
    """Rewrite the tables of a scenario file's expect steps from their
    reachability lines (a help for writing scenarios; lint then checks the
    result against the reference evaluator)."""
    with open(path) as f:
        lines = f.read().split("\n")
    out, i, changed = [], 0, 0
    while i < len(lines):
        ln = lines[i]
        out.append(ln)
        i += 1
        if not ln.startswith("--- expect"):
            continue
        body = []
        while i < len(lines) and not lines[i].startswith("--- "):
            body.append(lines[i])
            i += 1
        dsl = dsl_of("\n".join(body))
        if dsl is None:
            out.extend(body)
            continue
        comments = [b for b in body if b.lstrip().startswith("#")]
        rest = [b for b in body if b.strip() and
                not b.lstrip().startswith("#")]
        try:
            old = Table.parse("\n".join(rest), path)
            froms, tos = old.froms, old.tos
        except Error:
            froms = tos = pods
        t = dsl_table(dsl, froms, tos, path)
        out.extend(comments + t.pretty().split("\n") + [""])
        changed += 1
    text = "\n".join(out).rstrip("\n") + "\n"
    with open(path, "w") as f:
        f.write(text)
    return changed


def model_path():
    return os.path.join(HERE, "model.yaml")


def cmd_lint(args):
    model = load_manifests([args.model or model_path()])
    if args.fill:
        objs, _ = complete(model, topo_args("two-nodes"))
        pods = [p.key for p in World(objs).model_pods()]
        for sc in load_scenarios(args.files):
            fill_tables(sc.path, pods)
    scs = load_scenarios(args.files)
    problems = lint_scenarios(scs, model)
    for p in problems:
        print(p)
    n_exp = sum(1 for s in scs for st_ in s.steps if st_.verb == "expect")
    print("%s: %d scenario(s), %d expect step(s), %d problem(s)" % (
        ME, len(scs), n_exp, len(problems)))
    return 1 if problems else 0


def cmd_predict(args):
    objs = load_manifests(args.manifests)
    objs, nodes = complete(objs, args)
    world = World(objs, nodes)
    pods = world.model_pods()
    keys = [p.key for p in pods]
    for c in parse_cases(split_list(args.proto), split_list(args.ports),
                         split_list(args.via), split_list(args.probe_family)):
        print("%s (predicted):\n" % case_title(c))
        print(expected_matrix(world, c, keys, keys).pretty())
        print()
    return 0


def cmd_conformance(args):
    """Bring up each topology with the model cluster, run its scenarios,
    take it down; TAP for the kselftest wrapper."""
    scs = load_scenarios(args.files)
    scs = [s for s in scs if not args.only or
           any(fnmatch.fnmatchcase(s.id, g) for g in args.only)]
    topos = split_list(args.topology)
    model = model_path()
    deadline = time.monotonic() + args.budget if args.budget else None
    pairs = [(t, s) for t in topos for s in scs if t in s.topologies]
    tap = Tap(args.tap)
    tap.plan(len(pairs) + 1)
    problems = lint_scenarios(scs, load_manifests([model]))
    for p in problems:
        tap.diag(p)
    tap.result("scenario tables agree with the reference evaluator "
               "(%d scenarios)" % len(scs), not problems)
    for topo in topos:
        mine = [s for t, s in pairs if t == topo]
        if not mine:
            continue
        t0 = time.monotonic()
        up_args = argparse.Namespace(
            name=args.name, prefix=args.prefix, force=True,
            manifests=[model], pod_network=args.pod_network,
            programmer=args.programmer, cluster_cidr=None, family="dual",
            pod_services=False, single_node=None,
            **{k: v for k, v in TOPOLOGIES[topo].items()})
        try:
            cmd_up(up_args)
        except Error as e:
            tap.diag("%s: bring-up failed: %s" % (topo, e))
            for s in mine:
                tap.result("%s: %s" % (topo, s.id), False)
            down(args.name, args.prefix, quiet=True)
            continue
        st = State(args.name).load()
        save_base(st)
        tap.diag("%s cluster up in %.1f s; kubenf programmed by %s%s" % (
            topo, time.monotonic() - t0, describe_programmer(
                st.d["programmer"]),
            " (" + st.d["programmer_note"] + ")"
            if st.d.get("programmer_note") else ""))
        run_scenarios(st, mine, tap, args.timeout, args.tries,
                      deadline=deadline)
        if not args.keep:
            down(args.name, args.prefix, quiet=True)
    tap.diag("%d failed of %d" % (tap.fails, tap.n))
    return 1 if tap.fails else 0


# ---------------------------------------------------------------------------
# Command line

def main(argv):
    global VERBOSE
    ap = argparse.ArgumentParser(
        prog=ME, description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    ap.add_argument("-v", "--verbose", action="count", default=0)
    ap.add_argument("--name", default=os.environ.get("KIND_NETNS_NAME", "kn"),
                    help="cluster name (state in %s/NAME; default kn)" %
                    STATE_ROOT)
    ap.add_argument("--prefix", default="kn",
                    help="prefix of the network namespace names (kn)")
    sub = ap.add_subparsers(dest="cmd", metavar="COMMAND")

    def add_cluster_opts(p):
        p.add_argument("--nodes", type=int, default=0,
                       help="at least N nodes, node-1..node-N (default: the "
                       "nodes the input names, else 1)")
        p.add_argument("--place", action="append", metavar="GLOB=NODE",
                       help="schedule pods matching NS/NAME glob on NODE "
                       "(e.g. '*/c=node-2'); overrides spec.nodeName")
        p.add_argument("--single-node", metavar="NODE",
                       help="put every pod on NODE")
        p.add_argument("--ip-family", dest="family", default="dual",
                       choices=("4", "6", "dual"),
                       help="address families of pods without addresses "
                       "(dual)")
        p.add_argument("--pod-services", action="store_true",
                       help="give every pod labelled pod=NAME a Service "
                       "s-NS-NAME for its ports (the upstream e2e model)")

    p = sub.add_parser("up", help="bring the cluster up")
    add_cluster_opts(p)
    p.add_argument("--pod-network", default="routed",
                   choices=("routed", "bridged"),
                   help="pods on /32 routes to their node (default) or on a "
                   "node bridge with br_netfilter")
    p.add_argument("--programmer", default="auto",
                   choices=("auto", "agent", "direct", "kubenfctl", "none"),
                   help="who programs kubenf (auto: kubenf-agent when it "
                   "works, else the stopgaps)")
    p.add_argument("--cluster-cidr", action="append",
                   help="cluster CIDR (default 10.244.0.0/16, "
                   "fd00:10:244::/56)")
    p.add_argument("--external-ip-cidr", action="append",
                   help="block Services may claim with externalIPs "
                   "(default %s)" % ", ".join(DEFAULTS["external_ip_cidrs"]))
    p.add_argument("--force", action="store_true",
                   help="take down a cluster of the same name first")
    p.add_argument("manifests", nargs="+", metavar="MANIFEST")
    p.set_defaults(fn=cmd_up)

    p = sub.add_parser("down", help="remove the cluster")
    p.set_defaults(fn=cmd_down)

    def add_table_opts(p):
        p.add_argument("--proto", default="TCP",
                       help="protocols, comma-separated (TCP)")
        p.add_argument("--ports", default="80,81", help="ports (80,81)")
        p.add_argument("--via", default="pod",
                       help="pod (pod IPs), service (each pod's own Service, "
                       "as upstream probes) or both: pod,service")
        p.add_argument("--family", dest="probe_family", default="4",
                       help="4, 6 or 4,6")

    p = sub.add_parser("table", help="probe and print the truth table")
    add_table_opts(p)
    p.add_argument("--from", dest="src", help="source pod globs (ns/pod)")
    p.add_argument("--to", dest="dst", help="destination pod globs")
    p.add_argument("--expect", action="store_true",
                   help="compare with what Kubernetes semantics predict")
    p.add_argument("--timeout", type=int, default=None,
                   help="ms a probe waits for its answer (1000)")
    p.set_defaults(fn=cmd_table)

    p = sub.add_parser("connect", help="N connections, who answered")
    p.add_argument("-n", "--count", type=int, default=20)
    p.add_argument("--proto", default="TCP")
    p.add_argument("--family", default="4")
    p.add_argument("--timeout", type=int, default=None)
    p.add_argument("src", metavar="FROM", help="ns/pod, node name, ext, "
                   "ext@ADDR")
    p.add_argument("target", metavar="TARGET",
                   help="svc:NS/NAME:[PROTO/]PORT, NS/POD:PORT, NODE:PORT, "
                   "ip:ADDR:PORT")
    p.set_defaults(fn=cmd_connect)

    p = sub.add_parser("apply", help="add or replace objects")
    p.add_argument("manifests", nargs="+", metavar="MANIFEST")
    p.set_defaults(fn=cmd_apply)

    p = sub.add_parser("delete", help="delete an object")
    p.add_argument("--all-policies", action="store_true")
    p.add_argument("kind", nargs="?")
    p.add_argument("ref", nargs="?", metavar="NS/NAME")
    p.set_defaults(fn=cmd_delete)

    p = sub.add_parser("label", help="change labels of a pod or namespace")
    p.add_argument("kind", choices=("pod", "namespace", "ns"))
    p.add_argument("ref", metavar="NS/NAME|NAME")
    p.add_argument("changes", nargs="+", metavar="KEY=VALUE|KEY-")
    p.set_defaults(fn=cmd_label)

    p = sub.add_parser("status", help="what is running where")
    p.set_defaults(fn=cmd_status)

    p = sub.add_parser("exec", help="run a command in a namespace")
    p.add_argument("where", metavar="POD|NODE|ext")
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    p.set_defaults(fn=cmd_exec)

    p = sub.add_parser("explain", help="why kubenf allows or drops a "
                       "connection (kubenfctl explain on both nodes)")
    p.add_argument("--proto", default="TCP")
    p.add_argument("--family", default="4")
    p.add_argument("src", metavar="FROM", help="ns/pod")
    p.add_argument("target", metavar="TARGET", help="as for connect")
    p.set_defaults(fn=cmd_explain)

    p = sub.add_parser("kubenfctl", help="kubenfctl in a node (or all)")
    p.add_argument("node", metavar="NODE|all")
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(fn=cmd_kubenfctl)

    def add_scn_opts(p):
        p.add_argument("--tap", action="store_true", help="TAP output")
        p.add_argument("--only", action="append", metavar="GLOB",
                       help="scenarios whose id matches")
        p.add_argument("--timeout", type=int, default=None,
                       help="ms a probe waits (1000)")
        p.add_argument("--tries", type=int, default=int(
            os.environ.get("KIND_NETNS_TRIES", 3)),
            help="probe rounds before a table counts as wrong (3)")
        p.add_argument("files", nargs="+", metavar="FILE|DIR")

    p = sub.add_parser("scenario", help="run scenarios on this cluster")
    add_scn_opts(p)
    p.set_defaults(fn=cmd_scenario)

    p = sub.add_parser("conformance",
                       help="up/scenarios/down for each topology")
    add_scn_opts(p)
    p.add_argument("--topology", default="two-nodes,one-node")
    p.add_argument("--pod-network", default="routed",
                   choices=("routed", "bridged"))
    p.add_argument("--programmer", default="auto",
                   choices=("auto", "agent", "direct", "kubenfctl", "none"))
    p.add_argument("--keep", action="store_true",
                   help="leave the last cluster up")
    p.add_argument("--budget", type=float, default=0, metavar="SECONDS",
                   help="skip the scenarios that would start later than "
                   "this (a harness timeout is worse: it loses the rest)")
    p.set_defaults(fn=cmd_conformance)

    p = sub.add_parser("lint", help="check scenario files")
    p.add_argument("--model", help="base cluster (model.yaml)")
    p.add_argument("--fill", action="store_true",
                   help="first rewrite expect tables from their "
                   "'# reachability:' lines")
    p.add_argument("files", nargs="+", metavar="FILE|DIR")
    p.set_defaults(fn=cmd_lint)

    p = sub.add_parser("predict", help="the predicted truth table")
    add_cluster_opts(p)
    add_table_opts(p)
    p.add_argument("manifests", nargs="+", metavar="MANIFEST")
    p.set_defaults(fn=cmd_predict)

    args = ap.parse_args(argv)
    VERBOSE = args.verbose
    if not args.cmd:
        ap.print_help()
        return 2
    try:
        return args.fn(args)
    except Error as e:
        print("%s: %s" % (ME, e), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


