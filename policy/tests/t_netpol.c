// SPDX-License-Identifier: GPL-2.0
/*
 * NetworkPolicy semantics on the examples cluster (namespaces x, y, z
 * labelled ns=<name>; pods a and b on node-1, c on node-2, labelled
 * pod=<name>, dual-stack, serving serve-{80,81}-{tcp,udp}), compiled for
 * node-1 unless said otherwise.
 */
#include <string.h>

#include "helpers.h"

#define NETPOL(c, ns, name, spec)					\
	tc_add(c, "{'apiVersion':'networking.k8s.io/v1',"		\
	       "'kind':'NetworkPolicy','metadata':{'namespace':'" ns	\
	       "','name':'" name "'},'spec':" spec "}")

#define SET_NS(ns, pod)	"pods ns{kubernetes.io/metadata.name=" ns "} pod{" pod "}"

#define ADDR(v4)	"10.244.1." v4 ",fd00:10:244:1::" v4

/* A single-stack pod with one container and @ports. */
static void pod(struct t_case *c, const char *ns, const char *name,
		const char *node, const char *ip, const char *ports)
{
	tc_add(c, "{'apiVersion':'v1','kind':'Pod','metadata':{'namespace':"
	       "'%s','name':'%s','labels':{'pod':'%s'}},'spec':{'nodeName':"
	       "'%s','containers':[{'name':'c','ports':%s}]},'status':"
	       "{'phase':'Running','podIP':'%s'}}", ns, name, name, node,
	       ports, ip);
}

/* Namespace w: p1 serves http on 8080, p2 on 9090, p3 not at all. */
static void http_pods(struct t_case *c)
{
	pod(c, "w", "p1", "node-1", "10.244.1.61",
	    "[{'name':'http','containerPort':8080}]");
	pod(c, "w", "p2", "node-1", "10.244.1.62",
	    "[{'name':'http','containerPort':9090},"
	    "{'name':'dns','containerPort':53,'protocol':'UDP'}]");
	pod(c, "w", "p3", "node-2", "10.244.2.63",
	    "[{'name':'metrics','containerPort':9100}]");
}

static void isolation(void)
{
	struct t_case c;

	tc_init(&c);
	tc_fixture(&c);
	ok(!c.add_ret && !c.add_errs.n, "the examples cluster loads cleanly");
	tc_compile(&c, "node-1");
	is_int(tc_count(&c, "pod "), 6,
	       "node-1 has 6 local pods (a, b of x, y, z; no hostNetwork)");
	is(tc_line(&c, "pod x/a"), ADDR("11") " flags=- in=[] eg=[]",
	   "without policies a pod is not isolated");
	is_int(tc_count(&c, "pol ") + tc_count(&c, "set "), 0,
	       "without policies there are no policies or peersets");

	NETPOL(&c, "x", "deny", "{'podSelector':{},'policyTypes':['Ingress']}");
	tc_compile(&c, "node-1");
	is(tc_line(&c, "pod x/a"),
	   ADDR("11") " flags=ingress in=[x/deny/ingress] eg=[]",
	   "default deny ingress isolates every pod of x");
	is(tc_line(&c, "pol x/deny/ingress"), "ingress none",
	   "deny-all ingress is a policy without rules");
	is(tc_line(&c, "pod y/a"), ADDR("21") " flags=- in=[] eg=[]",
	   "a policy of x leaves y alone");

	NETPOL(&c, "x", "deny", "{'podSelector':{}}");
	tc_compile(&c, "node-1");
	is(tc_line(&c, "pod x/b"),
	   ADDR("12") " flags=ingress in=[x/deny/ingress] eg=[]",
	   "no policyTypes and no ingress: Ingress by default, deny all");

	NETPOL(&c, "x", "deny", "{'podSelector':{},'ingress':[],'egress':[]}");
	tc_compile(&c, "node-1");
	is(tc_line(&c, "pod x/b"),
	   ADDR("12") " flags=ingress in=[x/deny/ingress] eg=[]",
	   "egress: [] without policyTypes does not isolate egress");

	NETPOL(&c, "x", "deny", "{'podSelector':{'matchLabels':{'pod':'a'}},"
	       "'egress':[{'to':[{'podSelector':{}}]}]}");
	tc_compile(&c, "node-1");
	is(tc_line(&c, "pod x/a"), ADDR("11") " flags=ingress,egress "
	   "in=[x/deny/ingress] eg=[x/deny/egress]",
	   "egress rules without policyTypes add Egress to Ingress");
	is(tc_line(&c, "pol x/deny/egress"),
	   "egress (" SET_NS("x", "") ") *",
	   "egress to a podSelector {} peer of the own namespace");
	is(tc_line(&c, "pod x/b"), ADDR("12") " flags=- in=[] eg=[]",
	   "spec.podSelector picks the isolated pods");

	NETPOL(&c, "x", "deny", "{'podSelector':{},'policyTypes':['Egress']}");
	tc_compile(&c, "node-1");
	is(tc_line(&c, "pod x/a"),
	   ADDR("11") " flags=egress in=[] eg=[x/deny/egress]",
	   "policyTypes [Egress] isolates egress only");
	is(tc_line(&c, "pol x/deny/egress"), "egress none",
	   "default deny egress is a policy without rules");

	NETPOL(&c, "x", "deny", "{'podSelector':{'matchExpressions':[{'key':"
	       "'pod','operator':'NotIn','values':['a']}]}}");
	tc_compile(&c, "node-1");
	ok(!strcmp(tc_line(&c, "pod x/a"), ADDR("11") " flags=- in=[] eg=[]") &&
	   !strcmp(tc_line(&c, "pod x/b"),
		   ADDR("12") " flags=ingress in=[x/deny/ingress] eg=[]"),
	   "spec.podSelector with matchExpressions NotIn");
	tc_free(&c);
}

static void allow_all_and_union(void)
{
	struct t_case c;

	tc_init(&c);
	tc_fixture(&c);
	NETPOL(&c, "x", "deny", "{'podSelector':{},'policyTypes':['Ingress']}");
	NETPOL(&c, "x", "allow", "{'podSelector':{'matchLabels':{'pod':'a'}},"
	       "'ingress':[{}]}");
	NETPOL(&c, "x", "empty", "{'podSelector':{'matchLabels':{'pod':'b'}},"
	       "'ingress':[{'from':[],'ports':[]}]}");
	tc_compile(&c, "node-1");
	is(tc_line(&c, "pol x/allow/ingress"), "ingress (*) *",
	   "ingress: [{}] allows every peer and port");
	is(tc_line(&c, "pol x/empty/ingress"), "ingress (*) *",
	   "from: [] and ports: [] are the same as absent");
	is(tc_line(&c, "pod x/a"),
	   ADDR("11") " flags=ingress in=[x/allow/ingress x/deny/ingress] eg=[]",
	   "policies selecting one pod are a union");
	tc_free(&c);
}

static void peers(void)
{
	struct t_case c;

	tc_init(&c);
	tc_fixture(&c);
	NETPOL(&c, "y", "own", "{'podSelector':{'matchLabels':{'pod':'a'}},"
	       "'ingress':[{'from':[{'podSelector':{'matchLabels':{'pod':'b'}}},"
	       "{'podSelector':{'matchLabels':{'pod':'c'}}}]}]}");
	NETPOL(&c, "y", "allns", "{'podSelector':{'matchLabels':{'pod':'a'}},"
	       "'ingress':[{'from':[{'namespaceSelector':{}}]}]}");
	NETPOL(&c, "y", "and", "{'podSelector':{'matchLabels':{'pod':'a'}},"
	       "'ingress':[{'from':[{'namespaceSelector':{'matchLabels':"
	       "{'ns':'x'}},'podSelector':{'matchLabels':{'pod':'a'}}}]}]}");
	NETPOL(&c, "y", "or", "{'podSelector':{'matchLabels':{'pod':'a'}},"
	       "'ingress':[{'from':[{'namespaceSelector':{'matchLabels':"
	       "{'ns':'x'}}},{'podSelector':{'matchLabels':{'pod':'a'}}}]}]}");
	NETPOL(&c, "y", "notin", "{'podSelector':{'matchLabels':{'pod':'b'}},"
	       "'ingress':[{'from':[{'namespaceSelector':{'matchExpressions':"
	       "[{'key':'ns','operator':'NotIn','values':['x']}]}}]}]}");
	NETPOL(&c, "x", "dup", "{'podSelector':{'matchLabels':{'pod':'a'}},"
	       "'ingress':[{'from':[{'podSelector':{}},{'podSelector':{}}]}]}");
	tc_compile(&c, "node-1");

	is(tc_set_pods(&c, SET_NS("y", "pod=b")), "y/b",
	   "a podSelector peer selects in the policy's namespace");
	is(tc_set_pods(&c, SET_NS("y", "pod=c")), "y/c",
	   "peersets hold pods of other nodes too");
	is(tc_line(&c, "pod y/c"), "(none)",
	   "pods of other nodes are not pod objects");
	is(tc_set_pods(&c, "pods ns{} pod{}"),
	   "x/a x/b x/c y/a y/b y/c z/a z/b z/c",
	   "namespaceSelector {} alone selects every pod of every namespace");
	is(tc_line(&c, "pol y/and/ingress"), "ingress (pods ns{ns=x} pod{pod=a}) *",
	   "namespaceSelector and podSelector in one peer are one peer");
	is(tc_set_pods(&c, "pods ns{ns=x} pod{pod=a}"), "x/a",
	   "... that ANDs the two selectors");
	is(tc_line(&c, "pol y/or/ingress"),
	   "ingress (pods ns{ns=x} pod{} | " SET_NS("y", "pod=a") ") *",
	   "two peers are ORed");
	is(tc_set_pods(&c, "pods ns{ns=x} pod{}"), "x/a x/b x/c",
	   "namespaceSelector alone selects all pods of those namespaces");
	is(tc_set_pods(&c, "pods ns{ns!=x} pod{}"),
	   "y/a y/b y/c z/a z/b z/c", "namespaceSelector NotIn (upstream case)");
	is(tc_line(&c, "pol x/dup/ingress"), "ingress (" SET_NS("x", "") ") *",
	   "the same peer twice in a rule is one peerset reference");
	is(tc_line(&c, "pod y/a"), ADDR("21") " flags=ingress in=[y/allns/ingress "
	   "y/and/ingress y/or/ingress y/own/ingress] eg=[]",
	   "y/a gets each policy that selects it");
	tc_compile(&c, "node-2");
	is(tc_line(&c, "pod y/c"), "10.244.2.23,fd00:10:244:2::23 flags=- in=[] "
	   "eg=[]", "compiled for node-2, y/c is a pod object");
	tc_free(&c);
}

static void namespaces(void)
{
	struct t_case c;

	tc_init(&c);
	tc_fixture(&c);
	/* w has no Namespace object; v claims another metadata.name. */
	pod(&c, "w", "a", "node-2", "10.244.2.41", "[]");
	tc_add(&c, "{'apiVersion':'v1','kind':'Namespace','metadata':{'name':"
	       "'v','labels':{'kubernetes.io/metadata.name':'other','team':"
	       "'blue'}}}");
	pod(&c, "v", "a", "node-2", "10.244.2.51", "[]");
	NETPOL(&c, "x", "p", "{'podSelector':{},'ingress':[{'from':["
	       "{'namespaceSelector':{'matchLabels':{'kubernetes.io/metadata.name'"
	       ":'w'}}},{'namespaceSelector':{'matchLabels':{'team':'blue'}}},"
	       "{'namespaceSelector':{'matchLabels':{'kubernetes.io/metadata.name'"
	       ":'v'}}},{'namespaceSelector':{'matchLabels':{"
	       "'kubernetes.io/metadata.name':'other'}}}]}]}");
	tc_compile(&c, "node-1");
	is(tc_set_pods(&c, "pods ns{kubernetes.io/metadata.name=w} pod{}"),
	   "10.244.2.41/32",
	   "kubernetes.io/metadata.name is there without a Namespace object");
	is(tc_set_pods(&c, "pods ns{team=blue} pod{}"), "10.244.2.51/32",
	   "namespace labels come from the Namespace object");
	is(tc_set_pods(&c, "pods ns{kubernetes.io/metadata.name=v} pod{}"),
	   "10.244.2.51/32", "the automatic label is the namespace's name...");
	is(tc_set_pods(&c, "pods ns{kubernetes.io/metadata.name=other} pod{}"),
	   "empty", "... whatever the object claims");
	tc_free(&c);
}

static void ip_blocks(void)
{
	struct t_case c;

	tc_init(&c);
	tc_fixture(&c);
	NETPOL(&c, "x", "v4", "{'podSelector':{},'ingress':[{'from':[{'ipBlock':"
	       "{'cidr':'172.17.0.0/16','except':['172.17.2.0/24',"
	       "'172.17.1.0/24']}}]}]}");
	NETPOL(&c, "x", "v6", "{'podSelector':{},'egress':[{'to':[{'ipBlock':"
	       "{'cidr':'2001:db8::/32','except':['2001:db8:1::/48']}}]}]}");
	NETPOL(&c, "x", "host", "{'podSelector':{},'ingress':[{'from':[{'ipBlock':"
	       "{'cidr':'192.0.2.7/24'}}]}]}");
	NETPOL(&c, "w", "bad", "{'podSelector':{},'ingress':[{'from':[{'ipBlock':"
	       "{'cidr':'10.1.0.0/16','except':['10.0.0.0/8']}}]}]}");
	NETPOL(&c, "w", "mixed", "{'podSelector':{},'ingress':[{'from':[{'ipBlock':"
	       "{'cidr':'10.0.0.0/8'},'podSelector':{}}]}]}");
	NETPOL(&c, "w", "family", "{'podSelector':{},'ingress':[{'from':[{'ipBlock':"
	       "{'cidr':'10.0.0.0/8','except':['2001:db8::/64']}}]}]}");
	tc_compile(&c, "node-1");
	is(tc_line(&c, "set ip 172.17.0.0/16 except 172.17.1.0/24,172.17.2.0/24"),
	   "172.17.0.0/16-{172.17.1.0/24,172.17.2.0/24}",
	   "ipBlock with except (v4), excepts in canonical order");
	is(tc_line(&c, "set ip 2001:db8::/32 except 2001:db8:1::/48"),
	   "2001:db8::/32-{2001:db8:1::/48}", "ipBlock with except (v6)");
	is(tc_line(&c, "pol x/v6/egress"),
	   "egress (ip 2001:db8::/32 except 2001:db8:1::/48) *",
	   "an egress rule to an ipBlock");
	is(tc_line(&c, "set ip 192.0.2.0/24"), "192.0.2.0/24",
	   "host bits of an ipBlock cidr are cleared, as the API server parses");
	is(tc_errors(&c),
	   "NetworkPolicy w/bad: spec.ingress[0].from[0].ipBlock.except[0]: "
	   "\"10.0.0.0/8\" is not a strict subset of cidr\n"
	   "NetworkPolicy w/family: spec.ingress[0].from[0].ipBlock.except[0]: "
	   "\"2001:db8::/64\" is not a strict subset of cidr\n"
	   "NetworkPolicy w/mixed: spec.ingress[0].from[0]: ipBlock may not be "
	   "combined with a selector",
	   "bad ipBlocks are reported with the field path");
	is(tc_line(&c, "pod y/a"), ADDR("21") " flags=- in=[] eg=[]",
	   "invalid policies of a namespace without local pods change "
	   "nothing, the rest compiles");
	tc_free(&c);
}

/*
 * A policy that does not parse may have meant any pod of its namespace:
 * they are all isolated both ways (nothing allows anything for them),
 * never left open; other namespaces are untouched.
 */
static void unreadable_fails_closed(void)
{
	struct t_case c;

	tc_init(&c);
	tc_fixture(&c);
	NETPOL(&c, "y", "typo", "{'podSelector':{'matchLabels':{'pod':'a'}},"
	       "'policyTypes':['Ingress'],'ingress':[{'from':[{'ipBlock':"
	       "{'cidr':'10.0.0.0/33'}}]}]}");
	tc_compile(&c, "node-1");
	is(tc_errors(&c),
	   "NetworkPolicy y/typo: spec.ingress[0].from[0].ipBlock.cidr: "
	   "invalid CIDR \"10.0.0.0/33\"; failing closed: the 2 pod(s) of "
	   "namespace y on this node are isolated both ways",
	   "the reason and what was done about it, in one line");
	is(tc_line(&c, "pod y/a"), ADDR("21") " flags=ingress,egress in=[] eg=[]",
	   "the pod it selects is isolated both ways with no policy");
	is(tc_line(&c, "pod y/b"), ADDR("22") " flags=ingress,egress in=[] eg=[]",
	   "and so is every other pod of its namespace");
	is(tc_line(&c, "pod z/a"), ADDR("31") " flags=- in=[] eg=[]",
	   "other namespaces are untouched");
	tc_free(&c);
}

static void ports(void)
{
	struct t_case c;

	tc_init(&c);
	tc_fixture(&c);
	NETPOL(&c, "x", "p", "{'podSelector':{'matchLabels':{'pod':'a'}},"
	       "'ingress':[{'ports':[{'port':80},{'protocol':'UDP','port':81},"
	       "{'protocol':'SCTP','port':82},{'protocol':'UDP'},{'port':80,"
	       "'protocol':'TCP'}]},{'ports':[{'port':32000,'endPort':32768}]}]}");
	NETPOL(&c, "w", "end", "{'podSelector':{},'ingress':[{'ports':[{'port':"
	       "'http','endPort':90}]}]}");
	NETPOL(&c, "w", "less", "{'podSelector':{},'ingress':[{'ports':[{'port':"
	       "90,'endPort':80}]}]}");
	NETPOL(&c, "w", "icmp", "{'podSelector':{},'ingress':[{'ports':[{"
	       "'protocol':'ICMP'}]}]}");
	NETPOL(&c, "w", "range", "{'podSelector':{},'ingress':[{'ports':[{'port':"
	       "65536}]}]}");
	NETPOL(&c, "w", "name", "{'podSelector':{},'ingress':[{'ports':[{'port':"
	       "'80'}]}]}");
	tc_compile(&c, "node-1");
	is(tc_line(&c, "pol x/p/ingress"),
	   "ingress (*) TCP/80,UDP/*,UDP/81,SCTP/82 ; (*) TCP/32000-32768",
	   "protocols default to TCP; UDP, SCTP, all ports of a protocol, "
	   "endPort ranges");
	is(tc_errors(&c),
	   "NetworkPolicy w/end: spec.ingress[0].ports[0].endPort: needs a "
	   "numeric port\n"
	   "NetworkPolicy w/icmp: spec.ingress[0].ports[0].protocol: "
	   "unsupported protocol \"ICMP\"\n"
	   "NetworkPolicy w/less: spec.ingress[0].ports[0].endPort: 80 is less "
	   "than port 90\n"
	   "NetworkPolicy w/name: spec.ingress[0].ports[0].port: invalid port "
	   "name \"80\"\n"
	   "NetworkPolicy w/range: spec.ingress[0].ports[0].port: 65536 is out "
	   "of range [1, 65535]",
	   "bad ports are reported: endPort with a name or below port, "
	   "protocol, range, a name that is a number");
	tc_free(&c);
}

static void named_ingress(void)
{
	struct t_case c;

	tc_init(&c);
	tc_fixture(&c);
	http_pods(&c);
	NETPOL(&c, "x", "p", "{'podSelector':{'matchLabels':{'pod':'a'}},"
	       "'ingress':[{'ports':[{'port':'serve-80-tcp'},{'port':80,"
	       "'protocol':'UDP'}]}]}");
	NETPOL(&c, "x", "udp", "{'podSelector':{'matchLabels':{'pod':'b'}},"
	       "'ingress':[{'ports':[{'protocol':'TCP','port':'serve-81-udp'}]}]}");
	NETPOL(&c, "w", "http", "{'podSelector':{},'ingress':[{'from':["
	       "{'podSelector':{}}],'ports':[{'port':'http'}]}]}");
	tc_compile(&c, "node-1");
	is(tc_line(&c, "pol x/p/ingress:serve-80-tcp/TCP=80"),
	   "ingress (*) TCP/80,UDP/80",
	   "a named port resolves on the selected pod's container ports");
	is(tc_line(&c, "pol x/udp/ingress:serve-81-udp/TCP=none"),
	   "ingress none", "a named port with the wrong protocol matches nothing");
	is(tc_line(&c, "pod x/b"), ADDR("12") " flags=ingress in=[x/udp/"
	   "ingress:serve-81-udp/TCP=none] eg=[]", "... and still isolates");
	is(tc_line(&c, "pol w/http/ingress:http/TCP=8080"),
	   "ingress (" SET_NS("w", "") ") TCP/8080",
	   "http is 8080 on w/p1...");
	is(tc_line(&c, "pol w/http/ingress:http/TCP=9090"),
	   "ingress (" SET_NS("w", "") ") TCP/9090",
	   "... and 9090 on w/p2: one policy per resolution");
	is(tc_line(&c, "pod w/p2"), "10.244.1.62 flags=ingress "
	   "in=[w/http/ingress:http/TCP=9090] eg=[]",
	   "each pod gets the policy of its resolution");
	tc_compile(&c, "node-2");
	is(tc_line(&c, "pod w/p3"), "10.244.2.63 flags=ingress "
	   "in=[w/http/ingress:http/TCP=none] eg=[]",
	   "a pod without the named port is isolated with nothing allowed");
	is(tc_line(&c, "pol w/http/ingress:http/TCP=none"), "ingress none",
	   "... by a policy without rules");
	tc_free(&c);
}

static void named_egress(void)
{
	struct t_case c;

	tc_init(&c);
	tc_fixture(&c);
	http_pods(&c);
	NETPOL(&c, "x", "ns", "{'podSelector':{'matchLabels':{'pod':'a'}},"
	       "'egress':[{'to':[{'namespaceSelector':{'matchLabels':{"
	       "'kubernetes.io/metadata.name':'w'}}}],'ports':[{'port':'http'},"
	       "{'port':443},{'port':'http'}]}]}");
	NETPOL(&c, "x", "blk", "{'podSelector':{'matchLabels':{'pod':'b'}},"
	       "'policyTypes':['Egress'],'egress':[{'to':[{'ipBlock':{'cidr':"
	       "'10.244.1.0/24','except':['10.244.1.62/32']}}],'ports':[{'port':"
	       "'http'}]}]}");
	NETPOL(&c, "y", "any", "{'podSelector':{'matchLabels':{'pod':'a'}},"
	       "'policyTypes':['Egress'],'egress':[{'ports':[{'port':'http'},"
	       "{'protocol':'UDP','port':'dns'}]}]}");
	tc_compile(&c, "node-1");
	is(tc_line(&c, "pol x/ns/egress"),
	   "egress (" SET_NS("w", "") ") TCP/443 ; (named(" SET_NS("w", "")
	   ") http/TCP=8080) TCP/8080 ; (named(" SET_NS("w", "")
	   ") http/TCP=9090) TCP/9090",
	   "egress named ports split the peers by the number they resolve to");
	is(tc_line(&c, "set named(" SET_NS("w", "") ") http/TCP=8080"),
	   "10.244.1.61/32", "... each part with the pods serving that number");
	is(tc_line(&c, "pol x/blk/egress"),
	   "egress (named(ip 10.244.1.0/24 except 10.244.1.62/32) http/TCP=8080)"
	   " TCP/8080", "an ipBlock peer resolves on the pods inside the block");
	is(tc_line(&c, "pol y/any/egress"),
	   "egress (named(*) http/TCP=8080) TCP/8080 ; (named(*) http/TCP=9090)"
	   " TCP/9090 ; (named(*) dns/UDP=53) UDP/53",
	   "a rule without peers resolves on every pod");
	is(tc_line(&c, "set named(*) dns/UDP=53"), "10.244.1.62/32",
	   "... and only the pods serving the name are reachable");
	tc_free(&c);
}

static void pod_filters(void)
{
	struct t_case c;

	tc_init(&c);
	tc_fixture(&c);
	tc_add(&c, "{'apiVersion':'v1','kind':'Pod','metadata':{'namespace':"
	       "'x','name':'pending','labels':{'pod':'a'}},'spec':{'nodeName':"
	       "'node-1'},'status':{'phase':'Pending'}}");
	tc_add(&c, "{'apiVersion':'v1','kind':'Pod','metadata':{'namespace':"
	       "'x','name':'done','labels':{'pod':'a'}},'spec':{'nodeName':"
	       "'node-1'},'status':{'phase':'Succeeded','podIP':'10.244.1.99'}}");
	tc_add(&c, "{'apiVersion':'v1','kind':'Pod','metadata':{'namespace':"
	       "'x','name':'failed','labels':{'pod':'a'}},'spec':{'nodeName':"
	       "'node-1'},'status':{'phase':'Failed','podIPs':[{'ip':"
	       "'10.244.1.98'}]}}");
	NETPOL(&c, "x", "p", "{'podSelector':{},'ingress':[{'from':["
	       "{'namespaceSelector':{}}]}]}");
	NETPOL(&c, "z", "p", "{'podSelector':{},'ingress':[{'from':["
	       "{'podSelector':{}}]}]}");
	tc_compile(&c, "node-1");
	is(tc_set_pods(&c, "pods ns{} pod{}"),
	   "x/a x/b x/c y/a y/b y/c z/a z/b z/c",
	   "pods without IP, Succeeded or Failed, and hostNetwork pods are "
	   "not peers");
	ok(!strcmp(tc_line(&c, "pod x/pending"), "(none)") &&
	   !strcmp(tc_line(&c, "pod x/done"), "(none)") &&
	   !strcmp(tc_line(&c, "pod x/failed"), "(none)"),
	   "they are not pod objects either");
	is(tc_line(&c, "pod z/node-exporter-n1"), "(none)",
	   "a hostNetwork pod is node traffic, not a policy pod");
	is(tc_set_pods(&c, SET_NS("z", "")), "z/a z/b z/c",
	   "a podSelector {} peer leaves out hostNetwork pods");
	tc_free(&c);
}

static void sharing(void)
{
	struct t_case c;

	tc_init(&c);
	tc_fixture(&c);
	NETPOL(&c, "x", "p", "{'podSelector':{},'ingress':[{'from':["
	       "{'namespaceSelector':{'matchLabels':{'ns':'z'}}}]}]}");
	NETPOL(&c, "y", "p", "{'podSelector':{},'egress':[{'to':["
	       "{'namespaceSelector':{'matchExpressions':[{'key':'ns',"
	       "'operator':'In','values':['z']}]}}]}]}");
	NETPOL(&c, "x", "remote", "{'podSelector':{'matchLabels':{'pod':'c'}},"
	       "'ingress':[{'from':[{'podSelector':{'matchLabels':{'pod':'q'}}}]"
	       "}]}");
	tc_compile(&c, "node-1");
	is_int(tc_count(&c, "set "), 1,
	       "equal selectors in two policies share one peerset");
	is(tc_line(&c, "pol x/remote/ingress"), "(none)",
	   "a policy that selects no local pod is not emitted");
	tc_compile(&c, "node-2");
	is(tc_line(&c, "pol x/remote/ingress"),
	   "ingress (" SET_NS("x", "pod=q") ") *",
	   "... but is where it does");
	is(tc_line(&c, "set " SET_NS("x", "pod=q")), "empty",
	   "a selector that matches no pod is an empty peerset, not 'any'");
	tc_free(&c);
}

void t_netpol(void)
{
	isolation();
	allow_all_and_union();
	peers();
	namespaces();
	ip_blocks();
	unreadable_fails_closed();
	ports();
	named_ingress();
	named_egress();
	pod_filters();
	sharing();
}
