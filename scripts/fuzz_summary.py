"""Prints what the fuzzed requests did, from the functions' logs: per function, how many
requests answered with each status. Shows how deep the fuzzer got (links paid on the hosted page,
invoices settled, charges made), which schemathesis's own counts do not.

Usage: fuzz_summary.py LOG
"""

import collections
import re
import sys

ANSI = re.compile(r"\x1b\[[0-9;]*m")
API = re.compile(r'function="([a-z_]+)"[^}]*\}.*request (?:served|refused) status=([0-9]{3})')
PAGE = re.compile(r"method=([A-Z]+)\}.*page served status=([0-9]{3})")


def main():
    counts = collections.defaultdict(collections.Counter)
    with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
        for line in f:
            if " served " not in line and " refused " not in line:
                continue
            line = ANSI.sub("", line)
            if match := API.search(line):
                counts[match.group(1)][match.group(2)] += 1
            elif match := PAGE.search(line):
                counts["pay_page " + match.group(1)][match.group(2)] += 1
    statuses = sorted({status for counter in counts.values() for status in counter})
    width = max((len(name) for name in counts), default=8)
    print("requests per function and status, from the functions' logs")
    print(f"{'function':<{width}}  " + "  ".join(f"{s:>5}" for s in statuses) + "  total")
    for name in sorted(counts):
        row = counts[name]
        cells = "  ".join(f"{row.get(s, 0):>5}" for s in statuses)
        print(f"{name:<{width}}  {cells}  {sum(row.values()):>5}")
    total = sum(sum(c.values()) for c in counts.values())
    print(f"{'all':<{width}}  " + "  ".join(
        f"{sum(c.get(s, 0) for c in counts.values()):>5}" for s in statuses) + f"  {total:>5}")


if __name__ == "__main__":
    main()
