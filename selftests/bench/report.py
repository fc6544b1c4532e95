#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Tables, JSON and charts of one `make bench` run.

  report.py DIR

reads DIR/results.jsonl (one sample a line, written in the VM by inner.sh),
DIR/vm-info.json and DIR/host-info.json, and writes

  DIR/results.json   run information, every sample, and per (metric, mode,
                     size) the median, minimum, maximum and sample count
  DIR/results.md     one table per figure (median and min-max spread),
                     ratios to kubenf and to no translation, the targets
  DIR/<figure>.png   one chart per figure: the figure against the number of
                     Services, one line per mode, bars from min to max

Exit status 1 if the run recorded a failure (a mode that could not program
its rules or carry a connection), 0 otherwise.
"""

import json
import os
import statistics
import sys

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
    samples, failures = [], []
    with open(os.path.join(d, "results.jsonl")) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            (failures if r["metric"] == "failure" else samples).append(r)
    info = {}
    for name in ("vm-info.json", "host-info.json"):
        p = os.path.join(d, name)
        if os.path.exists(p):
            with open(p) as f:
                info[name.split("-")[0]] = json.load(f)
    return samples, failures, info


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


def table(acc, metric, sizes):
    title, unit, _, _, _ = FIGURES[metric]
    bymode = acc.get(metric, {})
    if not bymode:
        return []
    out = ["### %s [%s]" % (title, unit), "",
           "| mode | " + " | ".join("%d" % n for n in sizes) + " |",
           "|---|" + "---|" * len(sizes)]
    for m in modes_of(bymode):
        row = [cell(bymode[m][n], unit) if n in bymode[m] else "-" for n in sizes]
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
        if worst:
            w = min(worst)
            out.append("| kubenf rate (%s Service) at or above every other mode at every size | %s | "
                       "closest: %s at %d, kubenf %+.1f%% |"
                       % (what, "met" if w[0] >= 0 else "missed", LABEL[w[1]], w[2], w[0]))
    for m, what in (("kubenf", "kubenfctl svc set"), ("kubenf-nl", "resident netlink socket")):
        v = med(acc, "add_one", m, hi)
        if v is not None:
            out.append("| adding one Service under 1 ms at %d (%s) | %s | %.3g ms (%.2gx the target) |"
                       % (hi, what, "met" if v < 1 else "missed", v, v))
    k = med(acc, "program_all", "kubenf", hi)
    others = [(med(acc, "program_all", m, hi), m) for m in modes_of(acc.get("program_all", {}))
              if m not in ("kubenf", "none", "ct-nat")]
    others = [(v, m) for v, m in others if v is not None]
    if k is not None and others:
        best = min(others)
        out.append("| programming %d Services from scratch faster than any other mode | %s | "
                   "kubenf %.3g s, fastest other: %s %.3g s (%.1fx) |"
                   % (hi, "met" if k < best[0] else "missed", k, LABEL[best[1]], best[0],
                      best[0] / k))
    out.append("")
    return out


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


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: report.py DIR")
    d = sys.argv[1]
    samples, failures, info = load(d)
    acc = summarize(samples)
    sizes = sorted({int(r["size"]) for r in samples})
    summary = {}
    for metric, bymode in acc.items():
        if metric.startswith("_"):
            continue
        summary[metric] = {m: {str(n): stats(v) for n, v in bysize.items()}
                           for m, bysize in bymode.items()}
    with open(os.path.join(d, "results.json"), "w") as f:
        json.dump({"info": info, "failures": failures, "summary": summary,
                   "samples": samples}, f, indent=1)

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
    if failures:
        md += ["**Failures:**", ""] + ["* %s at %s Services: %s" % (f["mode"], f["size"], f["what"])
                                       for f in failures] + [""]
    md += targets(acc, sizes)
    for metric in FIGURES:
        md += table(acc, metric, sizes)
        png = chart(d, acc, metric, sizes, info)
        if png:
            md += ["![%s](%s)" % (metric, png), ""]
    md += mem_split(acc, info)
    md += exec_table(acc, sizes)
    md += ratio_table(acc, sizes)
    md += ["Tools: %s; %s; %s; %s." % (vm.get("kubenfctl", "?"), vm.get("iptables", "?"),
                                       vm.get("nft", "?"), vm.get("ipvsadm", "?")), ""]
    with open(os.path.join(d, "results.md"), "w") as f:
        f.write("\n".join(md))
    print("\n".join(md))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
