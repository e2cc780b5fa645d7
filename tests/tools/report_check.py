#!/usr/bin/env python3
"""report_check.py -- checks what tools/raptors-report made of a profile.

Usage: report_check.py PROFILE.json DIR SUMMARY.txt

DIR is the report's output directory and SUMMARY.txt its stdout.  Checks:
  - each chart is in DIR as a non-empty .svg (well-formed XML) and .png
    (with the PNG signature), and index.html shows each SVG;
  - the actor_type and msg_type of each of the 5 heaviest message workloads
    (by time_ns: both the per-rank entries and the sums over ranks) are
    text in busy_by_rank.svg or handler_percentiles.svg;
  - every named workload's name is text in handler_percentiles.svg;
  - SUMMARY.txt's imbalance line gives max/mean of ranks_load's busy_ns
    with 2 decimals ("n/a" without busy time), and its cross-rank bytes
    line the share of rank_pairs bytes with src != dst as a percentage
    with 1 decimal ("no messages" when no bytes);
  - the report refuses a file holding {} and a file that is not JSON: exit
    status 2 and a message on stderr naming the file.
The report run is $RAPTORS_REPORT, else tools/raptors-report two folders
above this file.  Exit status 0: all hold; 1: not (each failure printed);
2: bad usage.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

CHARTS = ("busy_by_rank", "rank_bytes", "top_actors", "load_over_time", "handler_percentiles")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TOP = 5

failures = []


def fail(msg):
    failures.append(msg)


def read_bytes(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        fail(f"{path}: cannot read: {e.strerror or e}")
        return None


def svg_text(path):
    """All the text in an SVG (XML entities decoded), '' if unusable."""
    data = read_bytes(path)
    if data is None:
        return ""
    try:
        return "\n".join(ET.fromstring(data).itertext())
    except ET.ParseError as e:
        fail(f"{path}: not well-formed XML: {e}")
        return ""


# -------------------------------------------------------------- the files

def check_files(outdir):
    for name in CHARTS:
        svg, png = (os.path.join(outdir, f"{name}.{ext}") for ext in ("svg", "png"))
        data = read_bytes(svg)
        if data is not None and not data.strip():
            fail(f"{svg}: empty")
        data = read_bytes(png)
        if data is not None and not data.startswith(PNG_SIGNATURE):
            fail(f"{png}: " + ("empty" if not data else "no PNG signature"))


def check_index(outdir):
    path = os.path.join(outdir, "index.html")
    data = read_bytes(path)
    if data is None:
        return
    page = data.decode("utf-8", "replace")
    for name in CHARTS:
        if not re.search(r"""src\s*=\s*["']%s\.svg["']""" % re.escape(name), page):
            fail(f"{path}: no <img src=\"{name}.svg\">")


# ----------------------------------------------------- names in the charts

def message_workloads(prof):
    return [w for w in prof.get("workloads", []) if isinstance(w, dict) and "msg_type" in w]


def time_ns(w):
    t = w.get("time_ns")
    return t if isinstance(t, (int, float)) and not isinstance(t, bool) else 0


def top_message_workloads(prof):
    """{(actor_type, msg_type)} of the TOP heaviest entries and of the TOP
    heaviest (actor_type, msg_type) summed over ranks."""
    ws = message_workloads(prof)
    top = {(w.get("actor_type"), w.get("msg_type")) for w in sorted(ws, key=lambda w: -time_ns(w))[:TOP]}
    sums = {}
    for w in ws:
        key = (w.get("actor_type"), w.get("msg_type"))
        sums[key] = sums.get(key, 0) + time_ns(w)
    top |= set(sorted(sums, key=lambda k: -sums[k])[:TOP])
    return top


def check_names(prof, outdir):
    busy = svg_text(os.path.join(outdir, "busy_by_rank.svg"))
    pct = svg_text(os.path.join(outdir, "handler_percentiles.svg"))
    for actor_type, msg_type in sorted(top_message_workloads(prof), key=str):
        for name in (actor_type, msg_type):
            if str(name) not in busy and str(name) not in pct:
                fail(f"{name!r} (workload {actor_type}/{msg_type}) is not text in "
                     f"busy_by_rank.svg or handler_percentiles.svg")
    named = {w.get("name") for w in prof.get("workloads", [])
             if isinstance(w, dict) and "name" in w and "msg_type" not in w}
    for name in sorted(named, key=str):
        if str(name) not in pct:
            fail(f"named workload {name!r} is not text in handler_percentiles.svg")


# ------------------------------------------------------------ the summary

def expected_imbalance(prof):
    busy = [r.get("busy_ns", 0) for r in prof.get("ranks_load", []) if isinstance(r, dict)]
    if not busy or sum(busy) <= 0:
        return "n/a"
    return f"{max(busy) / (sum(busy) / len(busy)):.2f}"


def expected_share(prof):
    pairs = [p for p in prof.get("rank_pairs", []) if isinstance(p, dict)]
    total = sum(p.get("bytes", 0) for p in pairs)
    if total <= 0:
        return "no messages"
    cross = sum(p.get("bytes", 0) for p in pairs if p.get("src") != p.get("dst"))
    return f"{100.0 * cross / total:.1f}%"


def summary_value(summary, prefix):
    """What follows the first ': ' on the line starting with `prefix`."""
    for line in summary.splitlines():
        if line.startswith(prefix) and ": " in line:
            return line.split(": ", 1)[1]
    return None


def check_value(summary, prefix, want):
    got = summary_value(summary, prefix)
    if got is None:
        fail(f"summary: no line starting {prefix!r}")
    elif got != want and not got.startswith(want + " "):
        fail(f"summary: {prefix!r} line reads {got!r}, expected {want!r}")


def check_summary(prof, path):
    data = read_bytes(path)
    if data is None:
        return
    summary = data.decode("utf-8", "replace")
    check_value(summary, "imbalance", expected_imbalance(prof))
    check_value(summary, "cross-rank bytes", expected_share(prof))


# ------------------------------------------------------------- bad input

def report_command():
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.environ.get("RAPTORS_REPORT") or os.path.join(here, "..", "..", "tools", "raptors-report")
    # Run it the way a user does, or with this interpreter if not executable.
    return [path] if os.access(path, os.X_OK) else [sys.executable, path]


def check_refuses(cmd, tmp, fname, content):
    bad = os.path.join(tmp, fname)
    with open(bad, "w", encoding="utf-8") as f:
        f.write(content)
    try:
        run = subprocess.run(cmd + [bad, "-o", os.path.join(tmp, "out")], capture_output=True,
                             text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        fail(f"cannot run {' '.join(cmd)}: {e}")
        return
    if run.returncode != 2:
        fail(f"report on {fname} ({content.strip()!r}): exit {run.returncode}, not 2")
    if bad not in run.stderr:
        fail(f"report on {fname}: stderr does not name the file: {run.stderr.strip()!r}")


def check_bad_input():
    cmd = report_command()
    if not os.path.exists(cmd[-1]):
        fail(f"{cmd[-1]}: no such report program (set RAPTORS_REPORT)")
        return
    with tempfile.TemporaryDirectory(prefix="report_check.") as tmp:
        check_refuses(cmd, tmp, "empty-object.json", "{}\n")
        check_refuses(cmd, tmp, "not-json.json", "this is not JSON\n")


def main(argv):
    if len(argv) != 3 or argv[0] in ("-h", "--help"):
        print("Usage: report_check.py PROFILE.json DIR SUMMARY.txt", file=sys.stderr)
        return 2
    profile, outdir, summary = argv
    try:
        with open(profile, encoding="utf-8") as f:
            prof = json.load(f)
    except (OSError, ValueError) as e:
        print(f"report_check: {profile}: cannot read the profile: {e}", file=sys.stderr)
        return 1
    if not isinstance(prof, dict):
        print(f"report_check: {profile}: not a JSON object", file=sys.stderr)
        return 1
    check_files(outdir)
    check_index(outdir)
    check_names(prof, outdir)
    check_summary(prof, summary)
    check_bad_input()
    for msg in failures:
        print(f"report_check: FAIL: {msg}")
    if failures:
        return 1
    print(f"report_check: {profile}: report in {outdir} as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
