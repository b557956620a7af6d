#!/usr/bin/env python3
"""Deterministic inputs for the shape rows of make bench.

  gen_extra.py wide OUT.csv COLS ROWS
      a wide export: COLS columns cycling through email, SG mobile, NRIC,
      amounts and short repeated notes (memory grows with columns, never
      with rows)
  gen_extra.py split CSV DIR COUNT SIZE_KB
      up to COUNT files of about SIZE_KB each under DIR (fewer when CSV
      is used up), cut from CSV at line ends, each starting with CSV's
      header: many small exports
"""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from checkdigits import nric_letter  # noqa: E402


def wide(out, cols, rows):
    r = random.Random(20261123)
    pool = 5000
    nrics = []
    for _ in range(pool):
        p = r.choice("STFG")
        d = "".join(str(r.randrange(10)) for _ in range(7))
        nrics.append(p + d + nric_letter(p, d))
    mobiles = ["%d%07d" % (r.choice([8, 9]), r.randrange(1000000, 9000000)) for _ in range(pool)]
    emails = ["user%d@example.com" % r.randrange(10 ** 6) for _ in range(pool)]
    amounts = ["%d.%02d" % (r.randrange(10000), r.randrange(100)) for _ in range(pool)]
    notes = ["note %d" % i for i in range(50)]
    kinds = [emails, mobiles, nrics, amounts, notes]
    names = ["%s_%d" % (("email", "mobile", "nric", "amount", "note")[c % 5], c) for c in range(cols)]
    with open(out, "w", newline="") as f:
        f.write(",".join(names) + "\n")
        for _ in range(rows):
            f.write(",".join(r.choice(kinds[c % 5]) for c in range(cols)) + "\n")


def split(csv, outdir, count, size_kb):
    os.makedirs(outdir, exist_ok=True)
    with open(csv, "rb") as f:
        header = f.readline()
        for i in range(count):
            body = f.read(size_kb * 1024)
            if not body:
                break   # CSV is used up: fewer files
            body += f.readline()   # to the end of the line
            with open(os.path.join(outdir, "part-%04d.csv" % i), "wb") as o:
                o.write(header + body)


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "wide":
        wide(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif len(sys.argv) == 6 and sys.argv[1] == "split":
        split(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
