#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Tables, JSON and charts of one `make bench` run.

  report.py [--tap] DIR
  report.py --merge OUT [--notes FILE] DIR...

reads DIR/results.jsonl (one sample a line, written in the VM by inner.sh),
DIR/vm-info.json and DIR/host-info.json, and writes

  DIR/results.json   run information, every sample, and per (metric, mode,
                     size) the median, minimum, maximum and sample count
  DIR/results.md     one table per figure (median and min-max spread),
                     ratios to kubenf and to no translation, the targets
  DIR/<figure>.png   one chart per figure: the figure against the number of
                     Services, one line per mode, bars from min to max

and prints the markdown, or with --tap one TAP test per mode (and one for
the NetworkPolicy part): ok when it programmed its rules and carried
connections. A figure that hit the per-sample limit (--sample-timeout, or
--long-cap in the second pass) is "capped": shown as "did not finish in S
s", a lower bound, never as a number, and not a failure. A programming that
was capped first and then finished in the second pass is a figure (one
sample, marked "long" in results.jsonl).

--merge gathers the runs of one matrix that were taken in several bench.sh
invocations (several VMs at once, one per size or part, same kernel and
build: the guest clock makes the figures independent of how many ran at
once) into OUT: OUT/results.jsonl is every DIR's samples, OUT/vm-info.json
the first DIR's (each DIR's must name the same kernel), OUT/host-info.json
the first DIR's with the earliest start, the sizes and policy pairs of all,
each DIR's settings under "parts", and the lines of FILE as "notes"; then
the report is written as for one run.

Exit status 1 if the run recorded a failure (a mode that could not program
its rules or carry a connection), 0 otherwise.
"""

import calendar
import json
import os
import statistics
import sys
import time

MODES = ["kubenf", "nftables", "ipvs", "iptables", "iptables-legacy", "ct-nat", "none"]
LABEL = {
    "kubenf": "kubenf",
    "iptables": "kube-proxy iptables (nft backend)",
    "iptables-legacy": "kube-proxy iptables (legacy backend)",
    "nftables": "kube-proxy nftables",
    "ipvs": "kube-proxy IPVS",
    "none": "no Service (pod IP)",
    "ct-nat": "no Service, conntrack + NAT hooks (pod IP)",
    "kubenf-nl": "kubenf, resident netlink socket",
    "kubenf-nopol": "kubenf, no NetworkPolicy",
    "kubenf-pol": "kubenf, NetworkPolicy enforced",
}
STYLE = {
    "kubenf": ("tab:green", "o"), "kubenf-nl": ("tab:olive", "^"),
    "nftables": ("tab:blue", "s"), "ipvs": ("tab:purple", "D"),
    "iptables": ("tab:red", "v"), "iptables-legacy": ("tab:brown", "<"),
    "none": ("black", "x"), "ct-nat": ("tab:gray", "+"),
}

# metric: (title, unit shown, scale from the stored unit, higher is better,
#          log y axis)
FIGURES = {
    "program_all": ("Time to program N Services from scratch", "s", 1, False, True),
    "add_one": ("Time to add one Service with N present (tool run included)", "ms", 1, False, True),
    "change_ep": ("Time to change one endpoint with N present (tool run included)", "ms", 1, False, True),
    "rate_last": ("New connections per second to the last-programmed Service", "conn/s", 1, True, False),
    "rate_mid": ("New connections per second to the Service in the middle", "conn/s", 1, True, False),
    "stream": ("Established-flow throughput, one TCP stream", "MiB/s", 1, True, False),
    "mem_per_svc": ("Kernel memory per Service with 2 backends (/proc/meminfo, first programming)",
                    "bytes", 1, False, True),
}


def load(d):
    samples, failures, capped = [], [], []
    with open(os.path.join(d, "results.jsonl")) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            if r["metric"] == "failure":
                failures.append(r)
            elif r["metric"] == "capped":
                capped.append(r)
            else:
                samples.append(r)
    info = {}
    for name in ("vm-info.json", "host-info.json"):
        p = os.path.join(d, name)
        if os.path.exists(p):
            with open(p) as f:
                info[name.split("-")[0]] = json.load(f)
    return samples, failures, capped, info


def summarize(samples):
    """{metric: {mode: {size: [values]}}}, with derived figures added."""
    acc = {}
    for r in samples:
        acc.setdefault(r["metric"], {}).setdefault(r["mode"], {}) \
            .setdefault(int(r["size"]), []).append(float(r["value"]))
    # kubenf through its resident socket joins the add-one figure.
    if "add_one_nl" in acc:
        acc.setdefault("add_one", {})["kubenf-nl"] = acc["add_one_nl"].get("kubenf", {})
    # Memory: from the first programming into a fresh node only (run 0).
    # Later runs reprogram the same node after a flush: they reuse hash
    # tables that grew the first time (ipset, IPVS, interface addresses) and
    # slab pages freed by the flush, so /proc/meminfo shows less there.
    for metric in ("mem_all", "mem_mem6"):
        acc[metric] = {}
    for r in samples:
        if r["metric"] in ("mem_all", "mem_mem6") and int(r["run"]) == 0:
            acc[r["metric"]].setdefault(r["mode"], {}) \
                .setdefault(int(r["size"]), []).append(float(r["value"]))
    per = {}
    for mode, bysize in acc.get("mem_all", {}).items():
        per[mode] = {n: [v / n for v in vals] for n, vals in bysize.items()}
    acc["mem_per_svc"] = per
    # memcg too, for the split table.
    acc["_memcg"] = {}
    for r in samples:
        if r["metric"] in ("mem_all", "mem_mem6") and "memcg" in r and int(r["run"]) == 0:
            acc["_memcg"].setdefault(r["metric"], {}).setdefault(r["mode"], {}) \
                .setdefault(int(r["size"]), []).append(float(r["memcg"]))
    return acc


def stats(vals):
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals),
            "n": len(vals)}


def fmt(v, unit):
    if unit in ("s",):
        return "%.3g" % v if v < 10 else "%.1f" % v
    if unit == "ms":
        return "%.3g" % v if v < 100 else "%.0f" % v
    if unit == "bytes":
        return "%.0f" % v
    return "%.3g" % v if v < 1000 else "%.0f" % v


def cell(vals, unit):
    s = stats(vals)
    if s["n"] == 1:
        return fmt(s["median"], unit)
    return "%s (%s-%s)" % (fmt(s["median"], unit), fmt(s["min"], unit), fmt(s["max"], unit))


def modes_of(bymode):
    return [m for m in MODES + ["kubenf-nl"] if m in bymode]


CAPS = {}     # (mode, size) -> (figure that hit the limit, limit in s)


def capped_cell(m, n, metric):
    """A figure not measured because a timed command of this mode at this
    size hit the per-sample limit: what the cell says instead."""
    c = CAPS.get((m, n))
    if not c:
        return "-"
    what, limit = c
    if what == metric:
        return "did not finish in %d s" % limit
    if what == "program_all":
        return "not measured (programming did not finish in %d s)" % limit
    return "not measured (%s did not finish in %d s)" % (what, limit)


def table(acc, metric, sizes):
    title, unit, _, _, _ = FIGURES[metric]
    bymode = dict(acc.get(metric, {}))
    if not bymode:
        return []
    for (m, n), _ in CAPS.items():
        if metric != "mem_per_svc" and n in sizes:
            bymode.setdefault(m, {})
    out = ["### %s [%s]" % (title, unit), "",
           "| mode | " + " | ".join("%d" % n for n in sizes) + " |",
           "|---|" + "---|" * len(sizes)]
    for m in modes_of(bymode):
        row = [cell(bymode[m][n], unit) if n in bymode[m] else capped_cell(m, n, metric)
               for n in sizes]
        out.append("| %s | %s |" % (LABEL.get(m, m), " | ".join(row)))
    out.append("")
    return out


def med(acc, metric, mode, n):
    try:
        return statistics.median(acc[metric][mode][n])
    except (KeyError, statistics.StatisticsError):
        return None


def ratio_table(acc, sizes):
    """Each mode's median against kubenf's (same figure, same size)."""
    out = ["### Ratios to kubenf (median of the mode / median of kubenf; "
           "for times above 1 means kubenf is faster, for rates below 1 means kubenf is faster)", "",
           "| figure | mode | " + " | ".join("%d" % n for n in sizes) + " |",
           "|---|---|" + "---|" * len(sizes)]
    for metric in ("program_all", "add_one", "change_ep", "rate_last", "rate_mid", "stream",
                   "mem_per_svc"):
        for m in modes_of(acc.get(metric, {})):
            if m in ("kubenf", "kubenf-nl"):
                continue
            row = []
            for n in sizes:
                a, k = med(acc, metric, m, n), med(acc, metric, "kubenf", n)
                row.append("%.2f" % (a / k) if a is not None and k else "-")
            out.append("| %s | %s | %s |" % (metric, LABEL.get(m, m), " | ".join(row)))
    out.append("")
    out += ["### New-connection rate relative to no Service translation "
            "(median of the mode / median of none, same size)", "",
            "| target | mode | " + " | ".join("%d" % n for n in sizes) + " |",
            "|---|---|" + "---|" * len(sizes)]
    for metric in ("rate_last", "rate_mid"):
        for m in modes_of(acc.get(metric, {})):
            if m == "none":
                continue
            row = []
            for n in sizes:
                a, z = med(acc, metric, m, n), med(acc, metric, "none", n)
                row.append("%.2f" % (a / z) if a is not None and z else "-")
            out.append("| %s | %s | %s |" % (metric, LABEL.get(m, m), " | ".join(row)))
    out.append("")
    return out


def mem_split(acc, info):
    """Per Service and per backend, from the 2- and 6-backend runs."""
    n = info.get("host", {}).get("mem_size")
    try:
        n = int(n)
    except (TypeError, ValueError):
        return []
    out = ["### Kernel memory split at %d Services (2 and 6 backends per Service) [bytes]" % n, "",
           "per backend = (memory with 6 - memory with 2) / (4 N); per Service = memory with 2 / N "
           "- 2 x per backend. /proc/meminfo counts every allocation (unreclaimable slab, vmalloc, "
           "per-CPU); memcg counts what the kernel charges to the programming process's cgroup "
           "(IPVS objects and interface addresses are not charged).", "",
           "| mode | per Service (meminfo) | per backend (meminfo) | per Service (memcg) | per backend (memcg) |",
           "|---|---|---|---|---|"]
    cg = acc.get("_memcg", {})
    for m in MODES:
        a2, a6 = med(acc, "mem_all", m, n), med(acc, "mem_mem6", m, n)
        if a2 is None or a6 is None:
            continue
        row = []
        for two, six in ((a2, a6), (med(cg, "mem_all", m, n), med(cg, "mem_mem6", m, n))):
            if two is None or six is None:
                row += ["-", "-"]
                continue
            pb = (six - two) / (4 * n)
            row += ["%.0f" % (two / n - 2 * pb), "%.0f" % pb]
        out.append("| %s | %s |" % (LABEL[m], " | ".join(row)))
    out.append("")
    return out


def exec_table(acc, sizes):
    bymode = acc.get("exec_floor", {})
    if not bymode:
        return []
    out = ["### Exec floor: running the mode's tool with --version [ms]", "",
           "What every per-change figure above pays for starting the tool (fork, exec, dynamic "
           "linking) before it does any work. kube-proxy's iptables and nftables modes do run "
           "iptables-restore and nft per sync; its IPVS mode and a kubenf agent talk netlink "
           "from a resident process (the \"resident netlink socket\" line of the add-one table).",
           "", "| mode | " + " | ".join("%d" % n for n in sizes) + " |",
           "|---|" + "---|" * len(sizes)]
    for m in modes_of(bymode):
        out.append("| %s | %s |" % (LABEL[m], " | ".join(
            cell(bymode[m][n], "ms") if n in bymode[m] else "-" for n in sizes)))
    out.append("")
    return out


def targets(acc, sizes):
    """The targets of issue 7, each met or missed, with the margin."""
    out = ["### Targets (issue 7)", "", "| target | result | measured |", "|---|---|---|"]
    if not sizes or "kubenf" not in acc.get("rate_last", {}):
        return []
    lo, hi = sizes[0], sizes[-1]
    for metric, what in (("rate_last", "last-programmed"), ("rate_mid", "middle")):
        a, b = med(acc, metric, "kubenf", lo), med(acc, metric, "kubenf", hi)
        if a and b:
            d = (b - a) / a * 100
            out.append("| kubenf rate (%s Service) at %d within 5%% of its rate at %d | %s | "
                       "%.0f vs %.0f conn/s: %+.1f%% |"
                       % (what, hi, lo, "met" if d >= -5 else "missed", b, a, d))
    for metric, what in (("rate_last", "last-programmed"), ("rate_mid", "middle")):
        worst = []
        for n in sizes:
            k = med(acc, metric, "kubenf", n)
            for m in modes_of(acc.get(metric, {})):
                if m in ("kubenf", "none", "ct-nat"):
                    continue
                o = med(acc, metric, m, n)
                if k and o:
                    worst.append(((k - o) / o * 100, m, n))
        missing = ["%s at %d (%s did not finish in %d s)"
                   % (LABEL.get(m, m), n, "programming" if CAPS[(m, n)][0] == "program_all"
                      else CAPS[(m, n)][0], CAPS[(m, n)][1])
                   for (m, n) in sorted(CAPS) if n in sizes and med(acc, metric, m, n) is None
                   and not m.startswith("kubenf")]
        if worst:
            w = min(worst)
            out.append("| kubenf rate (%s Service) at or above every other mode at every size | %s | "
                       "closest: %s at %d, kubenf %+.1f%%%s |"
                       % (what, ("met" if w[0] >= 0 else "missed") +
                          (" where measured" if missing else ""), LABEL[w[1]], w[2], w[0],
                          "; not measurable: " + ", ".join(missing) if missing else ""))
    for m, what in (("kubenf", "kubenfctl svc set"), ("kubenf-nl", "resident netlink socket")):
        v = med(acc, "add_one", m, hi)
        if v is not None:
            out.append("| adding one Service under 1 ms at %d (%s) | %s | %.3g ms (%.2gx the target) |"
                       % (hi, what, "met" if v < 1 else "missed", v, v))
    # Programming: a capped mode took longer than its limit (a lower
    # bound, "> L s"); it counts against kubenf only as that bound.
    k = med(acc, "program_all", "kubenf", hi)
    others = [(med(acc, "program_all", m, hi), m, "") for m in modes_of(acc.get("program_all", {}))
              if m not in ("kubenf", "none", "ct-nat")]
    others = [o for o in others if o[0] is not None]
    others += [(float(lim), m, "> ") for (m, n), (what, lim) in CAPS.items()
               if n == hi and what == "program_all" and not m.startswith("kubenf")]
    if k is not None and others:
        best = min(others)
        out.append("| programming %d Services from scratch faster than any other mode | %s | "
                   "kubenf %.3g s; other modes: %s |"
                   % (hi, "met" if k < best[0] else "missed", k,
                      ", ".join("%s %s%s s (%s%.1fx)" % (LABEL.get(m, m), b, fmt(v, "s"), b, v / k)
                                for v, m, b in sorted(others))))
    out.append("")
    return out


def policy_section(samples, failures=()):
    """The NetworkPolicy part (kubenf only): one row per pods/policies pair."""
    acc = {}
    for r in samples:
        if not r["metric"].startswith("pol_"):
            continue
        # Q policies, S of which select the server pods (all by default).
        q = int(r.get("policies", 0))
        key = (q, int(r.get("selecting", q)))
        acc.setdefault((r["metric"], r["mode"]), {}).setdefault(int(r["size"]), {}) \
            .setdefault(key, []).append(r)
    if not acc:
        return [], {}

    def vals(metric, mode, p, q=None):
        byq = acc.get((metric, mode), {}).get(p, {})
        if q is None:
            rs = [r for v in byq.values() for r in v]
        else:
            rs = byq.get(q, [])
        return [float(r["value"]) for r in rs]

    pairs = sorted({(p, q) for (metric, mode), byp in acc.items() if mode == "kubenf-pol"
                    for p, byq in byp.items() for q in byq})     # q: (Q, S)
    out = ["### NetworkPolicy (kubenf only)", "",
           "No kube-proxy mode enforces NetworkPolicy, so there is no counterpart to compare "
           "with: the same pods and Service programmed by kubenf-agent --from-file --once, "
           "without and with Q NetworkPolicies. Every policy selects the server pods (the "
           "worst case for a new connection's verdict) unless the policies cell says how many "
           "do (the others then select other pods, in their own namespaces); only the last one "
           "admits the client. "
           "Rates: connections to the Service's cluster IP and straight to a server pod. "
           "Memory per policy: (kernel memory with the policies - without) / Q. Cells: median "
           "(min-max).", "",
           "| pods | policies | program, no policies [s] | program, with policies [s] | "
           "add one policy [ms] | rate via Service, no policies | rate via Service, enforced | "
           "rate to pod, no policies | rate to pod, enforced | kernel memory per policy [B] | "
           "kernel objects |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    summary = {}
    for p, (q, sel) in pairs:
        row = ["%d" % p, "%d" % q if sel == q else "%d (%d on the server pods)" % (q, sel)]
        cells = {}
        for key, metric, mode, qq, unit in (
                ("program_nopol", "pol_program", "kubenf-nopol", (0, 0), "s"),
                ("program_pol", "pol_program", "kubenf-pol", (q, sel), "s"),
                ("add_policy", "pol_add", "kubenf-pol", (q, sel), "ms"),
                ("rate_svc_nopol", "pol_rate_svc", "kubenf-nopol", (0, 0), "conn/s"),
                ("rate_svc_pol", "pol_rate_svc", "kubenf-pol", (q, sel), "conn/s"),
                ("rate_pod_nopol", "pol_rate_pod", "kubenf-nopol", (0, 0), "conn/s"),
                ("rate_pod_pol", "pol_rate_pod", "kubenf-pol", (q, sel), "conn/s")):
            v = vals(metric, mode, p, qq)
            if v:
                cells[key] = stats(v)
                row.append(cell(v, unit))
            else:
                row.append("-")
        m0, m1 = vals("pol_mem", "kubenf-nopol", p, (0, 0)), vals("pol_mem", "kubenf-pol", p, (q, sel))
        if m0 and m1:
            delta = statistics.median(m1) - statistics.median(m0)
            per = delta / q
            cells["mem_per_policy"] = per
            # /proc/meminfo moves by whole pages and per-CPU batches: a
            # difference below 64 kB says nothing.
            row.append("%.0f" % per if abs(delta) >= 65536 else
                       "noise (%+.0f kB in all)" % (delta / 1024))
        else:
            row.append("-")
        objs = acc.get(("pol_objects", "kubenf-pol"), {}).get(p, {}).get((q, sel), [])
        row.append(", ".join("%s %s" % (v, k) for k, v in objs[0].get("counts", {}).items()
                             if not k.startswith("max")) if objs else "-")
        # A pair that failed its check (port 8081 open, nothing held): its
        # figures are not those of enforced policies.
        why = []
        for f in failures:
            if f["mode"] == "kubenf-pol" and int(f["size"]) == p and f["what"] not in why:
                why.append(f["what"])
        if why and "rate_svc_pol" not in cells:
            # The last run's words (several runs may have failed alike).
            row = row[:3] + ["**FAILED: %s** (figures of a rule set that is not enforced: "
                             "not shown)" % why[-1]] + ["-"] * (len(row) - 4)
            cells = {"failed": why}
        summary["%d:%d" % (p, q) if sel == q else "%d:%d:%d" % (p, q, sel)] = cells
        out.append("| %s |" % " | ".join(row))
    out.append("")
    return out, summary


def tap(samples, failures, sizes):
    """One TAP test per mode of the Service part and one for the policy
    part: ok when it programmed and carried connections."""
    modes = [m for m in MODES if any(r["mode"] == m and not r["metric"].startswith("pol_")
                                     for r in samples + failures)]
    tests = []
    for m in modes:
        bad = [f for f in failures if f["mode"] == m]
        ok = not bad and all(
            any(r["mode"] == m and r["metric"] == "rate_last" and int(r["size"]) == n
                for r in samples) or (m, n) in CAPS for n in sizes) and (
            m == "none" or any(r["mode"] == m and r["metric"] == "program_all" for r in samples)
            or any(c[0] == m for c in CAPS))
        why = "; ".join(f["what"] for f in bad) or ("no figures" if not ok else "")
        what = ("carried connections (the floor)" if m == "none" else
                "programmed %s Services and carried connections" % "/".join(map(str, sizes)))
        tests.append((ok, "%s: %s%s" % (LABEL.get(m, m), what, " (" + why + ")" if why else "")))
    pol = [r for r in samples if r["metric"].startswith("pol_")]
    polfail = [f for f in failures if f["mode"] in ("kubenf-pol", "kubenf-nopol")]
    if pol or polfail:
        ok = not polfail and any(r["mode"] == "kubenf-pol" and r["metric"] == "pol_rate_svc"
                                 for r in pol)
        why = "; ".join(f["what"] for f in polfail)
        tests.append((ok, "kubenf NetworkPolicy: programmed by the agent, enforced, carried "
                      "connections%s" % (" (" + why + ")" if why else "")))
    lines = ["TAP version 13", "1..%d" % len(tests)]
    for i, (ok, what) in enumerate(tests, 1):
        lines.append("%s %d - %s" % ("ok" if ok else "not ok", i, what))
    return lines


def chart(d, acc, metric, sizes, info):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    title, unit, _, higher, logy = FIGURES[metric]
    bymode = acc.get(metric, {})
    if not bymode:
        return None
    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=110)
    for m in modes_of(bymode):
        xs = [n for n in sizes if n in bymode[m]]
        if not xs:
            continue
        meds = [statistics.median(bymode[m][n]) for n in xs]
        lo = [meds[i] - min(bymode[m][n]) for i, n in enumerate(xs)]
        hi = [max(bymode[m][n]) - meds[i] for i, n in enumerate(xs)]
        color, marker = STYLE.get(m, (None, "o"))
        ax.errorbar(xs, meds, yerr=[lo, hi], label=LABEL.get(m, m), color=color,
                    marker=marker, capsize=3,
                    linestyle="--" if m in ("none", "ct-nat") else "-")
    ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    elif higher:
        ax.set_ylim(bottom=0)
    ax.set_xticks(sizes)
    ax.set_xticklabels([str(n) for n in sizes])
    ax.set_xlabel("Services (2 endpoints each)")
    ax.set_ylabel("%s (%s is better)" % (unit, "higher" if higher else "lower"))
    kernel = info.get("vm", {}).get("kernel", "?")
    ax.set_title("%s\nkernel %s, QEMU TCG -icount (guest clock): compare modes, not absolutes"
                 % (title, kernel), fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    name = metric + ".png"
    fig.savefig(os.path.join(d, name))
    plt.close(fig)
    return name


def merge(out, dirs, notes):
    """Gather several bench.sh runs of one matrix into OUT (see above)."""
    os.makedirs(out, exist_ok=True)
    vms, hosts = [], []
    with open(os.path.join(out, "results.jsonl"), "w") as f:
        for d in dirs:
            with open(os.path.join(d, "results.jsonl")) as g:
                f.write(g.read())
            with open(os.path.join(d, "vm-info.json")) as g:
                vms.append(json.load(g))
            with open(os.path.join(d, "host-info.json")) as g:
                hosts.append(json.load(g))
    if len({v["kernel"] for v in vms}) != 1 or len({v.get("kubenfctl") for v in vms}) != 1:
        sys.exit("report.py: --merge: the runs differ in kernel or build: %s" %
                 [(v["kernel"], v.get("kubenfctl")) for v in vms])
    host = dict(hosts[0])
    host["started"] = min(h["started"] for h in hosts)
    # From the first start to the last sample written (a run stopped by
    # hand has no duration of its own).
    t0 = min(calendar.timegm(time.strptime(h["started"], "%Y-%m-%dT%H:%M:%SZ")) for h in hosts)
    t1 = max(os.path.getmtime(os.path.join(d, "results.jsonl")) for d in dirs)
    m = int(t1 - t0) // 60
    host["duration"] = "%d h %d min, as %d runs, several at the same time" % (m // 60, m % 60,
                                                                               len(dirs))
    host["sizes"] = " ".join(sorted({n for h in hosts for n in h["sizes"].split()}, key=int))
    host["policy"] = " ".join(h["policy"] for h in hosts if h.get("policy"))
    host["parts"] = [dict(h, dir=os.path.basename(os.path.normpath(d)))
                     for h, d in zip(hosts, dirs)]
    if notes:
        with open(notes) as g:
            host["notes"] = [line.strip() for line in g if line.strip()]
    for name, obj in (("vm-info.json", vms[0]), ("host-info.json", host)):
        with open(os.path.join(out, name), "w") as f:
            json.dump(obj, f, indent=1)


def main():
    args = sys.argv[1:]
    if args[:1] == ["--merge"]:
        if len(args) < 3:
            sys.exit("usage: report.py --merge OUT [--notes FILE] DIR...")
        out, args = args[1], args[2:]
        notes = None
        if args[:1] == ["--notes"]:
            notes, args = args[1], args[2:]
        merge(out, args, notes)
        args = [out]
    want_tap = args[:1] == ["--tap"]
    if want_tap:
        args = args[1:]
    if len(args) != 1:
        sys.exit("usage: report.py [--tap] DIR | --merge OUT [--notes FILE] DIR...")
    d = args[0]
    samples, failures, capped, info = load(d)
    # A programming capped at --sample-timeout that then finished in the
    # second pass (--long-cap) is a figure; otherwise the largest limit a
    # figure of the mode and size hit is kept.
    done = {(r["mode"], int(r["size"])) for r in samples if r["metric"] == "program_all"}
    for c in capped:
        key = (c["mode"], int(c["size"]))
        if c["what"] == "program_all" and key in done:
            continue
        if key not in CAPS or int(c["limit"]) > CAPS[key][1]:
            CAPS[key] = (c["what"], int(c["limit"]))
    pol_samples = [r for r in samples if r["metric"].startswith("pol_")]
    samples = [r for r in samples if not r["metric"].startswith("pol_")]
    acc = summarize(samples)
    sizes = sorted({int(r["size"]) for r in samples} |
                   {n for (m, n) in CAPS if not m.startswith("kubenf-")})
    summary = {}
    for metric, bymode in acc.items():
        if metric.startswith("_"):
            continue
        summary[metric] = {m: {str(n): stats(v) for n, v in bysize.items()}
                           for m, bysize in bymode.items()}
    with open(os.path.join(d, "results.json"), "w") as f:
        pol_md, pol_summary = policy_section(pol_samples, failures)
        json.dump({"info": info, "failures": failures, "capped": capped, "summary": summary,
                   "policy": pol_summary, "samples": samples + pol_samples}, f, indent=1)

    md = ["# kubenf `make bench` results", ""]
    vm, host = info.get("vm", {}), info.get("host", {})
    md += ["Kernel %s in QEMU TCG with `-icount shift=3` (1 vCPU, %s MB): times and rates are "
           "guest-clock figures, which count executed instructions; only ratios between modes "
           "of this run mean something. Host: %s. Run started %s, took %s."
           % (vm.get("kernel", "?"), int(vm.get("mem_kb", 0)) // 1024, host.get("cpu", "?"),
              host.get("started", "?"), host.get("duration", "?")), "",
           "Samples per figure: %s runs of new-connection rate (%s connections each, after %s "
           "warm-up ones), stream (%s MiB), add-one and change-one; %s of programming from "
           "scratch. Cells: median (min-max)."
           % (host.get("runs", "?"), host.get("conns", "?"), 20, host.get("mb", "?"),
              host.get("program_runs", "?")), ""]
    if host.get("notes"):
        md += ["Notes on this run:", ""] + ["* " + n for n in host["notes"]] + [""]
    if failures:
        md += ["**Failures:**", ""] + ["* %s at %s Services: %s" % (f["mode"], f["size"], f["what"])
                                       for f in failures] + [""]
    md += targets(acc, sizes)
    for metric in FIGURES:
        md += table(acc, metric, sizes)
        png = chart(d, acc, metric, sizes, info)
        if png:
            md += ["![%s](%s)" % (metric, png), ""]
    if CAPS:
        md += ["Capped: %s. A capped command did not finish within the per-sample limit "
               "of elapsed guest time (`--sample-timeout`, or `--long-cap` in the second "
               "pass) and was killed; the limit is a lower bound, not a measurement, and that "
               "mode's other figures at that size were not measured." %
               "; ".join("%s at %d Services: %s (> %d s)" % (LABEL.get(m, m), n, w, lim)
                         for (m, n), (w, lim) in sorted(CAPS.items())), ""]
    md += pol_md
    md += mem_split(acc, info)
    md += exec_table(acc, sizes)
    md += ratio_table(acc, sizes)
    md += ["Tools: %s; %s; %s; %s." % (vm.get("kubenfctl", "?"), vm.get("iptables", "?"),
                                       vm.get("nft", "?"), vm.get("ipvsadm", "?")), ""]
    with open(os.path.join(d, "results.md"), "w") as f:
        f.write("\n".join(md))
    print("\n".join(tap(samples + pol_samples, failures, sizes) if want_tap else md))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
