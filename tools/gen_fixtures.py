#!/usr/bin/env python3
"""Generate lethe's synthetic fixture dataset (python3 stdlib only).

    python3 tools/gen_fixtures.py            writes fixtures/ at the repo top
    python3 tools/gen_fixtures.py OUTDIR     writes OUTDIR/ instead
    python3 tools/gen_fixtures.py --check [DIR]
                                             re-reads DIR (default fixtures/)
                                             and verifies every identifier
                                             with a second, independent
                                             implementation of each rule

One small dataset, kept in several containers and encodings (STYLE.md,
Tests).  Every identifier is synthetic but VALID (check letters, RRN check
digits, Luhn, numbering-plan ranges; rules in the shared IDENTIFIERS.md),
so a detector has to accept it; the lookalike columns (order_ref, sku,
orders.csv) are built to be rejected.  The output is a pure function of
SEED: re-running gives byte-identical files (gzip headers carry mtime 0,
zip entries a fixed date).

Layout written:
  demo/customers.csv, demo/customers_kr.csv, demo/orders.csv
  containers/  the customers data as .gz, BOM+CRLF, ';', TAB, multi-line
               notes, two concatenated gzip members, .zip; the Korean data
               as CP949 and UTF-16LE (BOM)
  malformed/   truncated gzip, corrupt CRC, unbalanced quote, PNG, empty,
               header only, invalid UTF-8 (+NUL), ragged rows
  expected/identifiers.txt   every raw identifier written anywhere above,
               in its written and compacted forms (the CLI leak check)
  expected/facts.json        counts the CLI tests assert (rows, matches)
"""

import csv
import datetime
import io
import json
import os
import random
import struct
import sys
import zipfile
import zlib

SEED = 20261122
N_CUSTOMERS = 300
N_KR = 120
N_ORDERS = 200

# ---------------------------------------------------------------------------
# Check digits (implementation 1: tools/checkdigits.py, shared by every
# generator; implementation 2 is --check below)
# ---------------------------------------------------------------------------

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checkdigits import (NRIC_TABLE, ean13_check, luhn_check_digit,  # noqa: E402
                         nric_letter, rrn_check, self_test)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def gzip_bytes(data):
    """One gzip member: fixed header (mtime 0, no name, OS unix)."""
    co = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    body = co.compress(data) + co.flush()
    header = b"\x1f\x8b\x08\x00" + b"\x00\x00\x00\x00" + b"\x02\x03"
    trailer = struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF,
                          len(data) & 0xFFFFFFFF)
    return header + body + trailer


def csv_text(rows, delimiter=",", lineterminator="\n"):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, quotechar='"',
                   quoting=csv.QUOTE_MINIMAL, lineterminator=lineterminator)
    for r in rows:
        w.writerow(r)
    return buf.getvalue()


def png_bytes(w=16, h=16):
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = bytearray()
    for y in range(h):
        raw.append(0)  # filter: none
        for x in range(w):
            raw += bytes(((x * 16) & 0xFF, (y * 16) & 0xFF, ((x ^ y) * 16) & 0xFF))
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
            chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b""))


def rand_date(rng, start, end):
    span = (end - start).days
    return start + datetime.timedelta(days=rng.randrange(span + 1))


# ---------------------------------------------------------------------------
# Value generators
# ---------------------------------------------------------------------------

SG_SURNAMES = ["Tan", "Lim", "Lee", "Ng", "Ong", "Wong", "Goh", "Chua", "Chan",
               "Koh", "Teo", "Ang", "Yeo", "Tay", "Ho", "Low", "Toh", "Sim"]
SG_GIVEN = ["Wei Ming", "Hui Min", "Jia Hui", "Zhi Hao", "Xin Yi", "Jun Jie",
            "Mei Ling", "Kai Wen", "Shu Fen", "Yong Sheng", "Li Ting",
            "Wen Jun", "Siew Lan", "Boon Kiat", "Pei Shan"]
MALAY = [("Muhammad Faiz", "bin", "Ismail"), ("Nur Aisyah", "binte", "Rahman"),
         ("Ahmad Hafiz", "bin", "Osman"), ("Siti Nurhaliza", "binte", "Yusof"),
         ("Mohd Irfan", "bin", "Abdullah"), ("Nurul Huda", "binte", "Salleh")]
INDIAN = [("Priya", "d/o", "Raman"), ("Arun", "s/o", "Kumar"),
          ("Kavitha", "d/o", "Subramaniam"), ("Rajesh", "s/o", "Pillai"),
          ("Deepa", "d/o", "Nair"), ("Vikram", "s/o", "Menon")]
EXPAT = [("James", "Miller"), ("Sophie", "Martin"), ("Lukas", "Schmidt"),
         ("Emma", "Clarke"), ("Hiroshi", "Sato"), ("Ana", "Santos")]
EMAIL_DOMAINS = ["example.com", "example.org", "mail.example.sg"]

NOTES_PLAIN = [
    "Prefers email, not SMS",
    'Asked for "paperless" statements',
    "Delivery to side gate, dog on premises",
    "VIP customer since 2019",
    "Complained about late delivery (order delayed 3 days)",
    "Requested invoice copy",
    "Gift wrap every order",
    "Do not call before 10am",
    "Moved house, new address pending",
    "Pays by bank transfer",
    "Left parcel with neighbour",
    'Wants size XL, "not L"',
    "Returned item unopened",
    "Birthday promo sent",
]
NOTES_PHONE = [
    "call back on {p} after 6pm",
    "Customer asked us to call back on {p} after 6pm",
    "Alt contact: {p} (wife)",
    "WhatsApp {p} for delivery updates",
    "Prefers SMS to {p}, not email",
]
MULTILINE_TAILS = [
    '\nfollow-up: left voicemail, will retry "twice"',
    "\nsecond line; third, fourth\nand a \"quoted\" bit",
    "\r\nCRLF inside the quotes, then ; and ,",
    # a line that looks like a whole record: the splitter must not cut here
    "\nC199999,Fake Row,,,,,,,,2020-01-01",
]


class Gen:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.used = set()

    def unique(self, fn):
        for _ in range(1000):
            v = fn()
            if v not in self.used:
                self.used.add(v)
                return v
        raise RuntimeError("could not make a unique value")

    # --- Singapore -------------------------------------------------------
    def nric(self, prefix):
        rng = self.rng

        def make():
            if prefix == "S":      # citizens born 1968-1999: digits 1-2 = YY
                d = "%02d" % rng.randrange(68, 100) + "%05d" % rng.randrange(100000)
            elif prefix == "T":    # born 2000-2009
                d = "%02d" % rng.randrange(0, 10) + "%05d" % rng.randrange(100000)
            else:                  # FINs carry no birth year
                d = "%07d" % rng.randrange(10000000)
            return prefix + d + nric_letter(prefix, d)
        return self.unique(make)

    def nric_lookalike(self):
        """NRIC-shaped, check letter wrong (but from the prefix's own
        alphabet, so only the arithmetic tells it apart)."""
        rng = self.rng

        def make():
            p = rng.choice("STFGM")
            d = "%07d" % rng.randrange(10000000)
            good = nric_letter(p, d)
            bad = rng.choice([c for c in sorted(set(NRIC_TABLE[p])) if c != good])
            return p + d + bad
        return self.unique(make)

    def sg_mobile8(self):
        rng = self.rng

        def make():
            # (8[1-9]|9[0-8])\d{6}: never 99xx (999/995), never 800x; 89
            # is left out too (allocated 2023: older libphonenumber data,
            # e.g. Debian bookworm's, calls it invalid)
            first = rng.choice(["8%d" % rng.randrange(1, 9),
                                "9%d" % rng.randrange(0, 9)])
            return first + "%06d" % rng.randrange(1000000)
        return self.unique(make)

    def card(self):
        rng = self.rng

        def make():
            kind = rng.choices(["visa", "mc", "amex"], [5, 3, 2])[0]
            if kind == "visa":
                payload = "4" + "".join(str(rng.randrange(10)) for _ in range(14))
            elif kind == "mc":
                payload = "5%d" % rng.randrange(1, 6) + \
                    "".join(str(rng.randrange(10)) for _ in range(13))
            else:
                payload = rng.choice(["34", "37"]) + \
                    "".join(str(rng.randrange(10)) for _ in range(12))
            return payload + str(luhn_check_digit(payload))
        return self.unique(make)

    # --- Korea -------------------------------------------------------------
    def rrn(self, post2020):
        rng = self.rng

        def make():
            if post2020:
                # numbers assigned since 5 Oct 2020: YYMMDD-G + 6 random
                # digits; births 2021-2024, G 3/4.  The tail is drawn so the
                # legacy check digit FAILS (the detector must accept it on
                # date + gender digit alone).
                born = rand_date(rng, datetime.date(2021, 1, 1),
                                 datetime.date(2024, 12, 31))
                g = rng.choice("34")
                while True:
                    tail = "%06d" % rng.randrange(1000000)
                    d12 = born.strftime("%y%m%d") + g + tail[:5]
                    if int(tail[5]) != rrn_check(d12):
                        break
                return born.strftime("%y%m%d") + "-" + g + tail
            born = rand_date(rng, datetime.date(1950, 1, 1),
                             datetime.date(2019, 12, 31))
            male = rng.random() < 0.5
            if born.year < 2000:
                g = "1" if male else "2"
            else:
                g = "3" if male else "4"
            office = "%02d" % rng.randrange(0, 96) + "%02d" % rng.randrange(100)
            order = str(rng.randrange(10))
            d12 = born.strftime("%y%m%d") + g + office + order
            return d12[:6] + "-" + d12[6:] + str(rrn_check(d12))
        return self.unique(make)

    def kr_mobile(self):
        rng = self.rng

        def make():
            while True:
                mid = rng.randrange(2000, 10000)
                if not 5970 <= mid <= 5999:    # 010-597x..599x unallocated
                    break
            return "010-%04d-%04d" % (mid, rng.randrange(10000))
        return self.unique(make)

    def email(self, local):
        rng = self.rng

        def make():
            suffix = "" if rng.random() < 0.6 else str(rng.randrange(1, 100))
            return local + suffix + "@" + rng.choice(EMAIL_DOMAINS)
        return self.unique(make)


def sg_mobile_written(rng, m8):
    r = rng.random()
    if r < 0.50:
        return m8[:4] + " " + m8[4:]
    if r < 0.75:
        return "+65 " + m8[:4] + " " + m8[4:]
    if r < 0.90:
        return m8
    return "+65" + m8


def card_written(rng, pan):
    r = rng.random()
    if r < 0.50:
        return pan
    sep = " " if r < 0.85 else "-"
    if len(pan) == 15:  # Amex 4-6-5
        return sep.join((pan[:4], pan[4:10], pan[10:]))
    return sep.join(pan[i:i + 4] for i in range(0, len(pan), 4))


def sg_name(rng):
    r = rng.random()
    if r < 0.6:
        sur, given = rng.choice(SG_SURNAMES), rng.choice(SG_GIVEN)
        return sur + " " + given, (given.replace(" ", "") + "." + sur).lower()
    if r < 0.75:
        a, link, b = rng.choice(MALAY)
        return "%s %s %s" % (a, link, b), (a.split()[-1] + "." + b).lower()
    if r < 0.9:
        a, link, b = rng.choice(INDIAN)
        return "%s %s %s" % (a, link, b), (a + "." + b).lower()
    a, b = rng.choice(EXPAT)
    return a + " " + b, (a + "." + b).lower()


KR_SURNAMES = [("김", "kim"), ("이", "lee"), ("박", "park"), ("최", "choi"),
               ("정", "jung"), ("강", "kang"), ("조", "cho"), ("윤", "yoon"),
               ("장", "jang"), ("임", "lim")]
KR_GIVEN = [("민준", "minjun"), ("서연", "seoyeon"), ("지훈", "jihoon"),
            ("수아", "sua"), ("예준", "yejun"), ("하은", "haeun"),
            ("도윤", "doyoon"), ("지우", "jiwoo"), ("서준", "seojun"),
            ("유진", "yujin"), ("현우", "hyunwoo"), ("지민", "jimin")]


# ---------------------------------------------------------------------------
# Datasets
# ---------------------------------------------------------------------------

def build(outdir):
    self_test()
    g = Gen(SEED)
    rng = g.rng
    idents = set()
    facts = {}

    def ident(*forms):
        for f in forms:
            if f:
                idents.add(f)

    # ---- customers (SG) --------------------------------------------------
    header = ["customer_id", "full_name", "nric", "mobile", "email", "card_no",
              "order_ref", "sku", "notes", "created_at"]
    n = N_CUSTOMERS
    prefixes = ["S"] * 180 + ["T"] * 45 + ["F"] * 30 + ["G"] * 30 + ["M"] * 15
    rng.shuffle(prefixes)
    lower_rows = set(rng.sample(range(n), 6))           # ~2% lower case
    phone_note_rows = set(rng.sample(range(n), 15))     # 5% notes with a phone
    empty_mobile = set(rng.sample(range(n), 6))
    empty_email = set(rng.sample(range(n), 9))
    rows = []
    counts = {"nric": 0, "nric_lower": 0, "mobile": 0, "email": 0, "card": 0,
              "notes": 0, "notes_phone": 0}
    for i in range(n):
        name, local = sg_name(rng)
        nric = g.nric(prefixes[i])
        ident(nric)
        if i in lower_rows:
            nric_w = nric.lower()
            ident(nric_w)
            counts["nric_lower"] += 1
        else:
            nric_w = nric
        counts["nric"] += 1
        mobile = ""
        if i not in empty_mobile:
            m8 = g.sg_mobile8()
            mobile = sg_mobile_written(rng, m8)
            ident(mobile, m8, "65" + m8, "+65" + m8, "+65 " + m8)
            counts["mobile"] += 1
        email = ""
        if i not in empty_email:
            email = g.email(local.replace("/", ""))
            ident(email)
            counts["email"] += 1
        card = ""
        if rng.random() < 0.85:
            pan = g.card()
            card = card_written(rng, pan)
            ident(card, pan)
            counts["card"] += 1
        order_ref = g.nric_lookalike()
        sku = "SKU-%05d-%s" % (rng.randrange(100000),
                               rng.choice(["XS", "S", "M", "L", "XL", "XXL"]))
        notes = ""
        if i in phone_note_rows:
            p8 = g.sg_mobile8()
            pw = rng.choice([p8[:4] + " " + p8[4:], "+65 " + p8[:4] + " " + p8[4:], p8])
            notes = rng.choice(NOTES_PHONE).format(p=pw)
            ident(pw, p8, "65" + p8, "+65" + p8, "+65 " + p8)
            counts["notes_phone"] += 1
        elif rng.random() < 0.40:
            notes = rng.choice(NOTES_PLAIN)
        if notes:
            counts["notes"] += 1
        created = rand_date(rng, datetime.date(2019, 1, 1),
                            datetime.date(2026, 6, 30)).isoformat()
        rows.append(["C%06d" % (100001 + i), name, nric_w, mobile, email, card,
                     order_ref, sku, notes, created])
    facts["customers"] = dict(counts, rows=n)

    # ---- customers (KR) --------------------------------------------------
    kr_header = ["고객번호", "이름", "주민등록번호", "휴대폰", "이메일", "가입일"]
    post = set(rng.sample(range(N_KR), 6))               # 5% post-Oct-2020
    kr_rows = []
    for i in range(N_KR):
        (sur, sur_r), (giv, giv_r) = rng.choice(KR_SURNAMES), rng.choice(KR_GIVEN)
        rrn = g.rrn(i in post)
        ident(rrn, rrn.replace("-", ""))
        ph = g.kr_mobile()
        ident(ph, ph.replace("-", ""), "+82" + ph[1:].replace("-", ""),
              "+82 " + ph[1:])
        em = g.email(giv_r + "." + sur_r)
        ident(em)
        joined = rand_date(rng, datetime.date(2018, 1, 1),
                           datetime.date(2026, 6, 30)).isoformat()
        kr_rows.append(["K%05d" % (20001 + i), sur + giv, rrn, ph, em, joined])
    facts["customers_kr"] = {"rows": N_KR, "post2020": len(post)}

    # ---- orders (no personal data) ---------------------------------------
    o_header = ["order_id", "invoice_no", "sku", "ean13", "amount", "status",
                "created_at"]
    o_rows = []
    used_o = set()
    for i in range(N_ORDERS):
        while True:
            oid = "45%08d" % rng.randrange(100000000)
            if oid not in used_o:
                used_o.add(oid)
                break
        # GS1 prefixes 880 (KR), 888 (SG), 955 (MY), 978 (books): no card
        # IIN starts with 8 or 9, so these stay barcodes
        e12 = rng.choice(["880", "888", "955", "978"]) + \
            "%09d" % rng.randrange(1000000000)
        ean = e12 + str(ean13_check(e12))
        ts = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc) + \
            datetime.timedelta(seconds=rng.randrange(0, 80000000))
        o_rows.append([oid, "INV-%d-%06d" % (ts.year, 1 + i),
                       "SKU-%05d-%s" % (rng.randrange(100000), rng.choice(["S", "M", "L"])),
                       ean, "%d.%02d" % (rng.randrange(5, 900), rng.randrange(100)),
                       rng.choice(["paid", "shipped", "delivered", "cancelled", "refunded"]),
                       str(int(ts.timestamp()) * 1000 + rng.randrange(1000))])
    facts["orders"] = {"rows": N_ORDERS}

    # ---- write ---------------------------------------------------------------
    files = {}
    cust_csv = csv_text([header] + rows).encode("utf-8")
    kr_csv = csv_text([kr_header] + kr_rows).encode("utf-8")
    files["demo/customers.csv"] = cust_csv
    files["demo/customers_kr.csv"] = kr_csv
    files["demo/orders.csv"] = csv_text([o_header] + o_rows).encode("utf-8")

    # containers: the same customers data
    files["containers/customers.csv.gz"] = gzip_bytes(cust_csv)
    files["containers/customers_bom_crlf.csv"] = \
        b"\xef\xbb\xbf" + csv_text([header] + rows, lineterminator="\r\n").encode("utf-8")
    files["containers/customers_semicolon.csv"] = \
        csv_text([header] + rows, delimiter=";").encode("utf-8")
    files["containers/customers.tsv"] = \
        csv_text([header] + rows, delimiter="\t").encode("utf-8")
    ml_rows = []
    k = 0
    for r in rows:
        r = list(r)
        if r[8]:
            if k % 3 == 0:
                r[8] = r[8] + MULTILINE_TAILS[(k // 3) % len(MULTILINE_TAILS)]
            k += 1
        ml_rows.append(r)
    files["containers/customers_multiline.csv"] = \
        csv_text([header] + ml_rows).encode("utf-8")
    # two gzip members, split mid-record (inside a line) on purpose
    cut = len(cust_csv) // 2 + 7
    files["containers/customers_concat.csv.gz"] = \
        gzip_bytes(cust_csv[:cut]) + gzip_bytes(cust_csv[cut:])
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as z:
        for member, data in (("customers.csv", cust_csv),
                             ("kr/customers_kr.csv", kr_csv)):
            zi = zipfile.ZipInfo(member, date_time=(2026, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 3
            zi.external_attr = 0o644 << 16
            z.writestr(zi, data)
    files["containers/customers.zip"] = zbuf.getvalue()
    kr_text = csv_text([kr_header] + kr_rows)
    files["containers/customers_kr_cp949.csv"] = kr_text.encode("cp949")
    files["containers/customers_kr_utf16le.csv"] = b"\xff\xfe" + kr_text.encode("utf-16-le")

    # malformed
    full_gz = gzip_bytes(cust_csv)
    files["malformed/truncated.csv.gz"] = full_gz[:len(full_gz) // 2]
    bad = bytearray(full_gz)
    bad[-8] ^= 0xFF                     # first byte of the CRC32 trailer
    files["malformed/corrupt_crc.csv.gz"] = bytes(bad)
    uq = [["id", "name", "email", "notes"]]
    for i in range(1, 20):
        uq.append([str(i), rows[i][1], rows[i][4], rows[i][8]])
    # record 20 (line 21, the last): a quote opened and never closed, no
    # newline after it, so "where it opened" and "end of input" share a line
    unbalanced = csv_text(uq).encode("utf-8") + \
        ('20,%s,%s,"never closed, note runs to the end of file' %
         (rows[20][1], rows[20][4])).encode("utf-8")
    assert csv_text(uq).count("\n") == 20
    files["malformed/unbalanced_quote.csv"] = unbalanced
    facts["unbalanced_quote"] = {"line": 21}
    files["malformed/binary.png"] = png_bytes()
    files["malformed/empty.csv"] = b""
    files["malformed/header_only.csv"] = (",".join(header) + "\n").encode("utf-8")
    # invalid UTF-8: valid multibyte text around 4 isolated bad bytes, each
    # in its own cell and row: 0xFF, 0xC3 followed by a space (no
    # continuation byte, and not a CP949 pair either), NUL, 0xFF
    iu = [b"id,name,nric,notes"]
    names_u = ["José Tan", "Zoë Lim", "Nguyễn Thị Lan", "Łukasz Nowak",
               "Ana Müller", "Siti Aminah", "Rémi Koh", "Chloé Ng"]
    bad_cells = {3: (1, b"Tan\xffWei"), 10: (3, b"caf\xc3 latte"),
                 17: (3, b"abc\x00def"), 25: (1, b"\xffLim Boon")}
    for i in range(1, 31):
        nric = rows[100 + i][2].upper()
        cells = [str(i).encode(), names_u[i % len(names_u)].encode("utf-8"),
                 nric.encode(), ("note %d: café ☕" % i).encode("utf-8")]
        if i in bad_cells:
            col, val = bad_cells[i]
            cells[col] = val
        iu.append(b",".join(cells))
    inv = b"\n".join(iu) + b"\n"
    try:
        inv.decode("utf-8")
        raise AssertionError("invalid_utf8.csv decodes")
    except UnicodeDecodeError as e:
        first_bad = e.start
    files["malformed/invalid_utf8.csv"] = inv
    facts["invalid_utf8"] = {"rows": 30, "encoding_errors": 4,
                             "first_bad_byte": first_bad}
    # ragged: 3 rows whose field count differs from the header's
    rg = [["id", "email", "status", "created_at"]]
    for i in range(1, 21):
        r = [str(i), rows[200 + i][4] or "x@example.com", "active", rows[200 + i][9]]
        if i in (5, 9):
            r.append("extra")
        if i == 14:
            r = r[:3]
        rg.append(r)
    files["malformed/ragged.csv"] = csv_text(rg).encode("utf-8")
    for r in rg:
        if len(r) > 1 and "@" in r[1]:
            ident(r[1])
    facts["ragged"] = {"rows": 20, "ragged_rows": 3}

    # expected
    idents.discard("")
    files["expected/identifiers.txt"] = \
        ("\n".join(sorted(idents)) + "\n").encode("ascii")
    files["expected/facts.json"] = \
        (json.dumps(facts, indent=2, sort_keys=True) + "\n").encode("ascii")

    for rel in sorted(files):
        path = os.path.join(outdir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(files[rel])
    total = sum(len(v) for v in files.values())
    print("gen_fixtures: wrote %d files, %d bytes, under %s" % (len(files), total, outdir))
    assert total < 1024 * 1024, "fixtures must stay under 1 MiB"


# ---------------------------------------------------------------------------
# --check: a second, independent implementation of every rule
# ---------------------------------------------------------------------------

def check_nric_sap(v):
    """SAP KBA 2572734 form: check digit d = 11 - (r + 1) indexed into the
    d-ordered alphabets (not the r-indexed tables used above)."""
    v = v.upper()
    if len(v) != 9 or v[0] not in "STFGM" or not v[1:8].isdigit():
        return False
    w = [2, 7, 6, 5, 4, 3, 2]
    total = 0
    for k in range(7):
        total += w[k] * (ord(v[1 + k]) - 48)
    if v[0] in "TG":
        total += 4
    elif v[0] == "M":
        total += 3
    d = 11 - (total % 11 + 1)
    alpha = {"S": "ABCDEFGHIZJ", "T": "ABCDEFGHIZJ", "F": "KLMNPQRTUWX",
             "G": "KLMNPQRTUWX", "M": "KLJNPQRTUWX"}[v[0]]
    return alpha[d] == v[8]


def check_rrn(v, allow_post2020):
    if len(v) != 14 or v[6] != "-":
        return False, "shape"
    d = v.replace("-", "")
    if not d.isdigit():
        return False, "digits"
    g = int(d[6])
    century = {1: 1900, 2: 1900, 3: 2000, 4: 2000}.get(g)
    if century is None:
        return False, "gender digit"
    try:
        born = datetime.date(century + int(d[0:2]), int(d[2:4]), int(d[4:6]))
    except ValueError:
        return False, "date"
    # checksum, written differently: sum over a zipped weight string
    s = 0
    for c, w in zip(d[:12], "234567892345"):
        s += int(c) * int(w)
    ok = (11 - s % 11) % 10 == int(d[12])
    if born >= datetime.date(2020, 10, 5):
        return (allow_post2020 and not ok), "post-2020 (random tail, checksum %s)" % ("passes" if ok else "fails")
    return ok and int(d[7:9]) <= 95, "legacy"


def luhn_ok(num):
    digits = [int(c) for c in num]
    odd = digits[-1::-2]
    even = digits[-2::-2]
    return (sum(odd) + sum(sum(divmod(2 * x, 10)) for x in even)) % 10 == 0


def card_iin_ok(pan):
    if pan[0] == "4":
        return len(pan) in (13, 16, 19)
    if pan[:2] in ("51", "52", "53", "54", "55"):
        return len(pan) == 16
    if pan[:2] in ("34", "37"):
        return len(pan) == 15
    return False


def sg_mobile_ok(written):
    d = "".join(c for c in written if c.isdigit())
    if written.startswith("+65"):
        d = d[2:]
    if len(d) != 8:
        return False
    if d[:2] == "80":
        return d[2] != "0"
    return (d[0] == "8" and d[1] in "12345678") or (d[0] == "9" and d[1] != "9")


def check(fixdir):
    import re
    errors = []

    def err(msg):
        errors.append(msg)

    def read_csv(rel, **kw):
        with open(os.path.join(fixdir, rel), newline="", encoding=kw.pop("encoding", "utf-8-sig")) as f:
            return list(csv.reader(f, **kw))

    # known vectors through implementation 2
    for v, want in (("G5872776N", True), ("M4332674T", True),
                    ("S1234567A", False), ("M1234567B", False), ("S1234567D", True)):
        if check_nric_sap(v) != want:
            err("nric vector %s" % v)
    if not luhn_ok("4111111111111111") or luhn_ok("4111111111111112"):
        err("luhn vectors")

    cust = read_csv("demo/customers.csv")
    h = cust[0]
    if h != ["customer_id", "full_name", "nric", "mobile", "email", "card_no",
             "order_ref", "sku", "notes", "created_at"]:
        err("customers header")
    body = cust[1:]
    lower = sum(1 for r in body if r[2] != r[2].upper())
    pref = {}
    for r in body:
        if not check_nric_sap(r[2]):
            err("invalid nric in row %s" % r[0])
        pref[r[2][0].upper()] = pref.get(r[2][0].upper(), 0) + 1
        if check_nric_sap(r[6]):
            err("order_ref passes the check letter in row %s" % r[0])
        if not re.fullmatch(r"[STFGM]\d{7}[A-Z]", r[6]):
            err("order_ref not NRIC-shaped in row %s" % r[0])
        if r[3] and not sg_mobile_ok(r[3]):
            err("bad mobile row %s" % r[0])
        if r[4] and not re.fullmatch(r"[a-z0-9.+_-]+@(example\.com|example\.org|mail\.example\.sg)", r[4]):
            err("bad email row %s" % r[0])
        if r[5]:
            pan = re.sub(r"[ -]", "", r[5])
            if not (pan.isdigit() and luhn_ok(pan) and card_iin_ok(pan)):
                err("bad card row %s" % r[0])
        if not re.fullmatch(r"SKU-\d{5}-(XS|S|M|L|XL|XXL)", r[7]):
            err("bad sku row %s" % r[0])
        for m in re.finditer(r"(\+65 ?)?\b[89]\d{3} ?\d{4}\b", r[8]):
            if not sg_mobile_ok(m.group(0)):
                err("bad phone in notes row %s" % r[0])
        datetime.date.fromisoformat(r[9])
    phone_notes = sum(1 for r in body if re.search(r"\b[89]\d{3} ?\d{4}\b", r[8]))
    grouped = sum(1 for r in body if r[5] and not r[5].isdigit())
    contiguous = sum(1 for r in body if r[5].isdigit())
    print("check: customers.csv: %d rows, NRIC prefixes %s, %d lower case, "
          "%d notes with a phone, cards %d grouped / %d contiguous" %
          (len(body), dict(sorted(pref.items())), lower, phone_notes, grouped, contiguous))
    if len(body) != N_CUSTOMERS or phone_notes != 15 or lower != 6 or not grouped or not contiguous:
        err("customers.csv counts")

    kr = read_csv("demo/customers_kr.csv")
    if kr[0] != ["고객번호", "이름", "주민등록번호", "휴대폰", "이메일", "가입일"]:
        err("kr header")
    post = 0
    for r in kr[1:]:
        ok, why = check_rrn(r[2], True)
        if not ok:
            err("bad rrn row %s (%s)" % (r[0], why))
        if why.startswith("post-2020"):
            post += 1
        if not re.fullmatch(r"010-\d{4}-\d{4}", r[3]) or "5970" <= r[3][4:8] <= "5999":
            err("bad kr mobile row %s" % r[0])
    print("check: customers_kr.csv: %d rows, %d post-Oct-2020 RRNs (checksum fails)" %
          (len(kr) - 1, post))
    if post != 6:
        err("expected 6 post-2020 RRNs")

    od = read_csv("demo/orders.csv")
    for r in od[1:]:
        if not re.fullmatch(r"45\d{8}", r[0]):
            err("order_id %s" % r[0])
        e = r[3]
        s = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(e))
        if len(e) != 13 or s % 10 != 0:
            err("bad ean %s" % e)
        if card_iin_ok(e):
            err("ean looks like a card IIN %s" % e)
    luhn_eans = sum(1 for r in od[1:] if luhn_ok(r[3]))
    print("check: orders.csv: %d rows, EAN-13 valid, %d of them pass Luhn by chance (no card IIN)" %
          (len(od) - 1, luhn_eans))

    # containers decode to the same records
    import gzip as gz
    ref = open(os.path.join(fixdir, "demo/customers.csv"), "rb").read()
    for rel in ("containers/customers.csv.gz", "containers/customers_concat.csv.gz"):
        if gz.decompress(open(os.path.join(fixdir, rel), "rb").read()) != ref:
            err(rel + " does not inflate to customers.csv")
    with zipfile.ZipFile(os.path.join(fixdir, "containers/customers.zip")) as z:
        if z.read("customers.csv") != ref:
            err("zip member differs")
    for rel, kw in (("containers/customers_bom_crlf.csv", {}),
                    ("containers/customers_semicolon.csv", {"delimiter": ";"}),
                    ("containers/customers.tsv", {"delimiter": "\t"})):
        if read_csv(rel, **kw) != cust:
            err(rel + " records differ")
    ml = read_csv("containers/customers_multiline.csv")
    if len(ml) != len(cust) or [r[:8] + r[9:] for r in ml] != [r[:8] + r[9:] for r in cust]:
        err("multiline records differ outside notes")
    if not any("\n" in r[8] for r in ml):
        err("multiline has no embedded newline")
    krref = read_csv("demo/customers_kr.csv")
    if read_csv("containers/customers_kr_cp949.csv", encoding="cp949") != krref:
        err("cp949 differs")
    if read_csv("containers/customers_kr_utf16le.csv", encoding="utf-16") != krref:
        err("utf16 differs")

    # malformed
    raw = open(os.path.join(fixdir, "malformed/truncated.csv.gz"), "rb").read()
    try:
        gz.decompress(raw)
        err("truncated.csv.gz inflates")
    except EOFError:
        pass
    raw = open(os.path.join(fixdir, "malformed/corrupt_crc.csv.gz"), "rb").read()
    try:
        gz.decompress(raw)
        err("corrupt_crc.csv.gz inflates")
    except gz.BadGzipFile as e:
        if "CRC" not in str(e):
            err("corrupt_crc: " + str(e))
    if open(os.path.join(fixdir, "malformed/binary.png"), "rb").read(8) != b"\x89PNG\r\n\x1a\n":
        err("png magic")

    # every identifier in identifiers.txt, every NRIC/RRN/card in the
    # fixtures is listed (spot check the forms the leak check needs)
    ids = set(open(os.path.join(fixdir, "expected/identifiers.txt")).read().split("\n"))
    for r in body:
        for v in (r[2], r[3], r[4], r[5], re.sub(r"[ -]", "", r[5])):
            if v and v not in ids:
                err("identifier missing from identifiers.txt (row %s)" % r[0])
    for r in kr[1:]:
        for v in (r[2], r[2].replace("-", ""), r[3], r[3].replace("-", ""), r[4]):
            if v not in ids:
                err("kr identifier missing (row %s)" % r[0])
    if any(len(x) < 8 for x in ids if x):
        err("identifiers.txt has a line shorter than 8 characters")

    total = 0
    for root, _, fs in os.walk(fixdir):
        for f in fs:
            total += os.path.getsize(os.path.join(root, f))
    print("check: fixtures total %d bytes" % total)
    if total >= 1024 * 1024:
        err("fixtures over 1 MiB")

    for e in errors:
        print("check: FAIL: " + e)
    print("check: %s" % ("ok" if not errors else "%d problem(s)" % len(errors)))
    return 0 if not errors else 1


def main(argv):
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if argv and argv[0] == "--check":
        return check(argv[1] if len(argv) > 1 else os.path.join(top, "fixtures"))
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    build(argv[0] if argv else os.path.join(top, "fixtures"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
