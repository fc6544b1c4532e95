// SPDX-License-Identifier: GPL-2.0
/* Services and EndpointSlices, compiled for node n1. */
#include <string.h>

#include "helpers.h"

#define SVC(c, ns, name, rest)						\
	tc_add(c, "{'apiVersion':'v1','kind':'Service','metadata':"	\
	       "{'namespace':'" ns "','name':'" name "'}," rest "}")

#define EPS(c, ns, name, svc, type, ports, eps)				\
	tc_add(c, "{'apiVersion':'discovery.k8s.io/v1','kind':"		\
	       "'EndpointSlice','metadata':{'namespace':'" ns "','name':'"	\
	       name "','labels':{'kubernetes.io/service-name':'" svc "'}},"	\
	       "'addressType':'" type "','ports':" ports ",'endpoints':"	\
	       eps "}")

#define HTTP_8080	"[{'name':'http','protocol':'TCP','port':8080}]"

static void cluster_ip(void)
{
	struct t_case c;

	tc_init(&c);
	SVC(&c, "a", "s1", "'spec':{'clusterIP':'10.96.0.1','clusterIPs':["
	    "'10.96.0.1','fd00::1'],'ports':[{'name':'http','port':80,"
	    "'targetPort':'web'}]}");
	EPS(&c, "a", "s1-v4", "s1", "IPv4", HTTP_8080,
	    "[{'addresses':['10.0.0.1'],'nodeName':'n1'},"
	    "{'addresses':['10.0.0.2'],'nodeName':'n2','conditions':{"
	    "'ready':false,'serving':true,'terminating':true}},"
	    "{'addresses':['10.0.0.3'],'conditions':{'ready':false,"
	    "'serving':false,'terminating':false}},"
	    "{'addresses':['10.0.0.4'],'conditions':{'ready':null}}]");
	EPS(&c, "a", "s1-v6", "s1", "IPv6",
	    "[{'name':'http','protocol':'TCP','port':8081}]",
	    "[{'addresses':['fd00::a'],'nodeName':'n1'}]");
	tc_compile(&c, "n1");
	is(tc_line(&c, "svc a/s1/http"),
	   "fe=[cluster-ip 10.96.0.1 TCP/80, cluster-ip fd00::1 TCP/80] "
	   "be=[10.0.0.1:8080 RSL, 10.0.0.2:8080 ST, 10.0.0.3:8080 -, "
	   "10.0.0.4:8080 RS, fd00::a:8081 RSL] flags=- aff=0 src=[]",
	   "dual-stack ClusterIP; target ports per slice; conditions "
	   "ready/serving/terminating (nil: ready, serving); LOCAL by node");
	tc_free(&c);
}

static void node_port_and_external(void)
{
	struct t_case c;

	tc_init(&c);
	SVC(&c, "a", "np", "'spec':{'type':'NodePort','clusterIPs':["
	    "'10.96.0.2','fd00::2'],'ports':[{'name':'http','port':80,"
	    "'nodePort':30080},{'name':'dns','protocol':'UDP','port':53,"
	    "'nodePort':30053},{'name':'sctp','protocol':'SCTP','port':9,"
	    "'nodePort':30009}],'externalIPs':['192.0.2.1','2001:db8::1'],"
	    "'externalTrafficPolicy':'Local','internalTrafficPolicy':'Local'}");
	SVC(&c, "a", "cip", "'spec':{'clusterIP':'10.96.0.3','ports':[{"
	    "'port':80,'nodePort':30081}],'externalTrafficPolicy':'Local'}");
	SVC(&c, "a", "ext", "'spec':{'clusterIP':'10.96.0.4','ports':[{"
	    "'port':80}],'externalIPs':['192.0.2.4'],"
	    "'externalTrafficPolicy':'Local'}");
	tc_allow_external_ips(&c, "192.0.2.0/24 2001:db8::/32");
	tc_compile(&c, "n1");
	is(tc_line(&c, "svc a/np/http"),
	   "fe=[cluster-ip 10.96.0.2 TCP/80, cluster-ip fd00::2 TCP/80, "
	   "node-port ipv4 TCP/30080, node-port ipv6 TCP/30080, external-ip "
	   "192.0.2.1 TCP/80, external-ip 2001:db8::1 TCP/80] be=[] "
	   "flags=internal-local,external-local aff=0 src=[]",
	   "NodePort per family, externalIPs, traffic policies Local; no "
	   "endpoints is an empty backend list");
	is(tc_line(&c, "svc a/np/dns"),
	   "fe=[cluster-ip 10.96.0.2 UDP/53, cluster-ip fd00::2 UDP/53, "
	   "node-port ipv4 UDP/30053, node-port ipv6 UDP/30053, external-ip "
	   "192.0.2.1 UDP/53, external-ip 2001:db8::1 UDP/53] be=[] "
	   "flags=internal-local,external-local aff=0 src=[]",
	   "one service per port: UDP");
	is(tc_line(&c, "svc a/np/sctp"),
	   "fe=[cluster-ip 10.96.0.2 SCTP/9, cluster-ip fd00::2 SCTP/9, "
	   "node-port ipv4 SCTP/30009, node-port ipv6 SCTP/30009, external-ip "
	   "192.0.2.1 SCTP/9, external-ip 2001:db8::1 SCTP/9] be=[] "
	   "flags=internal-local,external-local aff=0 src=[]",
	   "one service per port: SCTP");
	is(tc_line(&c, "svc a/cip/80"),
	   "fe=[cluster-ip 10.96.0.3 TCP/80] be=[] flags=- aff=0 src=[]",
	   "an unnamed port is named by number; a ClusterIP Service has no "
	   "node port and ignores externalTrafficPolicy");
	is(tc_line(&c, "svc a/ext/80"),
	   "fe=[cluster-ip 10.96.0.4 TCP/80, external-ip 192.0.2.4 TCP/80] "
	   "be=[] flags=external-local aff=0 src=[]",
	   "externalTrafficPolicy counts for a ClusterIP with externalIPs");
	tc_free(&c);
}

/*
 * CVE-2020-8554: whoever may create a Service could claim any address with
 * spec.externalIPs. Only the blocks the operator allows are honoured.
 */
static void external_ip_allow_list(void)
{
	struct t_case c;

	tc_init(&c);
	SVC(&c, "t", "claim", "'spec':{'clusterIP':'10.96.0.7','ports':[{"
	    "'name':'http','port':80},{'name':'alt','port':81}],"
	    "'externalIPs':['192.0.2.1','198.51.100.1','2001:db8::1']}");
	tc_compile(&c, "n1");
	is(tc_line(&c, "svc t/claim/http"),
	   "fe=[cluster-ip 10.96.0.7 TCP/80] be=[] flags=- aff=0 src=[]",
	   "no external IP is honoured by default");
	is(tc_errors(&c),
	   "Service t/claim: spec.externalIPs[0]: 192.0.2.1 is not in an "
	   "allowed external IP block; ignored\n"
	   "Service t/claim: spec.externalIPs[1]: 198.51.100.1 is not in an "
	   "allowed external IP block; ignored\n"
	   "Service t/claim: spec.externalIPs[2]: 2001:db8::1 is not in an "
	   "allowed external IP block; ignored",
	   "each one left out is reported once per Service, not per port");
	tc_allow_external_ips(&c, "192.0.2.0/28 2001:db8::/64");
	tc_compile(&c, "n1");
	is(tc_line(&c, "svc t/claim/alt"),
	   "fe=[cluster-ip 10.96.0.7 TCP/81, external-ip 192.0.2.1 TCP/81, "
	   "external-ip 2001:db8::1 TCP/81] be=[] flags=- aff=0 src=[]",
	   "addresses inside the allowed blocks are honoured, v4 and v6");
	is(tc_errors(&c),
	   "Service t/claim: spec.externalIPs[1]: 198.51.100.1 is not in an "
	   "allowed external IP block; ignored",
	   "the one outside is still left out");
	tc_free(&c);
}

static void load_balancer(void)
{
	struct t_case c;

	tc_init(&c);
	SVC(&c, "a", "lb", "'spec':{'type':'LoadBalancer','clusterIP':"
	    "'10.96.0.5','ports':[{'name':'https','port':443,'nodePort':"
	    "31443}],'loadBalancerSourceRanges':[' 203.0.113.0/24 ',"
	    "'198.51.100.7/32'],'sessionAffinity':'ClientIP'},"
	    "'status':{'loadBalancer':{'ingress':[{'ip':'198.51.100.10'},"
	    "{'ip':'198.51.100.11','ipMode':'Proxy'},{'hostname':"
	    "'lb.example.com'},{'ip':'198.51.100.12','ipMode':'VIP'}]}}");
	SVC(&c, "a", "aff", "'spec':{'clusterIP':'10.96.0.6','ports':[{"
	    "'port':80}],'sessionAffinity':'ClientIP','sessionAffinityConfig':"
	    "{'clientIP':{'timeoutSeconds':60}},'loadBalancerSourceRanges':["
	    "'10.0.0.0/8']}");
	SVC(&c, "a", "none", "'spec':{'clusterIP':'10.96.0.7','ports':[{"
	    "'port':80}],'sessionAffinity':'None','sessionAffinityConfig':"
	    "{'clientIP':{'timeoutSeconds':60}}}");
	tc_compile(&c, "n1");
	is(tc_line(&c, "svc a/lb/https"),
	   "fe=[cluster-ip 10.96.0.5 TCP/443, node-port ipv4 TCP/31443, "
	   "load-balancer 198.51.100.10 TCP/443, load-balancer 198.51.100.12 "
	   "TCP/443] be=[] flags=- aff=10800 src=[198.51.100.7/32, "
	   "203.0.113.0/24]",
	   "LoadBalancer: ingress IPs (not ipMode Proxy, not hostnames), "
	   "trimmed source ranges, ClientIP affinity defaults to 10800s");
	is(tc_line(&c, "svc a/aff/80"),
	   "fe=[cluster-ip 10.96.0.6 TCP/80] be=[] flags=- aff=60 src=[]",
	   "timeoutSeconds sets the affinity; source ranges are for "
	   "LoadBalancers only");
	is(tc_line(&c, "svc a/none/80"),
	   "fe=[cluster-ip 10.96.0.7 TCP/80] be=[] flags=- aff=0 src=[]",
	   "sessionAffinity None has no affinity whatever the config says");
	tc_free(&c);
}

static void skipped(void)
{
	struct t_case c;

	tc_init(&c);
	SVC(&c, "a", "headless", "'spec':{'clusterIP':'None','ports':[{"
	    "'name':'http','port':80}]}");
	SVC(&c, "a", "headless2", "'spec':{'clusterIPs':['None'],'ports':[{"
	    "'name':'http','port':80}]}");
	EPS(&c, "a", "headless-1", "headless", "IPv4", HTTP_8080,
	    "[{'addresses':['10.0.0.1']}]");
	SVC(&c, "a", "extname", "'spec':{'type':'ExternalName',"
	    "'externalName':'db.example.com','ports':[{'port':5432}]}");
	SVC(&c, "a", "pending", "'spec':{'clusterIP':'','ports':[{'port':80}]}");
	tc_compile(&c, "n1");
	is_int(tc_count(&c, "svc "), 0,
	       "headless, ExternalName and frontend-less Services have no "
	       "service object");
	is(tc_errors(&c), "", "... and are not errors");
	tc_free(&c);
}

static void slices(void)
{
	struct t_case c;

	tc_init(&c);
	/* Selectorless, with slices made by hand. */
	SVC(&c, "b", "manual", "'spec':{'clusterIP':'10.96.1.1','ports':[{"
	    "'name':'http','port':80}]}");
	EPS(&c, "b", "manual-1", "manual", "IPv4", HTTP_8080,
	    "[{'addresses':['10.1.0.1'],'nodeName':'n2'},{'addresses':"
	    "['10.1.0.2'],'conditions':{'ready':true}}]");
	EPS(&c, "b", "manual-2", "manual", "IPv4", HTTP_8080,
	    "[{'addresses':['10.1.0.1'],'nodeName':'n1','conditions':{"
	    "'ready':false}}]");
	EPS(&c, "b", "manual-fqdn", "manual", "FQDN", HTTP_8080,
	    "[{'addresses':['db.example.com']}]");
	EPS(&c, "b", "manual-v6", "manual", "IPv6", HTTP_8080,
	    "[{'addresses':['fd00::1:1']}]");
	EPS(&c, "b", "manual-udp", "manual", "IPv4",
	    "[{'name':'http','protocol':'UDP','port':8080}]",
	    "[{'addresses':['10.1.0.9']}]");
	EPS(&c, "b", "manual-noport", "manual", "IPv4",
	    "[{'name':'http','protocol':'TCP','port':null}]",
	    "[{'addresses':['10.1.0.8']}]");
	tc_add(&c, "{'apiVersion':'discovery.k8s.io/v1','kind':'EndpointSlice',"
	       "'metadata':{'namespace':'b','name':'orphan'},'addressType':"
	       "'IPv4','ports':" HTTP_8080 ",'endpoints':[{'addresses':"
	       "['10.1.0.7']}]}");
	tc_compile(&c, "n1");
	is(tc_line(&c, "svc b/manual/http"),
	   "fe=[cluster-ip 10.96.1.1 TCP/80] be=[10.1.0.1:8080 RS, "
	   "10.1.0.2:8080 RS] flags=- aff=0 src=[]",
	   "selectorless Service: hand-made slices count; an endpoint in two "
	   "slices counts once (first slice by name); FQDN slices, slices of "
	   "another family, protocol or without port, and unlabelled slices "
	   "are ignored");
	is(tc_errors(&c), "", "none of that is an error");
	tc_free(&c);
}

static void conflicts(void)
{
	struct t_case c;

	tc_init(&c);
	SVC(&c, "a", "first", "'spec':{'clusterIP':'10.96.0.1','ports':[{"
	    "'name':'http','port':80}],'externalIPs':['192.0.2.1',"
	    "'192.0.2.1']}");
	SVC(&c, "b", "second", "'spec':{'clusterIP':'10.96.0.2','ports':[{"
	    "'name':'http','port':80},{'name':'alt','port':8080}],"
	    "'externalIPs':['192.0.2.1']}");
	tc_allow_external_ips(&c, "0.0.0.0/0");
	SVC(&c, "b", "third", "'spec':{'type':'NodePort','clusterIP':"
	    "'10.96.0.3','ports':[{'name':'http','port':80,'nodePort':30080},"
	    "{'name':'udp','protocol':'UDP','port':80,'nodePort':30080}]}");
	SVC(&c, "c", "fourth", "'spec':{'type':'NodePort','clusterIP':"
	    "'10.96.0.4','ports':[{'name':'http','port':80,'nodePort':"
	    "30080}]}");
	tc_compile(&c, "n1");
	is(tc_line(&c, "svc a/first/http"),
	   "fe=[cluster-ip 10.96.0.1 TCP/80, external-ip 192.0.2.1 TCP/80] "
	   "be=[] flags=- aff=0 src=[]",
	   "a frontend listed twice in one Service is one frontend");
	is(tc_line(&c, "svc b/second/http"),
	   "fe=[cluster-ip 10.96.0.2 TCP/80] be=[] flags=- aff=0 src=[]",
	   "a frontend another Service owns is dropped");
	is(tc_line(&c, "svc b/second/alt"),
	   "fe=[cluster-ip 10.96.0.2 TCP/8080, external-ip 192.0.2.1 TCP/8080]"
	   " be=[] flags=- aff=0 src=[]",
	   "the same address on another port is no conflict");
	is(tc_errors(&c),
	   "Service b/second: frontend 192.0.2.1 TCP/80 of b/second/http "
	   "already belongs to a/first/http; dropped\n"
	   "Service c/fourth: frontend node-port/ipv4 TCP/30080 of "
	   "c/fourth/http already belongs to b/third/http; dropped",
	   "conflicts are reported on the later Service (TCP and UDP node "
	   "ports do not conflict)");
	tc_free(&c);
}

/* healthCheckNodePort: LoadBalancer + externalTrafficPolicy Local only. */
static void health_checks(void)
{
	const struct kp_health_check *hc;
	struct t_case c;

	tc_init(&c);
	SVC(&c, "a", "lb", "'spec':{'type':'LoadBalancer','clusterIPs':["
	    "'10.96.0.1','fd00::1'],'ipFamilies':['IPv4','IPv6'],'ports':[{"
	    "'name':'http','port':80,'nodePort':30080},{'name':'https',"
	    "'port':443,'nodePort':30443}],'externalTrafficPolicy':'Local',"
	    "'healthCheckNodePort':32000}");
	/* Local and ready: .1 (in two slices and on two ports: once) and
	 * .5; not .2 (other node), .3 (not ready), .4 (no node); the IPv6
	 * twin of .1 is of the other family.
	 */
	EPS(&c, "a", "lb-1", "lb", "IPv4",
	    "[{'name':'http','protocol':'TCP','port':8080},"
	    "{'name':'https','protocol':'TCP','port':8443}]",
	    "[{'addresses':['10.0.0.1'],'nodeName':'n1'},"
	    "{'addresses':['10.0.0.2'],'nodeName':'n2'},"
	    "{'addresses':['10.0.0.3'],'nodeName':'n1','conditions':{"
	    "'ready':false,'serving':true,'terminating':true}},"
	    "{'addresses':['10.0.0.4']}]");
	EPS(&c, "a", "lb-2", "lb", "IPv4", HTTP_8080,
	    "[{'addresses':['10.0.0.1'],'nodeName':'n1'},"
	    "{'addresses':['10.0.0.5'],'nodeName':'n1'}]");
	EPS(&c, "a", "lb-6", "lb", "IPv6", HTTP_8080,
	    "[{'addresses':['fd00::a'],'nodeName':'n1'}]");
	SVC(&c, "a", "none", "'spec':{'type':'LoadBalancer','clusterIP':"
	    "'10.96.0.2','ports':[{'port':80,'nodePort':30081}],"
	    "'externalTrafficPolicy':'Local','healthCheckNodePort':32001}");
	SVC(&c, "b", "cluster", "'spec':{'type':'LoadBalancer','clusterIP':"
	    "'10.96.0.3','ports':[{'port':80,'nodePort':30082}],"
	    "'healthCheckNodePort':32002}");
	SVC(&c, "b", "np", "'spec':{'type':'NodePort','clusterIP':"
	    "'10.96.0.4','ports':[{'port':80,'nodePort':30083}],"
	    "'externalTrafficPolicy':'Local','healthCheckNodePort':32003}");
	SVC(&c, "c", "dup", "'spec':{'type':'LoadBalancer','clusterIP':"
	    "'10.96.0.5','ports':[{'port':80,'nodePort':30084}],"
	    "'externalTrafficPolicy':'Local','healthCheckNodePort':32000}");
	SVC(&c, "c", "bad", "'spec':{'type':'LoadBalancer','clusterIP':"
	    "'10.96.0.6','ports':[{'port':80}],"
	    "'externalTrafficPolicy':'Local','healthCheckNodePort':65536}");
	tc_compile(&c, "n1");
	is_int(c.rs->n_health_checks, 2,
	       "only LoadBalancer Services with externalTrafficPolicy Local");
	hc = c.rs->health_checks;
	if (c.rs->n_health_checks == 2) {
		is(hc[0].name, "a/lb", "sorted by name");
		is_int(hc[0].port, 32000, "its port");
		is_int(hc[0].local_endpoints, 2,
		       "ready local endpoints of the primary family, once each");
		is(hc[1].name, "a/none", "a Service without endpoints");
		is_int(hc[1].local_endpoints, 0, "has none");
	}
	is(tc_errors(&c),
	   "Service c/bad: spec.healthCheckNodePort: 65536 is out of range "
	   "[0, 65535]\n"
	   "Service c/dup: healthCheckNodePort 32000 already belongs to a/lb; "
	   "dropped",
	   "a bad port is a bad object; a port taken is reported");
	tc_compile(&c, "n2");
	is_int(c.rs->n_health_checks >= 1 ?
	       c.rs->health_checks[0].local_endpoints : 99, 1,
	       "node n2 has one of a/lb's endpoints");
	tc_free(&c);
}

void t_service(void)
{
	cluster_ip();
	node_port_and_external();
	external_ip_allow_list();
	load_balancer();
	skipped();
	slices();
	conflicts();
	health_checks();
}
