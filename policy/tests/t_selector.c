// SPDX-License-Identifier: GPL-2.0
/* Label selectors and CIDRs, through the library's internal API. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "helpers.h"

/* Parse selector @sq; returns the canonical string or the error. */
static const char *sel_str(const char *sq, struct kp_selector *sel)
{
	static char buf[1100];
	struct kp_parse pc = { .len = 0 };
	struct kp_sb sb = { 0 };
	json_t *j = t_json(sq);
	char *s;

	memset(sel, 0, sizeof(*sel));
	if (!j)
		return "(bad test JSON)";
	if (kp_selector_parse(&pc, j, sel)) {
		snprintf(buf, sizeof(buf), "error: %s", pc.reason);
	} else {
		kp_selector_fmt(sel, &sb);
		s = kp_sb_steal(&sb);
		snprintf(buf, sizeof(buf), "%s", s ? s : "(oom)");
		free(s);
	}
	json_decref(j);
	return buf;
}

/* Does selector @sel_sq match labels @labels_sq? */
static bool matches(const char *sel_sq, const char *labels_sq)
{
	struct kp_parse pc = { .len = 0 };
	struct kp_labels l = { 0 };
	struct kp_selector sel;
	json_t *j = t_json(labels_sq);
	bool m = false;

	sel_str(sel_sq, &sel);
	if (j && !kp_labels_parse(&pc, j, &l))
		m = kp_selector_match(&sel, &l);
	kp_labels_free(&l);
	kp_selector_free(&sel);
	json_decref(j);
	return m;
}

static void check_str(const char *sq, const char *want, const char *what)
{
	struct kp_selector sel;

	is(sel_str(sq, &sel), want, "selector %s", what);
	kp_selector_free(&sel);
}

static void selectors(void)
{
	const char *ab = "{'app':'web','tier':'fe'}";

	ok(matches("{}", ab) && matches("{}", "{}"),
	   "empty selector {} matches everything, even no labels");
	ok(matches("{'matchLabels':{'app':'web'}}", ab) &&
	   !matches("{'matchLabels':{'app':'db'}}", ab) &&
	   !matches("{'matchLabels':{'app':'web'}}", "{}"),
	   "matchLabels: equal value only, absent key never matches");
	ok(matches("{'matchExpressions':[{'key':'app','operator':'In',"
		   "'values':['db','web']}]}", ab) &&
	   !matches("{'matchExpressions':[{'key':'app','operator':'In',"
		    "'values':['db']}]}", ab),
	   "In matches a listed value only");
	ok(matches("{'matchExpressions':[{'key':'zone','operator':'NotIn',"
		   "'values':['a']}]}", ab),
	   "NotIn matches when the key is absent");
	ok(!matches("{'matchExpressions':[{'key':'app','operator':'NotIn',"
		    "'values':['web','db']}]}", ab) &&
	   matches("{'matchExpressions':[{'key':'app','operator':'NotIn',"
		   "'values':['db']}]}", ab),
	   "NotIn rejects a listed value, accepts another");
	ok(matches("{'matchExpressions':[{'key':'tier','operator':'Exists'}]}",
		   ab) &&
	   !matches("{'matchExpressions':[{'key':'x','operator':'Exists'}]}",
		    ab),
	   "Exists needs the key, any value");
	ok(matches("{'matchExpressions':[{'key':'x','operator':"
		   "'DoesNotExist'}]}", ab) &&
	   !matches("{'matchExpressions':[{'key':'app','operator':"
		    "'DoesNotExist'}]}", ab),
	   "DoesNotExist matches only without the key");
	ok(matches("{'matchLabels':{'app':'web'},'matchExpressions':[{'key':"
		   "'tier','operator':'In','values':['fe']}]}", ab) &&
	   !matches("{'matchLabels':{'app':'web'},'matchExpressions':[{'key':"
		    "'tier','operator':'In','values':['be']}]}", ab),
	   "matchLabels and matchExpressions are ANDed");
	ok(matches("{'matchLabels':null,'matchExpressions':null}", "{}"),
	   "null matchLabels/matchExpressions are absent");

	check_str("{'matchLabels':{'b':'2','a':'1'},'matchExpressions':["
		  "{'key':'c','operator':'NotIn','values':['z','y']},"
		  "{'key':'d','operator':'Exists'},"
		  "{'key':'e','operator':'DoesNotExist'},"
		  "{'key':'f','operator':'In','values':['v','u']}]}",
		  "a=1,b=2,c notin (y,z),d,!e,f in (u,v)",
		  "prints canonically (sorted keys and values)");
	check_str("{'matchExpressions':[{'key':'a','operator':'In','values':"
		  "['1']},{'key':'a','operator':'In','values':['1','1']}]}",
		  "a=1", "In [v] equals matchLabels and duplicates collapse");
	check_str("{'matchExpressions':[{'key':'a','operator':'Gt','values':"
		  "['1']}]}",
		  "error: matchExpressions[0]: unknown operator \"Gt\"",
		  "rejects an unknown operator with its path");
	check_str("{'matchExpressions':[{'key':'a','operator':'In'}]}",
		  "error: matchExpressions[0]: operator In needs values",
		  "rejects In without values");
	check_str("{'matchExpressions':[{'key':'a','operator':'Exists',"
		  "'values':['x']}]}",
		  "error: matchExpressions[0]: operator Exists takes no values",
		  "rejects Exists with values");
	check_str("{'matchLabels':{'a b':'x'}}",
		  "error: matchLabels.a b: invalid label key",
		  "rejects an invalid label key");
	check_str("{'matchLabels':{'example.com/app':'x y'}}",
		  "error: matchLabels.example.com/app: invalid label value "
		  "\"x y\"", "rejects an invalid label value");
	check_str("{'matchLabels':{'a':1}}",
		  "error: matchLabels.a: expected a string",
		  "rejects a non-string label value");
	check_str("{'matchExpressions':{}}",
		  "error: matchExpressions: expected an array",
		  "rejects matchExpressions of the wrong type");
}

static const char *cidr_str(const char *s)
{
	static char buf[KP_CIDR_STRLEN];
	struct kp_cidr c;

	if (kp_cidr_parse(s, &c))
		return "invalid";
	kp_cidr_fmt(&c, buf);
	return buf;
}

static void cidrs(void)
{
	struct kp_cidr c;
	struct kp_addr a;

	ok(!strcmp(cidr_str("10.1.2.3/8"), "10.0.0.0/8") &&
	   !strcmp(cidr_str("2001:db8::1/32"), "2001:db8::/32") &&
	   !strcmp(cidr_str("10.0.0.1/32"), "10.0.0.1/32") &&
	   !strcmp(cidr_str("::/0"), "::/0"),
	   "CIDRs parse, v4 and v6, with host bits cleared");
	ok(!strcmp(cidr_str("10.0.0.0/33"), "invalid") &&
	   !strcmp(cidr_str("10.0.0.0"), "invalid") &&
	   !strcmp(cidr_str("10.0.0.0/"), "invalid") &&
	   !strcmp(cidr_str("10.0.0.0/+8"), "invalid") &&
	   !strcmp(cidr_str("2001:db8::/129"), "invalid") &&
	   !strcmp(cidr_str("/8"), "invalid") &&
	   !strcmp(cidr_str("fe80::1%eth0/64"), "invalid"),
	   "bad CIDRs are rejected");
	kp_cidr_parse("10.128.0.0/9", &c);
	kp_addr_parse("10.200.1.1", &a);
	ok(kp_cidr_contains(&c, &a), "10.128.0.0/9 holds 10.200.1.1");
	kp_addr_parse("10.127.255.255", &a);
	ok(!kp_cidr_contains(&c, &a), "10.128.0.0/9 does not hold 10.127.x");
	kp_addr_parse("::ffff:10.200.1.1", &a);
	ok(!kp_cidr_contains(&c, &a) && a.family == AF_INET6,
	   "an IPv4-mapped IPv6 address is IPv6, not in a v4 block");
}

void t_selector(void)
{
	selectors();
	cidrs();
}
