// SPDX-License-Identifier: GPL-2.0
/*
 * Input handling: bad objects, Lists, updates and deletes, determinism,
 * ids and names, and a type-confusion sweep over the examples.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* What an unreadable NetworkPolicy of namespace x does (netpol.c). */
#define FAIL_CLOSED_X	"; failing closed: the 2 pod(s) of namespace x on " \
			"this node are isolated both ways"

#define NETPOL(c, ns, name, spec)					\
	tc_add(c, "{'apiVersion':'networking.k8s.io/v1',"		\
	       "'kind':'NetworkPolicy','metadata':{'namespace':'" ns	\
	       "','name':'" name "'},'spec':" spec "}")

static void bad_objects(void)
{
	struct t_case c;
	int ret;

	tc_init(&c);
	tc_fixture(&c);
	NETPOL(&c, "x", "good", "{'podSelector':{'matchLabels':{'pod':'a'}}}");
	ret = NETPOL(&c, "x", "badop", "{'podSelector':{'matchExpressions':"
		     "[{'key':'pod','operator':'Lt','values':['1']}]}}");
	is_int(ret, -EINVAL, "adding an invalid object returns -EINVAL");
	ok(c.add_errs.n == 1 && !strcmp(c.add_errs.v[0].kind, "NetworkPolicy") &&
	   !strcmp(c.add_errs.v[0].ns, "x") &&
	   !strcmp(c.add_errs.v[0].name, "badop") &&
	   !strcmp(c.add_errs.v[0].reason, "spec.podSelector."
		   "matchExpressions[0]: unknown operator \"Lt\""),
	   "... and reports kind, namespace, name and reason");
	NETPOL(&c, "x", "type", "'deny-all'");
	NETPOL(&c, "x", "rules", "{'ingress':{'from':[]}}");
	NETPOL(&c, "x", "nopeer", "{'ingress':[{'from':[{}]}]}");
	NETPOL(&c, "x", "ptype", "{'policyTypes':['Ingress','Sideways']}");
	tc_add(&c, "{'apiVersion':'v1','kind':'Pod','metadata':{'namespace':"
	       "'x','name':'badip','labels':{'pod':'a'}},'status':{'podIPs':"
	       "[{'ip':'10.0.0.300'}]}}");
	tc_add(&c, "{'apiVersion':'v1','kind':'Pod','metadata':{'namespace':"
	       "'x','name':'badlabel','labels':{'pod':1}}}");
	tc_add(&c, "{'apiVersion':'v1','kind':'Pod','metadata':{'namespace':"
	       "'x','name':'badport'},'spec':{'containers':[{'ports':[{"
	       "'containerPort':'80'}]}]}}");
	tc_add(&c, "{'apiVersion':'v1','kind':'Service','metadata':{"
	       "'namespace':'x','name':'badsvc'},'spec':{'clusterIP':"
	       "'10.96.0.1','ports':[{'port':0}]}}");
	tc_add(&c, "{'apiVersion':'v1','kind':'Service','metadata':{"
	       "'namespace':'x','name':'badext'},'spec':{'clusterIP':"
	       "'10.96.0.1','ports':[{'port':80}],'externalIPs':['example.com']}}");
	tc_add(&c, "{'apiVersion':'v1','kind':'Service','metadata':{"
	       "'namespace':'x','name':'badtype'},'spec':{'type':'Magic'}}");
	tc_add(&c, "{'apiVersion':'discovery.k8s.io/v1','kind':'EndpointSlice',"
	       "'metadata':{'namespace':'x','name':'badfam','labels':{"
	       "'kubernetes.io/service-name':'web'}},'addressType':'IPv4',"
	       "'endpoints':[{'addresses':['fd00::1']}]}");
	tc_add(&c, "{'apiVersion':'discovery.k8s.io/v1','kind':'EndpointSlice',"
	       "'metadata':{'namespace':'x','name':'badcond'},'addressType':"
	       "'IPv4','endpoints':[{'addresses':['10.0.0.1'],'conditions':{"
	       "'ready':'yes'}}]}");
	tc_add(&c, "{'apiVersion':'v1','kind':'Namespace','metadata':{'name':"
	       "'Bad_NS'}}");
	tc_compile(&c, "node-1");
	is(tc_errors(&c),
	   "Pod x/badip: status.podIPs[0].ip: invalid IP address \"10.0.0.300\"\n"
	   "Pod x/badlabel: metadata.labels.pod: expected a string\n"
	   "Pod x/badport: spec.containers[0].ports[0].containerPort: expected "
	   "an integer\n"
	   "Service x/badext: spec.externalIPs[0]: invalid IP address "
	   "\"example.com\"\n"
	   "Service x/badsvc: spec.ports[0].port: 0 is out of range [1, 65535]\n"
	   "Service x/badtype: spec.type: unsupported value \"Magic\"\n"
	   "EndpointSlice x/badcond: endpoints[0].conditions.ready: expected a "
	   "boolean\n"
	   "EndpointSlice x/badfam: endpoints[0].addresses[0]: \"fd00::1\" is "
	   "not an IPv4 address\n"
	   "NetworkPolicy x/badop: spec.podSelector.matchExpressions[0]: "
	   "unknown operator \"Lt\"" FAIL_CLOSED_X "\n"
	   "NetworkPolicy x/nopeer: spec.ingress[0].from[0]: needs podSelector, "
	   "namespaceSelector or ipBlock" FAIL_CLOSED_X "\n"
	   "NetworkPolicy x/ptype: spec.policyTypes[1]: unsupported value "
	   "\"Sideways\"" FAIL_CLOSED_X "\n"
	   "NetworkPolicy x/rules: spec.ingress: expected an array"
	   FAIL_CLOSED_X "\n"
	   "NetworkPolicy x/type: spec: expected an object" FAIL_CLOSED_X,
	   "kp_compile reports every stored bad object, by kind then name");
	is(c.add_errs.v[c.add_errs.n - 1].reason,
	   "metadata.name: invalid name \"Bad_NS\"",
	   "an object with an unusable name is reported when added");
	is(tc_line(&c, "pod x/a"), "10.244.1.11,fd00:10:244:1::11 "
	   "flags=ingress,egress in=[x/good/ingress] eg=[]",
	   "the good objects compile regardless (x's unreadable policies "
	   "isolate its pods both ways)");
	is(tc_line(&c, "svc x/web/http"),
	   "fe=[cluster-ip 10.96.0.10 TCP/80, cluster-ip fd00:96::10 TCP/80] "
	   "be=[10.244.1.11:80 RSL, 10.244.1.12:80 STL, 10.244.2.13:80 RS, "
	   "fd00:10:244:1::11:80 RSL, fd00:10:244:1::12:80 STL, "
	   "fd00:10:244:2::13:80 RS] flags=- aff=0 src=[]",
	   "a bad slice of a Service does not take its good slices with it");
	tc_free(&c);
}

static void not_stored(void)
{
	struct t_case c;
	json_t *j;

	tc_init(&c);
	is_int(tc_add(&c, "{'apiVersion':'v1','kind':'Pod','metadata':{}}"),
	       -EINVAL, "an object without a name is rejected...");
	is(c.add_errs.n ? c.add_errs.v[0].reason : "", "metadata: name is "
	   "required", "... with the reason");
	is_int(tc_add(&c, "{'apiVersion':'v1','kind':'ConfigMap','metadata':{"
		      "'name':'c'}}"), -EOPNOTSUPP, "an unknown kind is refused");
	is_int(tc_add(&c, "{'apiVersion':'networking.k8s.io/v1beta1','kind':"
		      "'NetworkPolicy','metadata':{'name':'p'},'spec':{}}"),
	       -EOPNOTSUPP, "an unknown apiVersion of a known kind is refused");
	is_int(tc_add(&c, "[1,2]"), -EINVAL, "a non-object is refused");
	is_int(tc_add(&c, "{'apiVersion':'v1','kind':'Pod','metadata':{"
		      "'name':'a\\u0000b'}}"), -EINVAL,
	       "a name with an embedded NUL is refused");
	j = t_json("{'kind':'Pod'}");
	is_int(kp_state_add_json(NULL, j, NULL), -EINVAL,
	       "a NULL state is -EINVAL");
	json_decref(j);
	tc_compile(&c, "n1");
	is(tc_errors(&c), "", "nothing of that was stored");
	is_int(kp_compile(c.st, "", &c.rs, NULL), -EINVAL,
	       "kp_compile needs a node name");
	tc_free(&c);
}

static void lists(void)
{
	struct t_case c;

	tc_init(&c);
	is_int(tc_add(&c, "{'apiVersion':'v1','kind':'PodList','items':[{"
		      "'metadata':{'name':'a','namespace':'n'},'spec':{"
		      "'nodeName':'n1'},'status':{'podIP':'10.0.0.1'}},{"
		      "'metadata':{'name':'b'},'spec':{'nodeName':'n1'},"
		      "'status':{'podIP':'10.0.0.2'}}]}"), 0,
	       "a PodList's items need no kind");
	is_int(tc_add(&c, "{'apiVersion':'v1','kind':'List','items':[{"
		      "'apiVersion':'v1','kind':'Pod','metadata':{'name':'c',"
		      "'namespace':'n'},'spec':{'nodeName':'n1'},'status':{"
		      "'podIP':'10.0.0.3'}},{'metadata':{'name':'d'}},"
		      "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'e',"
		      "'namespace':'n'},'spec':{'nodeName':'n1'},'status':{"
		      "'podIP':'10.0.0.4'}}]}"), -EINVAL,
	       "a List with a bad item returns -EINVAL...");
	is(c.add_errs.n ? c.add_errs.v[0].reason : "", "kind is required",
	   "... naming the item's problem");
	tc_compile(&c, "n1");
	is(tc_line(&c, "pod default/b"), "10.0.0.2 flags=- in=[] eg=[]",
	   "an object without namespace is in default");
	ok(!strcmp(tc_line(&c, "pod n/c"), "10.0.0.3 flags=- in=[] eg=[]") &&
	   !strcmp(tc_line(&c, "pod n/e"), "10.0.0.4 flags=- in=[] eg=[]"),
	   "... and the List's other items are stored");
	tc_free(&c);
}

static void updates(void)
{
	struct t_case c;

	tc_init(&c);
	tc_fixture(&c);
	NETPOL(&c, "x", "p", "{'podSelector':{}}");
	NETPOL(&c, "x", "p", "{'podSelector':{'matchLabels':{'pod':'b'}}}");
	tc_compile(&c, "node-1");
	ok(!strcmp(tc_line(&c, "pod x/a"), "10.244.1.11,fd00:10:244:1::11 "
		   "flags=- in=[] eg=[]") && tc_count(&c, "pol ") == 1,
	   "adding an object again replaces it");
	NETPOL(&c, "x", "p", "{'podSelector':{'matchLabels':{'pod':'-'}}}");
	tc_compile(&c, "node-1");
	ok(tc_count(&c, "pol ") == 0 && c.errs.n == 1,
	   "an invalid update withdraws the old version and is reported");
	is_int(kp_state_del(c.st, "NetworkPolicy", "x", "p"), 0,
	       "kp_state_del removes an object");
	is_int(kp_state_del(c.st, "NetworkPolicy", "x", "p"), -ENOENT,
	       "kp_state_del of a missing object is -ENOENT");
	is_int(kp_state_del(c.st, "Namespace", "ignored", "x"), 0,
	       "a Namespace is deleted by name alone");
	tc_compile(&c, "node-1");
	is(tc_errors(&c), "", "deleting the bad object clears its error");
	tc_free(&c);
}

static char *dump(const struct kp_ruleset *rs)
{
	json_t *j = kp_ruleset_to_json(rs);
	char *s = j ? json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT) : NULL;

	json_decref(j);
	return s;
}

static void determinism(void)
{
	struct t_case a, b;
	char path[4096];
	json_t *cl, *pol, *items;
	char *sa, *sb;
	size_t i, n;

	tc_init(&a);
	tc_init(&b);
	tc_fixture(&a);
	tc_add_file(&a, "examples/policies.json");
	/* The same objects, added in reverse order. */
	snprintf(path, sizeof(path), "%s/examples/cluster.json", t_srcdir);
	cl = json_load_file(path, 0, NULL);
	snprintf(path, sizeof(path), "%s/examples/policies.json", t_srcdir);
	pol = json_load_file(path, 0, NULL);
	items = json_array();
	json_array_extend(items, json_object_get(cl, "items"));
	json_array_extend(items, json_object_get(pol, "items"));
	n = json_array_size(items);
	tc_allow_external_ips(&b, "192.0.2.0/24");
	for (i = n; i-- > 0;)
		kp_state_add_json(b.st, json_array_get(items, i), NULL);
	json_decref(items);
	json_decref(cl);
	json_decref(pol);
	tc_compile(&a, "node-1");
	tc_compile(&b, "node-1");
	sa = dump(a.rs);
	sb = dump(b.rs);
	ok(sa && sb && !strcmp(sa, sb),
	   "the same objects in another order compile to the same bytes");
	free(sb);
	tc_compile(&a, "node-1");
	sb = dump(a.rs);
	ok(sa && sb && !strcmp(sa, sb), "compiling twice gives the same bytes");
	free(sa);
	free(sb);
	tc_free(&a);
	tc_free(&b);
}

static uint32_t pod_id(struct t_case *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->rs->n_pods; i++)
		if (!strcmp(c->rs->pods[i].name, name))
			return c->rs->pods[i].id;
	return 0;
}

static void ids_and_names(void)
{
	struct t_case c;
	char name[300];
	size_t i;

	tc_init(&c);
	/* FNV-1a 32 of "c/p1215210" and "c/p573308" is 0x2ccb3ef3. */
	tc_add(&c, "{'apiVersion':'v1','kind':'PodList','items':[{'metadata':"
	       "{'namespace':'c','name':'p573308'},'spec':{'nodeName':'n1'},"
	       "'status':{'podIP':'10.0.0.1'}},{'metadata':{'namespace':'c',"
	       "'name':'p1215210'},'spec':{'nodeName':'n1'},'status':{"
	       "'podIP':'10.0.0.2'}}]}");
	memset(name, 'p', 253);
	name[253] = '\0';
	tc_add(&c, "{'apiVersion':'networking.k8s.io/v1','kind':"
	       "'NetworkPolicy','metadata':{'namespace':'c','name':'%s'},"
	       "'spec':{'podSelector':{}}}", name);
	tc_compile(&c, "n1");
	is_int(pod_id(&c, "c/p1215210"), 0x2ccb3ef3,
	       "an id is the FNV-1a hash of the name");
	is_int(pod_id(&c, "c/p573308"), 0x2ccb3ef4,
	       "on a collision the later name in byte order takes the next id");
	ok(c.rs->n_policies == 1 &&
	   strlen(c.rs->policies[0].name) == KUBENF_NAME_MAX - 1 &&
	   !strncmp(c.rs->policies[0].name, "c/ppp", 5) &&
	   c.rs->policies[0].name[KUBENF_NAME_MAX - 10] == '~',
	   "a name too long for the kernel is cut and ends in ~<hash>");
	for (i = 0; i < c.rs->n_pods; i++)
		if (c.rs->pods[i].n_ingress != 1 ||
		    c.rs->pods[i].ingress[0] != c.rs->policies[0].id)
			break;
	ok(c.rs->n_pods == 2 && i == 2, "pods refer to the policy by its id");
	tc_free(&c);
}

static void json_form(void)
{
	struct t_case c;
	json_t *got, *want;
	char *s;

	tc_init(&c);
	tc_add(&c, "{'apiVersion':'v1','kind':'List','items':[{'apiVersion':"
	       "'v1','kind':'Pod','metadata':{'namespace':'n','name':'a',"
	       "'labels':{'app':'a'}},'spec':{'nodeName':'n1'},'status':{"
	       "'podIP':'10.0.0.1'}},{'apiVersion':'networking.k8s.io/v1',"
	       "'kind':'NetworkPolicy','metadata':{'namespace':'n','name':"
	       "'p'},'spec':{'podSelector':{},'ingress':[{'from':[{'ipBlock':{"
	       "'cidr':'10.0.0.0/8','except':['10.1.0.0/16']}}],'ports':[{"
	       "'protocol':'UDP'},{'port':80,'endPort':81}]},{}]}},{"
	       "'apiVersion':'v1','kind':'Service','metadata':{'namespace':"
	       "'n','name':'s'},'spec':{'type':'NodePort','clusterIP':"
	       "'10.96.0.1','ports':[{'port':80,'nodePort':30080}]}},{"
	       "'apiVersion':'discovery.k8s.io/v1','kind':'EndpointSlice',"
	       "'metadata':{'namespace':'n','name':'s-1','labels':{"
	       "'kubernetes.io/service-name':'s'}},'addressType':'IPv4',"
	       "'ports':[{'port':8080}],'endpoints':[{'addresses':["
	       "'10.0.0.1'],'nodeName':'n1'}]}]}");
	tc_compile(&c, "n1");
	got = kp_ruleset_to_json(c.rs);
	want = t_json("{'node':'n1','services':[{'id':3190267908,'name':"
		      "'n/s/80','flags':[],'affinity_timeout':0,'frontends':["
		      "{'kind':'cluster-ip','addr':'10.96.0.1','proto':'TCP',"
		      "'port':80},{'kind':'node-port','family':'ipv4','proto':"
		      "'TCP','port':30080}],'source_ranges':[],'backends':[{"
		      "'addr':'10.0.0.1','port':8080,'flags':['ready','serving',"
		      "'local']}]}],'peersets':[{'id':4104812179,'name':"
		      "'ip 10.0.0.0/8 except 10.1.0.0/16','entries':[{'cidr':"
		      "'10.0.0.0/8','except':['10.1.0.0/16']}]}],'policies':[{"
		      "'id':3184514446,'name':'n/p/ingress','dir':'ingress',"
		      "'rules':[{'peers':[4104812179],'ports':[{'proto':'TCP',"
		      "'first':80,'last':81},{'proto':'UDP'}]},{}]}],'pods':[{"
		      "'id':907272257,'name':'n/a','addrs':['10.0.0.1'],"
		      "'flags':['ingress-isolated'],'ingress':[3184514446],"
		      "'egress':[]}]}");
	ok(got && want && json_equal(got, want),
	   "kp_ruleset_to_json: the documented layout, ids and all");
	if (!(got && want && json_equal(got, want))) {
		s = got ? json_dumps(got, JSON_SORT_KEYS) : NULL;
		tap_diag("got %s", s ? s : "NULL");
		free(s);
	}
	json_decref(got);
	json_decref(want);
	tc_free(&c);
}

/*
 * Replace, one at a time, every value in every example object by values
 * of other types and sizes, add the result, compile: nothing may crash or
 * leak, and every call must return a documented code.
 */
static const char *const junk[] = {
	"null", "0", "-1", "70000", "9223372036854775807", "1.5", "true",
	"\"\"", "\"x\"", "\"10.0.0.1/33\"", "\"None\"", "[]", "[null]", "{}",
	"{\"a\":[1]}",
};

struct sweep {
	struct kp_state *st;
	const json_t *orig;
	size_t mutations, bad_rets, invalid;
};

static void try_mutation(struct sweep *sw, json_t *root)
{
	struct kp_ruleset *rs = NULL;
	struct kp_errors errs;
	int ret;

	kp_errors_init(&errs);
	ret = kp_state_add_json(sw->st, root, &errs);
	if (ret && ret != -EINVAL && ret != -EOPNOTSUPP)
		sw->bad_rets++;
	if (ret)
		sw->invalid++;
	if (kp_compile(sw->st, "node-1", &rs, &errs))
		sw->bad_rets++;
	if (rs) {
		json_t *j = kp_ruleset_to_json(rs);
		json_t *e = kp_errors_to_json(&errs);

		if (!j || !e)
			sw->bad_rets++;
		json_decref(j);
		json_decref(e);
	}
	kp_ruleset_free(rs);
	kp_errors_free(&errs);
	/* Put the original back (a mutated name added a new object). */
	kp_state_add_json(sw->st, sw->orig, NULL);
	sw->mutations++;
}

static void sweep_value(struct sweep *sw, json_t *root, json_t *parent)
{
	const char *key;
	json_t *v, *j;
	size_t i, k;

	if (json_is_object(parent)) {
		void *tmp;

		json_object_foreach_safe(parent, tmp, key, v) {
			json_incref(v);
			for (k = 0; k < ARRAY_SIZE(junk); k++) {
				j = json_loads(junk[k], JSON_DECODE_ANY, NULL);
				json_object_set_new(parent, key, j);
				try_mutation(sw, root);
			}
			json_object_set(parent, key, v);
			sweep_value(sw, root, v);
			json_decref(v);
		}
	} else if (json_is_array(parent)) {
		for (i = 0; i < json_array_size(parent); i++) {
			v = json_incref(json_array_get(parent, i));
			for (k = 0; k < ARRAY_SIZE(junk); k++) {
				j = json_loads(junk[k], JSON_DECODE_ANY, NULL);
				json_array_set_new(parent, i, j);
				try_mutation(sw, root);
			}
			json_array_set(parent, i, v);
			sweep_value(sw, root, v);
			json_decref(v);
		}
	}
}

static void type_sweep(void)
{
	struct sweep sw = { 0 };
	static const char *const files[] = { "examples/cluster.json",
					     "examples/policies.json" };
	char path[4096];
	json_t *all[2], *item, *copy;
	size_t f, i;

	sw.st = kp_state_new();
	for (f = 0; f < 2; f++) {
		snprintf(path, sizeof(path), "%s/%s", t_srcdir, files[f]);
		all[f] = json_load_file(path, 0, NULL);
		kp_state_add_json(sw.st, all[f], NULL);
	}
	for (f = 0; f < 2; f++) {
		json_array_foreach(json_object_get(all[f], "items"), i, item) {
			/* Trim the big pods: their containers repeat. */
			copy = json_deep_copy(item);
			sw.orig = item;
			sweep_value(&sw, copy, copy);
			json_decref(copy);
		}
		json_decref(all[f]);
	}
	ok(sw.mutations > 5000 && !sw.bad_rets,
	   "%zu type-confused objects: no crash, documented return codes",
	   sw.mutations);
	ok(sw.invalid > sw.mutations / 4,
	   "... most of them are refused (%zu)", sw.invalid);
	kp_state_free(sw.st);
}

void t_input(void)
{
	bad_objects();
	not_stored();
	lists();
	updates();
	determinism();
	ids_and_names();
	json_form();
	type_sweep();
}
