#!/usr/bin/env python3
"""Summarises bench/compare.sh's results.tsv: per workload the median over rounds of each server,
the spread (min-max), the ratio Hikyaku/Postfix, and where Hikyaku stands against issue 4's targets.
Usage: python3 bench/summarize.py bench/target/compare/results.tsv"""
import csv
import statistics
import sys
from collections import defaultdict

ROWS = [
    # workload, metric, label, higher is better
    ("relay-in", "msgs_per_s", "relay-in, load tool: msgs/s", True),
    ("relay-in", "server_cpu_ms_per_msg", "relay-in: server CPU ms/msg", False),
    ("relay-in", "tx_p50_ms", "relay-in: transaction p50 ms", False),
    ("relay-in", "tx_p99_ms", "relay-in: transaction p99 ms", False),
    ("relay-in-source", "msgs_per_s", "relay-in, smtp-source: msgs/s", True),
    ("relay-in-source", "server_cpu_ms_per_msg", "relay-in, smtp-source: server CPU ms/msg", False),
    ("submission-1", "msgs_per_s", "submission STARTTLS+PLAIN, 1/conn: msgs/s", True),
    ("submission-1", "server_cpu_ms_per_msg", "submission 1/conn: server CPU ms/msg", False),
    ("submission-1", "setup_p50_ms", "submission 1/conn: set-up p50 ms", False),
    ("submission-1", "setup_p99_ms", "submission 1/conn: set-up p99 ms", False),
    ("submission-10", "msgs_per_s", "submission STARTTLS+PLAIN, 10/conn: msgs/s", True),
    ("submission-10", "server_cpu_ms_per_msg", "submission 10/conn: server CPU ms/msg", False),
    ("submission-10", "tx_p99_ms", "submission 10/conn: transaction p99 ms", False),
    # Both servers DKIM-signing (Postfix: OpenDKIM milter, its CPU inside the server CPU and on its own).
    ("submission-1-dkim", "msgs_per_s", "submission + DKIM, 1/conn: msgs/s", True),
    ("submission-1-dkim", "server_cpu_ms_per_msg", "submission + DKIM 1/conn: server CPU ms/msg", False),
    ("submission-1-dkim", "opendkim_cpu_ms_per_msg", "  of which OpenDKIM ms/msg", False),
    ("submission-1-dkim", "setup_p50_ms", "submission + DKIM 1/conn: set-up p50 ms", False),
    ("submission-1-dkim", "tx_p99_ms", "submission + DKIM 1/conn: transaction p99 ms", False),
    ("submission-10-dkim", "msgs_per_s", "submission + DKIM, 10/conn: msgs/s", True),
    ("submission-10-dkim", "server_cpu_ms_per_msg", "submission + DKIM 10/conn: server CPU ms/msg", False),
    ("submission-10-dkim", "opendkim_cpu_ms_per_msg", "  of which OpenDKIM ms/msg", False),
    ("submission-10-dkim", "tx_p99_ms", "submission + DKIM 10/conn: transaction p99 ms", False),
    ("latency-half", "msgs_per_s", "half load: paced msgs/s", True),
    ("latency-half", "tx_p50_ms", "half load: transaction p50 ms", False),
    ("latency-half", "tx_p99_ms", "half load: transaction p99 ms", False),
    ("end-to-end", "msgs_per_s", "end-to-end to smtp-sink: msgs/s", True),
    ("idle", "requested", "idle TLS: connections asked for", True),
    ("idle", "established", "idle TLS: connections held", True),
    ("idle", "processes", "idle TLS: server processes", False),
    ("idle", "rss_mib", "idle TLS: RSS MiB (sum)", False),
    ("idle", "pss_mib", "idle TLS: PSS MiB (sum)", False),
    ("idle", "pss_per_conn_kib", "idle TLS: PSS KiB per held connection", False),
    ("idle", "pss_10k_projected_mib", "idle TLS: PSS MiB projected to 10,000", False),
]

# CPU time other processes took during each workload: how disturbed the figures are.
NOISE = ["relay-in", "submission-1", "submission-10", "submission-1-dkim", "submission-10-dkim", "latency-half"]


def number(text):
    try:
        return float(text)
    except ValueError:
        return None


def main(path):
    values = defaultdict(list)  # (server, workload, metric) -> [values over rounds]
    failed = defaultdict(float)
    with open(path, newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["round"] == "profile":
                continue
            key = (row["server"], row["workload"], row["metric"])
            values[key].append(row["value"])
            if row["metric"] == "failed":
                failed[(row["server"], row["workload"])] += number(row["value"]) or 0

    def stat(server, workload, metric):
        raw = values.get((server, workload, metric), [])
        nums = [v for v in (number(x) for x in raw) if v is not None]
        if not nums:
            return ("n/a" if raw else "-"), None
        median = statistics.median(nums)
        text = f"{median:,.1f}" if median < 1000 else f"{median:,.0f}"
        if len(nums) > 1:
            text += f" ({min(nums):,.1f}-{max(nums):,.1f})"
        return text, median

    rounds = max((len(v) for k, v in values.items() if k[2] == "msgs_per_s"), default=0)
    print(f"\nMedians over {rounds} round(s), spread (min-max) in brackets:\n")
    header = f"{'workload / metric':46} {'Hikyaku':>26} {'Postfix (+Dovecot)':>26} {'H/P':>6}"
    print(header)
    print("-" * len(header))
    medians = {}
    for workload, metric, label, _ in ROWS:
        h_text, h = stat("hikyaku", workload, metric)
        p_text, p = stat("postfix", workload, metric)
        if h_text == "-" and p_text == "-":
            continue
        ratio = f"{h / p:.2f}" if h is not None and p else ""
        medians[(workload, metric)] = (h, p)
        print(f"{label:46} {h_text:>26} {p_text:>26} {ratio:>6}")
    print("\nCPU seconds other processes on the machine used during the workload (median; noise):")
    for workload in NOISE:
        h_text, _ = stat("hikyaku", workload, "others_cpu_s")
        p_text, _ = stat("postfix", workload, "others_cpu_s")
        print(f"  {workload:44} {h_text:>26} {p_text:>26}")
    if failed:
        print()
        for (server, workload), count in sorted(failed.items()):
            if count:
                print(f"failures: {server} {workload}: {count:.0f} messages/connections (see logs)")

    def ratio(workload, metric="msgs_per_s"):
        h, p = medians.get((workload, metric), (None, None))
        return h / p if h is not None and p else None

    def verdict(ok):
        return "n/a" if ok is None else ("MET" if ok else "NOT MET")

    print("\nTargets (issue 4):")
    r = ratio("relay-in")
    print(f"  relay-in >= 2x Postfix msgs/s: {verdict(None if r is None else r >= 2)} ({'' if r is None else f'{r:.2f}x'})")
    r = ratio("relay-in-source")
    print(f"  relay-in (smtp-source) >= 2x Postfix: {verdict(None if r is None else r >= 2)} ({'' if r is None else f'{r:.2f}x'})")
    r = ratio("end-to-end")
    print(f"  end-to-end >= 2x Postfix: {verdict(None if r is None else r >= 2)} ({'' if r is None else f'{r:.2f}x'})")
    for w in ("submission-1", "submission-10"):
        r = ratio(w)
        print(f"  {w} TLS+AUTH >= 2x Postfix+Dovecot: {verdict(None if r is None else r >= 2)} ({'' if r is None else f'{r:.2f}x'})")
    for w in ("submission-1-dkim", "submission-10-dkim"):
        r = ratio(w)
        if r is not None:
            print(f"  {w} TLS+AUTH+DKIM >= 2x Postfix+Dovecot+OpenDKIM (issue 15): {verdict(r >= 2)} ({r:.2f}x)")
    held, _ = medians.get(("idle", "established"), (None, None))
    asked, _ = medians.get(("idle", "requested"), (None, None))
    rss, _ = medians.get(("idle", "rss_mib"), (None, None))
    if held is not None and rss is not None:
        ok = held >= 10000 and rss < 1024
        print(f"  10,000 idle TLS connections < 1 GiB RSS: {verdict(ok)} ({held:.0f} of {asked:.0f} held, {rss:.0f} MiB)")
    _, p_held = medians.get(("idle", "established"), (None, None))
    _, p_asked = medians.get(("idle", "requested"), (None, None))
    _, p_proj = medians.get(("idle", "pss_10k_projected_mib"), (None, None))
    if p_held is not None and p_asked is not None and p_asked < 10000:
        print(f"  (Postfix held {p_held:.0f} of {p_asked:.0f} connections asked for; its 10,000 figure is a linear"
              f" projection of PSS: {p_proj:.0f} MiB, not a measurement)")
    p99, _ = medians.get(("latency-half", "tx_p99_ms"), (None, None))
    if p99 is not None:
        print(f"  p99 transaction < 50 ms at half the saturating load: {verdict(p99 < 50)} ({p99:.1f} ms)")


if __name__ == "__main__":
    main(sys.argv[1])
