#!/usr/bin/env python3
"""Deterministic benchmark export: a 15-column customers CSV of about
SIZE_MB megabytes (default 1024), with valid NRICs, SG mobiles, emails,
Luhn-valid cards, addresses and free-text notes.

usage: gen_bench.py OUT.csv [SIZE_MB]
"""
import random
import sys

import os

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from checkdigits import luhn_check_digit, nric_letter  # noqa: E402


def nric(r):
    p = r.choice("STFGM")
    d = "".join(str(r.randrange(10)) for _ in range(7))
    return p + d + nric_letter(p, d)


def luhn_complete(prefix, length, r):
    payload = prefix + "".join(str(r.randrange(10)) for _ in range(length - len(prefix) - 1))
    return payload + str(luhn_check_digit(payload))


FIRST = ["Tan", "Lim", "Lee", "Ng", "Ong", "Wong", "Goh", "Chua", "Chan", "Koh", "Teo", "Ang", "Yeo", "Tay", "Ho"]
GIVEN = ["Wei Ming", "Hui Min", "Jun Jie", "Xin Yi", "Kai Wen", "Siti", "Muhammad", "Priya", "Arjun", "Mei Ling"]
STREETS = ["Ang Mo Kio Ave 3", "Tampines St 21", "Bedok North Rd", "Jurong West St 42", "Toa Payoh Lor 2", "Yishun Ring Rd"]
NOTES = ["", "", "", "prefers email", "call back after 6pm on {p}", "VIP since 2019",
         "address changed, see ticket 4512", "delivery to lobby", "asked to be called on {p}", "no marketing"]
STATUS = ["active", "inactive", "churned", "pending"]


def main():
    out = sys.argv[1]
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
    target = size * 1024 * 1024
    r = random.Random(20261123)
    # Pools keep generation fast; rows combine them.
    pool = 20000
    nrics = [nric(r) for _ in range(pool)]
    mobiles = ["%d%07d" % (r.choice([8, 9]), r.randrange(1000000, 9000000)) for _ in range(pool)]
    cards = []
    for _ in range(pool):
        iin = r.choice(["4", "51", "52", "55", "37"])
        cards.append(luhn_complete(iin, 15 if iin == "37" else 16, r))  # Amex: 15 digits
    names = [r.choice(FIRST) + " " + r.choice(GIVEN) for _ in range(pool)]
    with open(out, "w", newline="") as f:
        f.write("customer_id,full_name,nric,email,mobile,card_no,address,postal_code,"
                "date_of_birth,created_at,updated_at,status,order_total,loyalty_points,notes\n")
        written = 0
        i = 0
        buf = []
        while written < target:
            i += 1
            k = i % pool
            m = mobiles[(k * 7) % pool]
            note = NOTES[i % len(NOTES)].format(p=m[:4] + " " + m[4:])
            if "," in note:
                note = '"' + note + '"'
            line = "%d,%s,%s,%s,%s,%s,\"Blk %d %s #%02d-%03d\",%06d,%04d-%02d-%02d,2023-%02d-%02dT10:%02d:00Z,2025-%02d-%02d,%s,%d.%02d,%d,%s\n" % (
                1000000 + i, names[k], nrics[(k * 13) % pool],
                "user%d@example.com" % i, "+65 " + m if i % 3 == 0 else m,
                cards[(k * 3) % pool], i % 900 + 1, STREETS[i % len(STREETS)],
                i % 30 + 1, i % 200 + 1, 100000 + i % 700000,
                1950 + i % 55, i % 12 + 1, i % 28 + 1,
                i % 12 + 1, i % 28 + 1, i % 60, i % 12 + 1, i % 28 + 1,
                STATUS[i % 4], i % 5000, i % 100, i % 10000, note)
            buf.append(line)
            written += len(line)
            if len(buf) >= 10000:
                f.write("".join(buf))
                buf = []
        f.write("".join(buf))


if __name__ == "__main__":
    main()
