#!/usr/bin/env python3
"""Generate lethe's labelled accuracy corpus (python3 stdlib only).

    python3 tools/gen_corpus.py OUTDIR [--rows N] [--seed S]
    python3 tools/gen_corpus.py --self-test

Writes synthetic exports into OUTDIR plus OUTDIR/labels.json, the truth that
tools/accuracy.py holds lethe's report against.  The output is a pure
function of (--rows, --seed): re-running gives byte-identical files (every
source has its own random stream, gzip carries mtime 0, zip entries a fixed
date).  --rows is the total over all sources (default 32000, at least 30,000
as issue 4 asks; `make test` uses --rows 2000).

Sources (names as lethe reports them, relative to OUTDIR):

  sg_customers.csv            UTF-8, ',' LF             SG retail customers
  payments_excel.csv          UTF-8 BOM, ',' CRLF       card payments (Excel)
  my_customers.csv            UTF-8, ';' CRLF           MY customers
  orders.tsv                  UTF-8, TAB LF             lookalikes only
  kr_foreigners_unicode.txt   UTF-16LE BOM, TAB CRLF    KR foreign residents (Excel "Unicode Text")
  kr_members_cp949.csv        CP949, ',' CRLF           KR members (Korean Excel)
  contacts.csv.gz             gzip of UTF-8 ','         international contacts
  access_log.csv              UTF-8, '|' LF             web access log
  bundle.zip:staff_sg.csv     zip member, UTF-8 ','     SG staff
  bundle.zip:pekerja_my.csv   zip member, UTF-8 ','     MY staff

labels.json: {"sources": {NAME: {"rows": N, "columns": {COLUMN: [TYPE...]}}}}
for every column of every source; an empty list means "no personal data of
any built-in type".  Label rules (what a column "holds"):

  - a column holds the types of the values written into it, whatever its
    header says (`ref` holding NRICs is sg.nric; `phone` holding order
    numbers is nothing);
  - the most specific type only: an address column is sg.address, not also
    sg.postal_code for the code inside it; an RRN or MyKad column is not also
    date_of_birth; +65/+82/+60 numbers are sg/kr/my.phone, never `phone`
    (which is E.164 numbers of other countries);
  - a free-text column holds every type embedded in at least one of its
    cells (2-6% of rows here);
  - identifiers of types the DESIGN.md table does not list (IMEI, MAC
    addresses, UEN, business registration numbers, barcodes) are labelled
    nothing.

Every identifier is synthetic; check digits (NRIC/FIN letters, RRN mod 11
and the foreigner variant, Luhn, EAN-13) are computed here from
the shared IDENTIFIERS.md and checked against its worked examples before
anything is written (--self-test runs only that).
"""

import argparse
import csv
import datetime
import gzip
import io
import json
import os
import sys
import uuid
import zipfile
import random

DEFAULT_ROWS = 32000
SMALLEST = 2000
DEFAULT_SEED = 20261123
REF_DATE = datetime.date(2024, 6, 30)          # "today" for ages and records
ZIP_DATE = (2024, 6, 30, 12, 0, 0)

ALL_TYPES = [
    "sg.nric", "kr.rrn", "my.mykad",
    "sg.phone", "kr.phone", "my.phone", "phone",
    "email",
    "sg.address", "kr.address", "my.address",
    "sg.postal_code", "kr.postal_code", "my.postal_code",
    "person_name", "date_of_birth", "payment_card", "bank_account",
    "ip_address", "sg.nric_partial",
]

# ---------------------------------------------------------------------------
# Check digits: tools/checkdigits.py, shared by every generator
# ---------------------------------------------------------------------------

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checkdigits  # noqa: E402
from checkdigits import (ean13_check, luhn_complete, nric_letter,  # noqa: E402
                         nric_valid, rrn_check_foreign)
from checkdigits import rrn_check as rrn_check_citizen  # noqa: E402


def self_test():
    """IDENTIFIERS.md worked examples; abort before writing anything."""
    try:
        checkdigits.self_test()
    except AssertionError:
        import traceback
        print("gen_corpus: self-test failed:\n" + traceback.format_exc(),
              file=sys.stderr)
        sys.exit(2)


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------

def digits(rng, n):
    return "".join(rng.choice("0123456789") for _ in range(n))


def rand_date(rng, start, end):
    return start + datetime.timedelta(days=rng.randrange((end - start).days + 1))


def rand_dob(rng, lo_age=18, hi_age=85):
    return rand_date(rng, datetime.date(REF_DATE.year - hi_age, 1, 1),
                     datetime.date(REF_DATE.year - lo_age, REF_DATE.month, 28))


def rand_ts(rng, start=datetime.datetime(2019, 1, 1),
            end=datetime.datetime(2024, 6, 30)):
    span = int((end - start).total_seconds())
    return start + datetime.timedelta(seconds=rng.randrange(span))


def fmt_ts(rng, t, style=None):
    style = style or rng.choice(["space", "iso_z", "iso_off", "ms"])
    if style == "space":
        return t.strftime("%Y-%m-%d %H:%M:%S")
    if style == "iso_z":
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == "iso_off":
        return t.strftime("%Y-%m-%dT%H:%M:%S+08:00")
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % rng.randrange(1000)


def pick(rng, weighted):
    """weighted: [(weight, value)]"""
    total = sum(w for w, _ in weighted)
    x = rng.random() * total
    for w, v in weighted:
        x -= w
        if x < 0:
            return v
    return weighted[-1][1]


def blank(rng, p, fn):
    """A value generator that leaves p of the cells empty."""
    return lambda person: "" if rng.random() < p else fn(person)


# ---------------------------------------------------------------------------
# Names (no dictionary: a few common given names and surnames per market)
# ---------------------------------------------------------------------------

SG_SURNAMES = ["Tan", "Lim", "Lee", "Ng", "Ong", "Wong", "Goh", "Chua", "Chan",
               "Koh", "Teo", "Ang", "Yeo", "Tay", "Ho", "Low", "Toh", "Sim",
               "Chong", "Chia", "Foo", "Heng", "Kwek", "Seah"]
SG_GIVEN = ["Wei Ming", "Hui Min", "Jia Hui", "Zhi Hao", "Xin Yi", "Jun Jie",
            "Mei Ling", "Kai Wen", "Shu Fen", "Yong Sheng", "Li Ting", "Wen Jun",
            "Siew Lan", "Boon Kiat", "Pei Shan", "Guo Liang", "Hwee Ling"]
WESTERN_GIVEN = ["Sarah", "Daniel", "Rachel", "Marcus", "Joshua", "Nicole",
                 "Bryan", "Michelle", "Jonathan", "Cheryl", "Ryan", "Vanessa"]
MALAY_M = ["Muhammad Hafiz", "Ahmad Faizal", "Mohd Irfan", "Muhammad Danial",
           "Amirul Hakim", "Khairul Anwar", "Syed Azlan", "Mohd Rizal"]
MALAY_F = ["Nur Aisyah", "Siti Nurhaliza", "Nurul Huda", "Nur Syafiqah",
           "Farah Nadia", "Aina Sofea", "Puteri Balqis", "Nor Azlina"]
MALAY_FATHERS = ["Abdullah", "Ismail", "Rahman", "Hassan", "Osman", "Yusof",
                 "Ibrahim", "Salleh", "Hamid", "Othman"]
INDIAN_M = ["Rajesh", "Arun", "Suresh", "Vikram", "Ganesh", "Kumaran"]
INDIAN_F = ["Priya", "Kavitha", "Deepa", "Lakshmi", "Anitha", "Revathi"]
INDIAN_FATHERS = ["Kumar", "Subramaniam", "Raman", "Pillai", "Muthu", "Krishnan"]
MY_CHINESE = ["Lee Chong Wei", "Tan Mei Ling", "Wong Kah Seng", "Lim Siew Hoon",
              "Chong Wai Keong", "Ng Pei Wen", "Ooi Boon Hock", "Teh Li Ying",
              "Yap Kok Leong", "Khoo Swee Lin"]

KR_SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍전고문양손배백허유남"
KR_GIVEN = ["민준", "서연", "지훈", "하은", "도윤", "서준", "지우", "예준", "수아",
            "지민", "현우", "은지", "성민", "영희", "철수", "동현", "혜진", "유진",
            "재훈", "미경", "상철", "윤서", "건우", "다은", "태현", "소영"]
KR_ROMAN = ["minjun", "seoyeon", "jihoon", "haeun", "doyun", "seojun", "jiwoo",
            "yejun", "sua", "jimin", "hyunwoo", "eunji", "sungmin", "younghee"]
KR_ROMAN_SUR = ["kim", "lee", "park", "choi", "jung", "kang", "cho", "yoon", "jang"]

CN_SURNAMES = "陈林黄张李王吴刘蔡杨郑许何谢郭周徐孙朱马胡"
CN_GIVEN = ["伟明", "丽华", "志强", "美玲", "俊杰", "慧敏", "嘉怡", "建国", "秀英",
            "文杰", "晓东", "雅婷", "国华", "淑芬", "子轩", "欣怡", "浩然", "明"]
CN_GIVEN_ROMAN = ["weiming", "lihua", "zhiqiang", "meiling", "junjie", "huimin",
                  "jiayi", "jianguo", "xiuying", "wenjie", "xiaodong", "yating"]
CN_ROMAN = {"陈": "chen", "林": "lin", "黄": "huang", "张": "zhang", "李": "li",
            "王": "wang", "吴": "wu", "刘": "liu", "蔡": "cai", "杨": "yang",
            "郑": "zheng", "许": "xu", "何": "he", "谢": "xie", "郭": "guo",
            "周": "zhou", "徐": "xu", "孙": "sun", "朱": "zhu", "马": "ma",
            "胡": "hu"}

FOREIGN_LATIN = ["NGUYEN VAN AN", "TRAN THI HOA", "LE VAN DUNG", "PHAM THI LAN",
                 "WANG XIAOMING", "LIU YANG", "ZHANG WEI", "JOHN SMITH",
                 "MARIA SANTOS", "AHMED KHAN", "BATBAYAR GANBOLD", "SITI RAHAYU",
                 "DAVID JOHNSON", "ANNA IVANOVA", "RAJ PATEL", "SOMCHAI SRISUK"]
FOREIGN_HANGUL = ["응우옌반안", "쩐티호아", "왕샤오밍", "존스미스", "마리아산토스",
                  "아흐메드칸", "바트바야르", "안나이바노바", "라즈파텔", "솜차이"]
NATIONALITIES = ["베트남", "중국", "필리핀", "미국", "몽골", "인도네시아", "태국",
                 "우즈베키스탄", "네팔", "러시아"]


def romanize(s):
    return s.lower().replace(" ", ".").replace("/", "").replace("..", ".")


def sg_person_name(rng):
    kind = pick(rng, [(55, "cn"), (15, "western"), (15, "malay"), (10, "indian"),
                      (5, "cn_comma")])
    g = rng.choice("MF")
    if kind == "cn":
        sur, giv = rng.choice(SG_SURNAMES), rng.choice(SG_GIVEN)
        return "%s %s" % (sur, giv), giv.split()[0] + giv.split()[1].lower(), sur, g
    if kind == "cn_comma":
        sur, giv, w = rng.choice(SG_SURNAMES), rng.choice(SG_GIVEN), rng.choice(WESTERN_GIVEN)
        return "%s %s, %s" % (sur, giv, w), w, sur, g
    if kind == "western":
        w, sur = rng.choice(WESTERN_GIVEN), rng.choice(SG_SURNAMES)
        return "%s %s" % (w, sur), w, sur, g
    if kind == "malay":
        giv = rng.choice(MALAY_M if g == "M" else MALAY_F)
        fa = rng.choice(MALAY_FATHERS)
        return "%s %s %s" % (giv, "bin" if g == "M" else "binte", fa), giv.split()[-1], fa, g
    giv = rng.choice(INDIAN_M if g == "M" else INDIAN_F)
    fa = rng.choice(INDIAN_FATHERS)
    return "%s %s %s" % (giv, "s/o" if g == "M" else "d/o", fa), giv, fa, g


def my_person_name(rng):
    kind = pick(rng, [(55, "malay"), (30, "cn"), (15, "indian")])
    g = rng.choice("MF")
    if kind == "malay":
        giv = rng.choice(MALAY_M if g == "M" else MALAY_F)
        fa = rng.choice(MALAY_FATHERS)
        return "%s %s %s" % (giv, "bin" if g == "M" else "binti", fa), giv.split()[-1], fa, g
    if kind == "cn":
        n = rng.choice(MY_CHINESE)
        return n, n.split()[1], n.split()[0], g
    giv = rng.choice(INDIAN_M if g == "M" else INDIAN_F)
    fa = rng.choice(INDIAN_FATHERS)
    return "%s %s %s" % (giv, "a/l" if g == "M" else "a/p", fa), giv, fa, g


def kr_person_name(rng):
    i = rng.randrange(len(KR_SURNAMES))
    name = KR_SURNAMES[i] + rng.choice(KR_GIVEN)
    return name, rng.choice(KR_ROMAN), rng.choice(KR_ROMAN_SUR), rng.choice("MF")


def cn_person_name(rng):
    sur = rng.choice(CN_SURNAMES)
    giv = rng.choice(CN_GIVEN)
    return sur + giv, rng.choice(CN_GIVEN_ROMAN), CN_ROMAN[sur], rng.choice("MF")


# ---------------------------------------------------------------------------
# Emails
# ---------------------------------------------------------------------------

DOMAINS_SG = ["gmail.com", "yahoo.com.sg", "hotmail.com", "outlook.com",
              "singnet.com.sg", "icloud.com", "acme.com.sg"]
DOMAINS_KR = ["naver.com", "daum.net", "hanmail.net", "gmail.com", "kakao.com",
              "nate.com"]
DOMAINS_MY = ["gmail.com", "yahoo.com.my", "hotmail.com", "outlook.com",
              "streamyx.com.my", "syarikat.com.my"]
DOMAINS_INTL = ["gmail.com", "outlook.com", "yahoo.co.uk", "proton.me",
                "example.co.jp", "qq.com", "163.com", "xn--80ak6aa92e.com"]


def email(rng, given, sur, domains):
    given = "".join(c for c in romanize(given) if c.isalnum() or c == ".").strip(".")
    sur = "".join(c for c in romanize(sur) if c.isalnum())
    local = pick(rng, [
        (30, "%s.%s" % (given, sur)),
        (20, "%s%s" % (given.replace(".", ""), rng.randrange(1, 100))),
        (15, "%s%s" % (given[:1], sur)),
        (10, "%s_%s%s" % (sur, given.replace(".", ""), rng.randrange(70, 100))),
        (10, "%s.%s+shop" % (given, sur)),
        (15, "%s%s" % (sur, digits(rng, 4))),
    ]).strip(".") or "user%s" % digits(rng, 3)
    e = "%s@%s" % (local, rng.choice(domains))
    if rng.random() < 0.05:
        e = e.capitalize()
    return e


# ---------------------------------------------------------------------------
# Phones (IDENTIFIERS.md sections 4-7)
# ---------------------------------------------------------------------------

def sg_phone(rng):
    kind = pick(rng, [(80, "mobile"), (20, "fixed")])
    if kind == "mobile":
        if rng.random() < 0.5:                  # 89[5-9]: not in older metadata
            n = "8" + rng.choice("12345678") + digits(rng, 6)
        else:
            n = "9" + rng.choice("012345678") + digits(rng, 6)
    else:
        n = "6" + rng.choice("01234578") + digits(rng, 6)
    a, b = n[:4], n[4:]
    return pick(rng, [
        (30, "%s %s" % (a, b)), (20, n), (20, "+65 %s %s" % (a, b)),
        (10, "+65" + n), (8, "(65) %s-%s" % (a, b)), (6, "65-" + n),
        (6, "65" + n),
    ])


def kr_phone(rng):
    kind = pick(rng, [(80, "mobile"), (8, "seoul"), (12, "area")])
    if kind == "mobile":
        a = rng.choice("2346789") + digits(rng, 3)
        b = digits(rng, 4)
        return pick(rng, [(70, "010-%s-%s" % (a, b)), (12, "010%s%s" % (a, b)),
                          (8, "+82 10-%s-%s" % (a, b)), (5, "010 %s %s" % (a, b)),
                          (5, "+82-10-%s-%s" % (a, b))])
    b = digits(rng, 4)
    if kind == "seoul":
        a = rng.choice("23456789") + digits(rng, rng.choice((2, 3)))
        return "02-%s-%s" % (a, b)
    area = rng.choice(["031", "032", "033", "041", "042", "051", "052", "053",
                       "055", "061", "062", "064"])
    a = rng.choice("23456789") + digits(rng, rng.choice((2, 3)))
    return "%s-%s-%s" % (area, a, b)


def my_phone(rng):
    kind = pick(rng, [(65, "mobile"), (15, "mobile11"), (20, "fixed")])
    if kind == "mobile":                # 01X-XXX XXXX, X with no gaps in the plan
        p = "1" + rng.choice("2269")
        a, b = digits(rng, 3), digits(rng, 4)
        if rng.random() < 0.3:
            p, a = "1" + rng.choice("37"), rng.choice("123456789") + digits(rng, 2)
        return pick(rng, [(35, "0%s-%s %s" % (p, a, b)), (25, "0%s-%s%s" % (p, a, b)),
                          (15, "+60 %s-%s %s" % (p, a, b)), (10, "+60%s%s%s" % (p, a, b)),
                          (10, "60%s%s%s" % (p, a, b)), (5, "0%s%s%s" % (p, a, b))])
    if kind == "mobile11":
        a, b = rng.choice("12345") + digits(rng, 3), digits(rng, 4)
        return pick(rng, [(60, "011-%s %s" % (a, b)), (40, "+60 11-%s %s" % (a, b))])
    area, first, n = pick(rng, [(30, ("3", ["20", "21", "22", "23", "27", "28"], 8)),
                                (20, ("3", ["8"], 8)), (15, ("4", "345679", 7)),
                                (15, ("7", "2579", 7)), (10, ("88", "23456789", 6)),
                                (10, ("82", "2345678", 6))])
    sub = rng.choice(first)
    sub += digits(rng, n - len(sub))
    return pick(rng, [(60, "0%s-%s %s" % (area, sub[:4], sub[4:])),
                      (40, "+60 %s-%s %s" % (area, sub[:4], sub[4:]))])


US_AREA = ["212", "415", "646", "312", "617", "206", "213", "305", "416", "604",
           "718", "512", "303", "404", "702"]


def intl_phone(rng):
    """E.164 numbers of countries without a lethe pack of their own."""
    cc, nsn, groups = pick(rng, [
        (20, ("44", "7" + rng.choice("123") + digits(rng, 8), (4, 6))),
        (8, ("44", "20" + rng.choice("378") + digits(rng, 7), (2, 4, 4))),
        (20, ("1", rng.choice(US_AREA) + rng.choice("23456789") + digits(rng, 6), (3, 3, 4))),
        (12, ("81", "90" + rng.choice("123456789") + digits(rng, 7), (2, 4, 4))),
        (6, ("81", "3" + rng.choice("2345689") + digits(rng, 7), (1, 4, 4))),
        (10, ("61", "4" + rng.choice("0123") + digits(rng, 7), (3, 3, 3))),
        (8, ("49", "15" + rng.choice("1279") + digits(rng, 8), (3, 8))),
        (8, ("86", "13" + digits(rng, 9), (3, 4, 4))),
        (8, ("91", "98" + digits(rng, 8), (5, 5))),
    ])
    style = pick(rng, [(60, "e164"), (40, "spaced")])
    if style == "e164":
        return "+" + cc + nsn
    parts, i = [], 0
    for g in groups:
        parts.append(nsn[i:i + g])
        i += g
    return "+%s %s" % (cc, " ".join(parts))


# ---------------------------------------------------------------------------
# National identifiers
# ---------------------------------------------------------------------------

def sg_nric(rng, dob=None, prefixes=None):
    prefix = pick(rng, prefixes or [(60, "S"), (15, "T"), (5, "F"), (12, "G"), (8, "M")])
    if prefix in "ST" and dob is not None and dob.year >= 1968:
        prefix = "S" if dob.year < 2000 else "T"
        body = "%02d" % (dob.year % 100) + digits(rng, 5)
    elif prefix == "S":
        body = rng.choice("01") + digits(rng, 6)
    elif prefix == "T":
        body = "0" + rng.choice("0123456") + digits(rng, 5)
    else:
        body = digits(rng, 7)
    v = prefix + body + nric_letter(prefix, body)
    assert nric_valid(v)
    return v


def sg_nric_partial(rng, dob=None):
    v = sg_nric(rng, dob)
    return pick(rng, [(60, v[0] + "****" + v[5:]), (40, "*****" + v[5:])])


def nric_lookalike(rng):
    """NRIC-shaped code whose check letter is wrong (an SKU)."""
    prefix = rng.choice("STFGM")
    body = digits(rng, 7)
    good = nric_letter(prefix, body)
    letter = rng.choice([c for c in "ABCDEFGHIJKLMNPQRSTUVWXYZ" if c != good])
    v = prefix + body + letter
    assert not nric_valid(v)
    return v


KR_OFFICE_MAX = 95


def kr_rrn(rng, dob, male, foreign=False, new_scheme=False, hyphen=True):
    """RRN / foreigner registration number for a birth date (IDENTIFIERS.md §2).

    new_scheme: issued since 5 Oct 2020, the six digits after G are random
    (no check digit, office digits may exceed 95).
    """
    cent = dob.year // 100
    if cent == 19:
        g = (5 if male else 6) if foreign else (1 if male else 2)
    elif cent == 20:
        g = (7 if male else 8) if foreign else (3 if male else 4)
    else:
        g = 9 if male else 0
    head = dob.strftime("%y%m%d") + str(g)
    if new_scheme:
        tail = digits(rng, 6)
    elif foreign:
        office = "%02d" % (2 * rng.randrange(KR_OFFICE_MAX // 2 + 1))   # even
        d12 = head + office + digits(rng, 2) + rng.choice("6789")
        x = rrn_check_foreign(d12) if rng.random() < 0.5 else rrn_check_citizen(d12)
        tail = d12[7:] + str(x)
    else:
        d12 = head + "%02d" % rng.randrange(KR_OFFICE_MAX + 1) + digits(rng, 3)
        tail = d12[7:] + str(rrn_check_citizen(d12))
    v = head + tail
    return v[:6] + "-" + v[6:] if hyphen else v


MY_PB = ([(80, "%02d" % i) for i in range(1, 17)] +
         [(1, "%02d" % i) for i in range(21, 60)] +
         [(1, "%02d" % i) for i in list(range(60, 69)) + [71, 72] +
          list(range(74, 80)) + list(range(82, 94)) + [98, 99]])
MY_PB_INVALID = {0, 17, 18, 19, 20, 69, 70, 73, 80, 81, 94, 95, 96, 97}


def my_mykad(rng, dob, male, hyphen=True):
    pb = pick(rng, MY_PB)
    assert int(pb) not in MY_PB_INVALID
    last = rng.choice("13579" if male else "02468")
    v = dob.strftime("%y%m%d") + pb + digits(rng, 3) + last
    return "%s-%s-%s" % (v[:6], v[6:8], v[8:]) if hyphen else v


# ---------------------------------------------------------------------------
# Addresses and postal codes (IDENTIFIERS.md sections 8, 9; MY postcodes)
# ---------------------------------------------------------------------------

SG_HDB = [("Ang Mo Kio Ave {a}", "56"), ("Toa Payoh Lor {a}", "31"),
          ("Bedok North St {a}", "46"), ("Tampines St {a}{b}", "52"),
          ("Jurong West St {a}{b}", "64"), ("Yishun Ring Rd", "76"),
          ("Woodlands Dr {a}{b}", "73"), ("Hougang Ave {a}", "53"),
          ("Sengkang East Way", "54"), ("Clementi Ave {a}", "12"),
          ("Bukit Batok West Ave {a}", "65"), ("Pasir Ris Dr {a}", "51"),
          ("Choa Chu Kang Ave {a}", "68"), ("Bukit Merah View", "15"),
          ("Serangoon Ave {a}", "55"), ("Punggol Field", "82")]
SG_PRIVATE = [("Orchard Road", ["23", "24"]), ("Holland Road", ["27"]),
              ("Bukit Timah Road", ["25", "26", "28"]),
              ("Upper Thomson Road", ["57"]), ("East Coast Road", ["42", "43"]),
              ("Tanjong Pagar Road", ["08"]), ("River Valley Road", ["23"]),
              ("Marine Parade Road", ["44"]), ("Robinson Road", ["06", "07"]),
              ("Sixth Avenue", ["27"]), ("Marina Boulevard", ["01"])]


def sg_postal(rng):
    sector = rng.choice([s for s in range(1, 83) if s != 74])
    return "%02d%s" % (sector, digits(rng, 4))


def sg_address(rng):
    """(address, postal code)"""
    unit = "#%02d-%s" % (rng.randint(1, 25), rng.choice(["%02d" % rng.randint(1, 99),
                                                          "%03d" % rng.randint(1, 999)]))
    if rng.random() < 0.7:
        street, sector = rng.choice(SG_HDB)
        street = street.format(a=rng.randint(1, 9), b=rng.randint(1, 9))
        blk = rng.randint(101, 899)
        postal = "%s%s%03d" % (sector, rng.choice("01"), blk)
        return pick(rng, [
            (35, "Blk %d %s %s Singapore %s" % (blk, street, unit, postal)),
            (20, "%d %s, %s, Singapore %s" % (blk, street, unit, postal)),
            (15, "BLK %d %s %s S(%s)" % (blk, street.upper(), unit, postal)),
            (15, "Block %d %s %s Singapore %s" % (blk, street, unit, postal)),
            (15, "Blk %d %s Singapore %s" % (blk, street, postal)),
        ]), postal
    street, sectors = rng.choice(SG_PRIVATE)
    postal = rng.choice(sectors) + digits(rng, 4)
    n = rng.randint(1, 500)
    return pick(rng, [
        (50, "%d %s %s Singapore %s" % (n, street, unit, postal)),
        (30, "%d %s, Singapore %s" % (n, street, postal)),
        (20, "%d %s %s S%s" % (n, street, unit, postal)),
    ]), postal


# province: (full, short, postcode prefixes, [(si/gun/gu, roads, dongs)])
KR_PROV = [
    ("서울특별시", "서울", range(1, 10), [
        ("강남구", ["테헤란로", "봉은사로", "언주로", "도산대로", "선릉로"], ["역삼동", "삼성동", "대치동", "논현동"]),
        ("마포구", ["양화로", "월드컵로", "독막로"], ["서교동", "합정동", "망원동"]),
        ("송파구", ["올림픽로", "송파대로", "백제고분로"], ["잠실동", "가락동", "문정동"]),
        ("노원구", ["동일로", "노원로"], ["상계동", "중계동"])]),
    ("부산광역시", "부산", range(46, 50), [
        ("해운대구", ["해운대로", "센텀중앙로", "좌동순환로"], ["우동", "좌동", "중동"]),
        ("부산진구", ["중앙대로", "서면로"], ["부전동", "전포동"])]),
    ("경기도", "경기", range(10, 19), [
        ("성남시 분당구", ["판교역로", "불정로", "황새울로"], ["정자동", "서현동", "수내동"]),
        ("수원시 팔달구", ["효원로", "인계로"], ["인계동", "우만동"]),
        ("고양시 일산동구", ["중앙로", "정발산로"], ["장항동", "마두동"])]),
    ("인천광역시", "인천", range(21, 24), [
        ("연수구", ["컨벤시아대로", "송도과학로"], ["송도동", "연수동"])]),
    ("대구광역시", "대구", range(41, 44), [
        ("수성구", ["달구벌대로", "동대구로"], ["범어동", "만촌동"])]),
    ("대전광역시", "대전", range(34, 36), [
        ("유성구", ["대학로", "계룡로"], ["봉명동", "궁동"])]),
    ("광주광역시", "광주", range(61, 63), [
        ("서구", ["상무대로", "상무중앙로"], ["치평동", "화정동"])]),
    ("제주특별자치도", "제주", range(63, 64), [
        ("제주시", ["연북로", "노형로"], ["노형동", "연동"])]),
]
KR_APTS = ["래미안", "자이", "푸르지오", "힐스테이트", "아이파크", "롯데캐슬", "e편한세상"]


def kr_address(rng, kind=None):
    """(address, postcode); kind 'road' (도로명) or 'lot' (지번)"""
    full, short, prefixes, sgg = rng.choice(KR_PROV)
    gu, roads, dongs = rng.choice(sgg)
    postal = "%02d%s" % (rng.choice(list(prefixes)), digits(rng, 3))
    sido = full if rng.random() < 0.6 else short
    kind = kind or rng.choice(["road", "lot"])
    if kind == "road":
        road = rng.choice(roads)
        r = rng.random()
        if r < 0.3:
            road += "%d길" % (2 * rng.randint(1, 49))
        elif r < 0.4:
            road += "%d번길" % rng.randint(1, 60)
        num = str(rng.randint(1, 400))
        if rng.random() < 0.25:
            num += "-%d" % rng.randint(1, 40)
        addr = "%s %s %s %s" % (sido, gu, road, num)
        r = rng.random()
        if r < 0.45:
            addr += ", %d동 %d호" % (rng.randint(101, 115), rng.randint(1, 25) * 100 + rng.randint(1, 6))
        elif r < 0.6:
            addr += ", %d층" % rng.randint(2, 20)
        r = rng.random()
        if r < 0.3:
            addr += " (%s)" % rng.choice(dongs)
        elif r < 0.45:
            addr += " (%s, %s아파트)" % (rng.choice(dongs), rng.choice(KR_APTS))
        return addr, postal
    lot = str(rng.randint(1, 1500))
    if rng.random() < 0.7:
        lot += "-%d" % rng.randint(1, 99)
    addr = "%s %s %s %s" % (sido, gu, rng.choice(dongs), lot)
    if rng.random() < 0.3:
        addr += " %s아파트 %d동 %d호" % (rng.choice(KR_APTS), rng.randint(101, 115),
                                      rng.randint(1, 25) * 100 + rng.randint(1, 6))
    return addr, postal


MY_CITIES = [("Petaling Jaya", "Selangor", 46000, 47830), ("Shah Alam", "Selangor", 40000, 40470),
             ("Klang", "Selangor", 41000, 42300), ("Kuala Lumpur", "Wilayah Persekutuan Kuala Lumpur", 50000, 60000),
             ("Johor Bahru", "Johor", 79100, 81300), ("George Town", "Pulau Pinang", 10000, 10470),
             ("Ipoh", "Perak", 30000, 31650), ("Kota Kinabalu", "Sabah", 88000, 88999),
             ("Kuching", "Sarawak", 93000, 93990), ("Melaka", "Melaka", 75000, 75990),
             ("Seremban", "Negeri Sembilan", 70000, 70990), ("Alor Setar", "Kedah", 5000, 6000),
             ("Kangar", "Perlis", 1000, 2000), ("Kota Bharu", "Kelantan", 15000, 16800),
             ("Kuantan", "Pahang", 25000, 26900)]
MY_ROADS = ["Jalan SS 2/{a}", "Jalan Ampang", "Jalan Tun Razak", "Jalan Bukit Bintang",
            "Lorong Maarof", "Jalan Tebrau", "Jalan Sultan Azlan Shah", "Jalan Kebun",
            "Jalan Cheras", "Jalan PJU {a}/{b}", "Jalan Meru", "Jalan Kuching",
            "Jalan Tanjung Tokong", "Jalan Gasing", "Jalan Setia {a}/{b}"]
MY_TAMAN = ["Taman Sri Muda", "Taman Melawati", "Taman Desa", "Taman Sri Andalas",
            "Taman Universiti", "Taman Bukit Indah", "Taman Tun Dr Ismail"]
MY_CONDO = ["Residensi Vista", "Pangsapuri Seri Mawar", "Kondominium Mont Kiara",
            "Menara Alpha", "Pangsapuri Bayu"]


def my_address(rng):
    city, state, lo, hi = rng.choice(MY_CITIES)
    pc = "%05d" % rng.randint(lo, hi)
    road = rng.choice(MY_ROADS).format(a=rng.randint(1, 30), b=rng.randint(1, 9))
    a = pick(rng, [
        (35, "No. %d, %s, %s, %s %s, %s" % (rng.randint(1, 200), road, rng.choice(MY_TAMAN), pc, city, state)),
        (20, "%d, %s, %s %s, %s" % (rng.randint(1, 200), road, pc, city, state)),
        (15, "Lot %d, %s, Kampung %s, %s %s, %s" % (rng.randint(100, 9999), road,
             rng.choice(["Baru", "Jawa", "Melayu", "Sungai Ara"]), pc, city, state)),
        (20, "%s-%d-%d, %s, %s, %s %s" % (rng.choice("ABCD"), rng.randint(1, 30), rng.randint(1, 12),
             rng.choice(MY_CONDO), road, pc, city)),
        (10, ("No. %d, %s, %s %s, %s" % (rng.randint(1, 200), road, pc, city, state)).upper()),
    ])
    return a, pc


# ---------------------------------------------------------------------------
# Cards, accounts, IPs
# ---------------------------------------------------------------------------

def card_number(rng):
    iin, length = pick(rng, [
        (35, ("4", 16)), (20, ("5" + rng.choice("12345"), 16)),
        (6, (str(rng.randint(2221, 2720)), 16)), (10, ("3" + rng.choice("47"), 15)),
        (6, (str(rng.randint(3528, 3589)), 16)), (5, ("6011", 16)), (3, ("65", 16)),
        (10, ("62", 16)), (3, ("36", 14)), (2, ("4", 19)),
    ])
    return luhn_complete(iin + digits(rng, length - len(iin) - 1))


def group_card(rng, n, sep=None):
    sep = sep if sep is not None else rng.choice(" -")
    if len(n) == 15:
        return sep.join((n[:4], n[4:10], n[10:]))
    if len(n) == 14:
        return sep.join((n[:4], n[4:10], n[10:]))
    if len(n) == 19:
        return sep.join((n[:4], n[4:8], n[8:12], n[12:16], n[16:]))
    return sep.join(n[i:i + 4] for i in range(0, len(n), 4))


def sg_bank_account(rng):
    return pick(rng, [
        (30, "%s-%s-%s" % (digits(rng, 3), digits(rng, 5), digits(rng, 1))),   # DBS/POSB
        (25, "%s-%s-%s" % (digits(rng, 3), digits(rng, 6), digits(rng, 3))),   # OCBC
        (20, "%s-%s-%s-%s" % (digits(rng, 3), digits(rng, 3), digits(rng, 3), digits(rng, 1))),  # UOB
        (25, rng.choice("123456789") + digits(rng, rng.choice((9, 11)))),
    ])


def kr_bank_account(rng):
    v = pick(rng, [
        (25, "%s-%s-%s" % (digits(rng, 6), digits(rng, 2), digits(rng, 6))),   # 국민
        (20, "110-%s-%s" % (digits(rng, 3), digits(rng, 6))),                  # 신한
        (15, "1002-%s-%s" % (digits(rng, 3), digits(rng, 6))),                 # 우리
        (15, "%s-%s-%s" % (digits(rng, 3), digits(rng, 6), digits(rng, 5))),   # 하나
        (10, "3333-%s-%s" % (digits(rng, 2), digits(rng, 7))),                 # 카카오뱅크
        (15, "302-%s-%s-%s" % (digits(rng, 4), digits(rng, 4), digits(rng, 2))),  # 농협
    ])
    if rng.random() < 0.3:
        v = rng.choice(["국민", "신한", "우리", "하나", "농협", "카카오뱅크"]) + " " + v
    return v


def my_bank_account(rng):
    return pick(rng, [
        (35, rng.choice(["11", "16", "51", "56"]) + digits(rng, 10)),          # Maybank 12
        (25, rng.choice(["7", "8"]) + digits(rng, 9)),                         # CIMB 10
        (20, rng.choice(["3", "4", "6"]) + digits(rng, 9)),                    # Public Bank 10
        (10, "%s-%s-%s" % (digits(rng, 4), digits(rng, 4), digits(rng, 4))),
        (10, "2" + digits(rng, 13)),                                           # RHB 14
    ])


def ipv4(rng, private_share=0.15):
    if rng.random() < private_share:
        return pick(rng, [(50, "10.%d.%d.%d" % (rng.randrange(256), rng.randrange(256), rng.randint(1, 254))),
                          (35, "192.168.%d.%d" % (rng.randrange(256), rng.randint(1, 254))),
                          (15, "172.%d.%d.%d" % (rng.randint(16, 31), rng.randrange(256), rng.randint(1, 254)))])
    first = rng.choice([f for f in range(1, 224) if f not in (10, 127, 172, 192)])
    return "%d.%d.%d.%d" % (first, rng.randrange(256), rng.randrange(256), rng.randint(1, 254))


def ipv6(rng):
    groups = [rng.choice(["2001:db8", "2404:6800", "2400:cb00", "2406:da18",
                          "2001:e68", "fe80:0"])]
    groups = groups[0].split(":") + ["%x" % rng.randrange(65536) for _ in range(6)]
    style = pick(rng, [(45, "compressed"), (20, "full"), (10, "upper"),
                       (15, "mapped"), (10, "short")])
    if style == "mapped":
        return "::ffff:" + ipv4(rng, 0)
    if style == "short":
        return "%s:%s::%x" % (groups[0], groups[1], rng.randrange(1, 65536))
    if style == "compressed":
        k = rng.randint(2, 4)
        return ":".join(groups[:k]) + "::" + ":".join(groups[k + 2:])
    if style == "upper":
        return ":".join(groups).upper()
    return ":".join(g.zfill(4) for g in groups)


# ---------------------------------------------------------------------------
# Lookalikes (labelled nothing)
# ---------------------------------------------------------------------------

PRODUCTS = ["Wireless Mouse M185", "USB-C Cable 1m", "Organic Green Tea 100g",
            "Kimchi 500g", "Milo 1.5kg", "Phone Case (Clear)", "Nasi Lemak Paste",
            "Ergonomic Office Chair", "LED Desk Lamp", "Bluetooth Speaker X2",
            "Yoga Mat 6mm", "Water Bottle 750ml", "Shin Ramyun 5-pack",
            "Kaya Toast Set", "Durian Puff Box", "Laptop Stand", "HEPA Filter H13",
            "Rice Cooker 1.8L", "Notebook A5 (Dotted)", "Running Shoes Size 42"]
STATUSES = ["paid", "pending", "shipped", "delivered", "cancelled", "refunded"]
COMPANIES = ["Acme Trading Pte Ltd", "Lim & Tan Holdings", "Sunrise Logistics Sdn Bhd",
             "Golden Dragon Restaurant", "Blue Ocean Marine Pte. Ltd.", "Kim's Kitchen",
             "Wong Brothers Hardware", "Northwind Analytics", "Pacific Rim Foods",
             "Harbourfront Dental Clinic", "Mega Jaya Enterprise", "Seoul Bakery Co.",
             "Evergreen Solar Ltd", "Riverside Books", "Orchid Florist"]
COUNTRIES = ["United Kingdom", "United States", "Japan", "Australia", "Germany",
             "China", "India", "New Zealand", "Hong Kong", "Canada"]
DEPARTMENTS = ["Finance", "Human Resources", "Operations", "IT Support", "Sales",
               "Customer Service", "Marketing", "Logistics"]
USER_AGENTS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%d.0.%d.%d Safari/537.36",
               "Mozilla/5.0 (iPhone; CPU iPhone OS 17_%d like Mac OS X) AppleWebKit/605.1.15 Version/17.%d Mobile/15E148 Safari/%d.1",
               "okhttp/4.%d.%d (app build %d)"]


def order_code(rng):
    return "ORD-%d-%06d" % (rng.choice((2023, 2024)), rng.randrange(1, 1000000))


def invoice_no(rng):
    return pick(rng, [(50, "INV-%d-%05d" % (rng.choice((2023, 2024)), rng.randrange(100000))),
                      (50, "SI/%d/%02d/%06d" % (rng.choice((2023, 2024)), rng.randint(1, 12), rng.randrange(1000000)))])


def epoch_ms(rng):
    return str(rng.randint(1546300800000, 1719705600000))


def ean13(rng):
    p = rng.choice(["880", "888", "955", "489", "690", "693", "450", "490", "000", "019"])
    d12 = p + digits(rng, 9)
    return d12 + str(ean13_check(d12))


def version(rng):
    return pick(rng, [
        (40, "%d.%d.%d" % (rng.randint(0, 12), rng.randint(0, 30), rng.randint(0, 99))),
        (15, "v%d.%d.%d" % (rng.randint(0, 5), rng.randint(0, 20), rng.randint(0, 20))),
        (10, "%d.%d.%d-rc.%d" % (rng.randint(1, 4), rng.randint(0, 9), 0, rng.randint(1, 5))),
        (20, "%d.%d.%d.%d" % (rng.randint(1, 9), rng.randint(0, 9), rng.randint(0, 20), rng.randint(0, 250))),
        (15, "10.0.%d.%d" % (rng.randint(17000, 22631), rng.randint(1, 4000))),
    ])


def uen(rng):
    return pick(rng, [(50, "%d%05d%s" % (rng.randint(1975, 2023), rng.randrange(100000), rng.choice("CDEGHKMNRWZ"))),
                      (30, "%s%s" % (digits(rng, 8), rng.choice("ABCDEJKLW"))),
                      (20, "T%02d%s%04d%s" % (rng.randint(8, 24), rng.choice(["LL", "FC", "SS", "PF"]),
                                               rng.randrange(10000), rng.choice("ABCDEFGHJK")))])


def imei(rng):
    return luhn_complete("35" + digits(rng, 12))


def mac(rng):
    return ":".join("%02x" % rng.randrange(256) for _ in range(6))


# ---------------------------------------------------------------------------
# Free text
# ---------------------------------------------------------------------------

EN_PLAIN = [
    "Customer requested delivery after 6pm.", "Left parcel with neighbour.",
    "Refund processed for {order}.", "Complaint about late delivery on {date}.",
    "VIP - handle with care.", "Address updated per customer request.",
    "Paid by PayNow, ref {inv}.", "Prefers SMS updates.", "Gift wrap requested.",
    "Do not call before 10am.", "Returned item unopened, credit S${amt}.",
    "Asked about loyalty points balance.", "Duplicate account merged into C{cid}.",
    "Ticket #{tk} closed.", "Delivery slot changed to {date}.",
]
EN_PII = {
    "sg.phone": ["Please call {v} before delivery.", "Alt contact: {v} (after 7pm)",
                 "Customer asked us to call back on {v}.", "WhatsApp {v} for updates"],
    "email": ["Send the receipt to {v} please.", "cc {v} on all updates",
              "Customer changed email to {v}", "Invoice emailed to {v}."],
    "sg.nric": ["Verified ID {v} at counter.", "NRIC {v} checked against booking",
                "Identity confirmed ({v})", "Walk-in, showed IC {v}"],
}
KR_PLAIN = ["부재시 경비실에 맡겨주세요", "배송 전 연락 바랍니다", "문앞에 놓아주세요",
            "주문 {order} 환불 완료", "포장 꼼꼼히 부탁드립니다", "VIP 고객",
            "{date} 배송지 변경 요청", "현금영수증 발행 요청", "적립금 {amt}원 지급",
            "공동현관 비밀번호 없음", "오후 배송 희망"]
KR_PII = {
    "kr.phone": ["{v}로 연락 주세요", "부재시 {v}로 전화 바랍니다", "보호자 연락처 {v}",
                 "배송기사님 {v} 로 문자 주세요"],
    "kr.rrn": ["본인확인 주민번호 {v} 확인 완료", "세금계산서용 주민등록번호 {v}"],
    "email": ["{v} 로 안내문 발송", "계약서 사본 {v} 메일 발송 완료", "이메일 변경: {v}"],
}
KR_FOREIGN_PLAIN = ["체류기간 연장 신청", "통역 필요 (베트남어)", "기숙사 입주 예정",
                    "건강보험 가입 완료", "{date} 출국 예정", "근로계약 갱신",
                    "통장 개설 안내 완료", "비자 변경 상담"]
MY_PLAIN = ["Hantar selepas jam 5 petang.", "Pelanggan minta invois.",
            "Bayar melalui FPX, rujukan {inv}.", "Bungkus sebagai hadiah.",
            "Pesanan {order} dibatalkan.", "Tinggalkan di pondok pengawal.",
            "Pelanggan setia sejak 2018.", "Barang dipulangkan pada {date}."]
MY_PII = {
    "my.phone": ["Sila hubungi {v} sebelum penghantaran.", "No. alternatif: {v}",
                 "WhatsApp {v} untuk maklumat lanjut", "Call {v} after 6pm"],
}


def fill(rng, template, value=""):
    return template.format(
        v=value, order=order_code(rng), inv=invoice_no(rng),
        date=rand_date(rng, datetime.date(2023, 1, 1), REF_DATE).strftime("%d/%m/%Y"),
        amt="%d.%02d" % (rng.randint(5, 300), rng.randrange(100)),
        cid="%06d" % rng.randrange(1000000), tk=rng.randint(1000, 99999))


class FreeText:
    """A free-text column: about p_text of the rows hold a plain note; for
    each type, rate*n rows (at least 3) embed one value of that type in a
    sentence.  The labels are the types embedded."""

    def __init__(self, rng, n, plain, pii, rates, p_text=0.55):
        self.rng, self.plain, self.pii = rng, plain, pii
        self.p_text = p_text
        self.at = {}                         # row -> (type, value fn)
        rows = list(range(n))
        for typ, (rate, fn) in rates.items():
            k = min(max(3, round(rate * n)), len(rows))
            for i in rng.sample(rows, k):
                self.at[i] = (typ, fn)
            rows = [i for i in rows if i not in self.at]
        self.types = sorted(rates)

    def __call__(self, i, person):
        rng = self.rng
        if i in self.at:
            typ, fn = self.at[i]
            s = fill(rng, rng.choice(self.pii[typ]), fn(person))
            if rng.random() < 0.4:
                s = fill(rng, rng.choice(self.plain)) + " " + s
            return s
        if rng.random() < self.p_text:
            s = fill(rng, rng.choice(self.plain))
            if rng.random() < 0.2:
                s += " " + fill(rng, rng.choice(self.plain))
            return s
        return ""


# ---------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------

def sg_person(rng):
    name, given, sur, g = sg_person_name(rng)
    dob = rand_dob(rng)
    addr, postal = sg_address(rng)
    return dict(name=name, given=given, sur=sur, male=g == "M", dob=dob,
                nric=sg_nric(rng, dob), addr=addr, postal=postal)


def my_person(rng):
    name, given, sur, g = my_person_name(rng)
    dob = rand_dob(rng, 18, 80)
    addr, postal = my_address(rng)
    return dict(name=name, given=given, sur=sur, male=g == "M", dob=dob,
                addr=addr, postal=postal)


def kr_person(rng, foreign=False, new_share=0.10):
    if foreign:
        latin = rng.random() < 0.6
        name = rng.choice(FOREIGN_LATIN) if latin else rng.choice(FOREIGN_HANGUL)
        given, sur = rng.choice(KR_ROMAN), rng.choice(KR_ROMAN_SUR)
        male = rng.random() < 0.5
        dob = rand_dob(rng, 19, 60)
        new = False
    else:
        name, given, sur, g = kr_person_name(rng)
        male = g == "M"
        new = rng.random() < new_share
        if new and rng.random() < 0.4:          # a newborn's number
            dob = rand_date(rng, datetime.date(2020, 10, 5), REF_DATE)
        else:                                   # re-issued, or legacy
            dob = rand_dob(rng, 14, 85)
    rrn = kr_rrn(rng, dob, male, foreign=foreign, new_scheme=new,
                 hyphen=rng.random() < 0.85)
    return dict(name=name, given=given, sur=sur, male=male, dob=dob, rrn=rrn)


# ---------------------------------------------------------------------------
# Sources: each returns (columns, rows) where columns = [(name, [types])]
# ---------------------------------------------------------------------------

def table(rng, n, make_person, spec):
    """spec: [(column, types, fn(person) or FreeText)] -> (columns, rows)"""
    rows = []
    for i in range(n):
        p = make_person(rng) if make_person else {}
        p["i"] = i
        row = []
        for _, _, fn in spec:
            row.append(fn(i, p) if isinstance(fn, FreeText) else fn(p))
        rows.append(row)
    cols = [(name, list(fn.types) if isinstance(fn, FreeText) else list(types))
            for name, types, fn in spec]
    return cols, rows


def src_sg_customers(rng, n):
    notes = FreeText(rng, n, EN_PLAIN, EN_PII, {
        "sg.phone": (0.04, lambda p: sg_phone(rng)),
        "email": (0.03, lambda p: email(rng, p["given"], p["sur"], DOMAINS_SG))})
    return table(rng, n, sg_person, [
        ("customer_id", [], lambda p: "C%06d" % (100000 + p["i"])),
        ("nric", ["sg.nric"], blank(rng, 0.02, lambda p: p["nric"])),
        ("full_name", ["person_name"], lambda p: p["name"]),
        ("mobile", ["sg.phone"], blank(rng, 0.05, lambda p: sg_phone(rng))),
        ("email", ["email"], blank(rng, 0.08, lambda p: email(rng, p["given"], p["sur"], DOMAINS_SG))),
        ("address", ["sg.address"], blank(rng, 0.03, lambda p: p["addr"])),
        ("postal_code", ["sg.postal_code"], blank(rng, 0.03, lambda p: p["postal"])),
        ("dob", ["date_of_birth"], blank(rng, 0.05, lambda p: p["dob"].strftime("%d/%m/%Y"))),
        ("nric_masked", ["sg.nric_partial"], blank(rng, 0.02, lambda p: sg_nric_partial(rng, p["dob"]))),
        ("ref", ["sg.nric"], lambda p: sg_nric(rng, prefixes=[(50, "G"), (30, "F"), (20, "M")])),
        ("status", [], lambda p: rng.choice(["active", "inactive", "pending", "closed"])),
        ("created_at", [], lambda p: fmt_ts(rng, rand_ts(rng), "space")),
        ("notes", None, notes),
    ])


def src_payments(rng, n):
    def person(r):
        p = sg_person(r) if r.random() < 0.7 else dict(zip(("name", "given", "sur"), sg_person_name(r)[:3]))
        p["card"] = card_number(r)
        return p
    return table(rng, n, person, [
        ("txn_id", [], lambda p: str(uuid.UUID(int=rng.getrandbits(128), version=4))),
        ("paid_at", [], lambda p: fmt_ts(rng, rand_ts(rng), "iso_off")),
        ("invoice_no", [], lambda p: invoice_no(rng)),
        ("card_number", ["payment_card"], lambda p: group_card(rng, p["card"])),
        ("card_expiry", [], lambda p: "%02d/%02d" % (rng.randint(1, 12), rng.randint(24, 30))),
        ("card_holder", ["person_name"], lambda p: p["name"].upper()),
        ("billing_email", ["email"], blank(rng, 0.04, lambda p: email(rng, p["given"], p["sur"], DOMAINS_SG))),
        ("billing_phone", ["phone"], blank(rng, 0.1, lambda p: intl_phone(rng))),
        ("amount", [], lambda p: "%d.%02d" % (rng.randint(1, 2500), rng.randrange(100))),
        ("currency", [], lambda p: rng.choice(["SGD", "SGD", "USD", "MYR"])),
        ("client_ip", ["ip_address"], lambda p: ipv4(rng)),
        ("bank_account_no", ["bank_account"], blank(rng, 0.3, lambda p: sg_bank_account(rng))),
        ("auth_code", [], lambda p: digits(rng, 6)),
        ("status", [], lambda p: rng.choice(STATUSES)),
    ])


def src_my_customers(rng, n):
    notes = FreeText(rng, n, MY_PLAIN, MY_PII, {"my.phone": (0.05, lambda p: my_phone(rng))})
    return table(rng, n, my_person, [
        ("id", [], lambda p: str(p["i"] + 1)),
        ("nama", ["person_name"], lambda p: p["name"]),
        ("no_kp", ["my.mykad"], blank(rng, 0.02, lambda p: my_mykad(rng, p["dob"], p["male"], rng.random() < 0.7))),
        ("jantina", [], lambda p: "L" if p["male"] else "P"),
        ("tarikh_lahir", ["date_of_birth"], blank(rng, 0.03, lambda p: p["dob"].strftime("%d/%m/%Y"))),
        ("telefon", ["my.phone"], blank(rng, 0.04, lambda p: my_phone(rng))),
        ("emel", ["email"], blank(rng, 0.1, lambda p: email(rng, p["given"], p["sur"], DOMAINS_MY))),
        ("alamat", ["my.address"], blank(rng, 0.03, lambda p: p["addr"])),
        ("poskod", ["my.postal_code"], blank(rng, 0.03, lambda p: p["postal"])),
        ("negeri", [], lambda p: rng.choice(MY_CITIES)[1]),
        ("account_no", ["bank_account"], blank(rng, 0.2, lambda p: my_bank_account(rng))),
        ("card_no", ["payment_card"], blank(rng, 0.4, lambda p: card_number(rng))),
        ("jumlah", [], lambda p: "%d.%02d" % (rng.randint(1, 900), rng.randrange(100))),
        ("no_pesanan", [], lambda p: "MY%s-%06d" % (rng.choice(("23", "24")), rng.randrange(1000000))),
        ("catatan", None, notes),
        ("created_at", [], lambda p: fmt_ts(rng, rand_ts(rng), "iso_z")),
    ])


def src_orders(rng, n):
    return table(rng, n, None, [
        ("order_no", [], lambda p: "45%08d" % rng.randrange(100000000)),
        ("phone", [], lambda p: order_code(rng)),
        ("invoice_no", [], lambda p: invoice_no(rng)),
        ("customer_ref", [], lambda p: "CUST-%06d" % rng.randrange(1000000)),
        ("created_at", [], lambda p: epoch_ms(rng)),
        ("updated_at", [], lambda p: fmt_ts(rng, rand_ts(rng))),
        ("ship_date", [], lambda p: rand_date(rng, datetime.date(2023, 1, 1), REF_DATE).strftime("%d/%m/%Y")),
        ("product_name", [], lambda p: rng.choice(PRODUCTS)),
        ("sku", [], lambda p: nric_lookalike(rng)),
        ("barcode", [], lambda p: ean13(rng)),
        ("batch_no", [], lambda p: rng.choice("123456789") + digits(rng, 15)),
        ("imei", [], lambda p: imei(rng)),
        ("uuid", [], lambda p: str(uuid.UUID(int=rng.getrandbits(128), version=4))),
        ("object_id", [], lambda p: "%08x%s" % (rng.randint(0x5c000000, 0x66800000),
                                                "".join(rng.choice("0123456789abcdef") for _ in range(16)))),
        ("app_version", [], lambda p: version(rng)),
        ("supplier_uen", [], lambda p: uen(rng)),
        ("warehouse", [], lambda p: "%06d" % rng.randrange(100000, 1000000)),
        ("tracking_no", [], lambda p: pick(rng, [(50, "%s%09d%s" % (rng.choice(["EE", "RR", "CP"]), rng.randrange(10 ** 9), rng.choice(["SG", "MY", "KR"]))),
                                                 (50, "SPX%012d" % rng.randrange(10 ** 12))])),
        ("qty", [], lambda p: str(rng.randint(1, 20))),
        ("unit_price", [], lambda p: "%d.%02d" % (rng.randint(1, 500), rng.randrange(100))),
        ("status", [], lambda p: rng.choice(STATUSES)),
    ])


def src_kr_foreigners(rng, n):
    notes = FreeText(rng, n, KR_FOREIGN_PLAIN, KR_PII,
                     {"email": (0.03, lambda p: email(rng, p["given"], p["sur"], DOMAINS_KR + DOMAINS_INTL))},
                     p_text=0.4)

    def person(r):
        p = kr_person(r, foreign=True)
        p["addr"], p["postal"] = kr_address(r, "lot" if r.random() < 0.7 else "road")
        return p
    return table(rng, n, person, [
        ("번호", [], lambda p: str(p["i"] + 1)),
        ("성명", ["person_name"], lambda p: p["name"]),
        ("외국인등록번호", ["kr.rrn"], blank(rng, 0.02, lambda p: p["rrn"])),
        ("국적", [], lambda p: rng.choice(NATIONALITIES)),
        ("생년월일", ["date_of_birth"], lambda p: p["dob"].strftime("%Y%m%d")),
        ("휴대폰", ["kr.phone"], blank(rng, 0.05, lambda p: kr_phone(rng))),
        ("주소", ["kr.address"], blank(rng, 0.03, lambda p: p["addr"])),
        ("우편번호", ["kr.postal_code"], blank(rng, 0.03, lambda p: p["postal"])),
        ("계좌번호", ["bank_account"], blank(rng, 0.15, lambda p: kr_bank_account(rng))),
        ("체류자격", [], lambda p: rng.choice(["E-9", "E-7", "F-4", "F-5", "D-2", "H-2", "F-6"])),
        ("등록일", [], lambda p: rand_date(rng, datetime.date(2012, 1, 1), REF_DATE).isoformat()),
        ("비고", None, notes),
    ])


def src_kr_members(rng, n):
    notes = FreeText(rng, n, KR_PLAIN, KR_PII, {
        "kr.phone": (0.05, lambda p: kr_phone(rng)),
        "kr.rrn": (0.02, lambda p: p["rrn"])})

    def person(r):
        p = kr_person(r)
        p["addr"], p["postal"] = kr_address(r, "road" if r.random() < 0.85 else "lot")
        return p
    return table(rng, n, person, [
        ("회원번호", [], lambda p: "M%d%06d" % (rng.choice((2019, 2021, 2023, 2024)), rng.randrange(1000000))),
        ("이름", ["person_name"], lambda p: p["name"]),
        ("주민등록번호", ["kr.rrn"], blank(rng, 0.02, lambda p: p["rrn"])),
        ("생년월일", ["date_of_birth"], lambda p: p["dob"].strftime("%Y.%m.%d")),
        ("휴대폰번호", ["kr.phone"], blank(rng, 0.03, lambda p: kr_phone(rng))),
        ("이메일", ["email"], blank(rng, 0.1, lambda p: email(rng, p["given"], p["sur"], DOMAINS_KR))),
        ("주소", ["kr.address"], blank(rng, 0.02, lambda p: p["addr"])),
        ("우편번호", ["kr.postal_code"], blank(rng, 0.02, lambda p: p["postal"])),
        ("카드번호", ["payment_card"], blank(rng, 0.5, lambda p: group_card(rng, card_number(rng), "-"))),
        ("사업자등록번호", [], lambda p: "" if rng.random() < 0.7 else "%s-%s-%s" % (digits(rng, 3), digits(rng, 2), digits(rng, 5))),
        ("주문번호", [], lambda p: rand_date(rng, datetime.date(2023, 1, 1), REF_DATE).strftime("%Y%m%d") + digits(rng, 6)),
        ("포인트", [], lambda p: str(rng.randrange(0, 50000, 10))),
        ("가입일시", [], lambda p: fmt_ts(rng, rand_ts(rng), "space")),
        ("메모", None, notes),
    ])


def src_contacts(rng, n):
    notes = FreeText(rng, n, EN_PLAIN, EN_PII, {
        "sg.nric": (0.03, lambda p: sg_nric(rng)),
        "email": (0.02, lambda p: email(rng, p["given"], p["sur"], DOMAINS_INTL))})

    def person(r):
        name, given, sur, g = cn_person_name(r)
        return dict(name=name, given=given, sur=sur, dob=rand_dob(r))
    return table(rng, n, person, [
        ("contact_id", [], lambda p: "CT-%05d" % (p["i"] + 1)),
        ("name", ["person_name"], lambda p: p["name"]),
        ("company", [], lambda p: rng.choice(COMPANIES)),
        ("country", [], lambda p: rng.choice(COUNTRIES)),
        ("contact", ["phone", "email"], lambda p: pick(rng, [
            (50, intl_phone(rng)), (45, email(rng, p["given"], p["sur"], DOMAINS_INTL)), (5, "")])),
        ("phone_number", ["phone"], blank(rng, 0.05, lambda p: intl_phone(rng))),
        ("dob", ["date_of_birth"], blank(rng, 0.1, lambda p: p["dob"].isoformat())),
        ("last_login_ip", ["ip_address"], blank(rng, 0.05, lambda p: ipv6(rng) if rng.random() < 0.4 else ipv4(rng))),
        ("website", [], lambda p: "https://www.%s.example/%s" % (rng.choice(["acme", "northwind", "orchid", "pacific"]),
                                                                 rng.choice(["", "about", "contact-us", "en/home"]))),
        ("social", [], lambda p: "@%s%s" % (p["sur"], digits(rng, 2))),
        ("comments", None, notes),
        ("created_at", [], lambda p: fmt_ts(rng, rand_ts(rng))),
        ("updated_at", [], lambda p: fmt_ts(rng, rand_ts(rng))),
    ])


def src_access_log(rng, n):
    def ua(_):
        t = rng.randrange(3)
        if t == 0:
            return USER_AGENTS[0] % (rng.randint(100, 126), rng.randint(5000, 6500), rng.randint(10, 200))
        if t == 1:
            return USER_AGENTS[1] % (rng.randint(0, 5), rng.randint(0, 5), rng.randint(604, 605))
        return USER_AGENTS[2] % (rng.randint(9, 12), rng.randint(0, 3), rng.randint(1000, 9999))
    return table(rng, n, None, [
        ("ts", [], lambda p: fmt_ts(rng, rand_ts(rng), "ms")),
        ("request_id", [], lambda p: str(uuid.UUID(int=rng.getrandbits(128), version=4))),
        ("user_id", [], lambda p: str(rng.randint(1000, 999999))),
        ("src_ip", ["ip_address"], lambda p: ipv4(rng, 0.3)),
        ("remote_addr", ["ip_address"], lambda p: ipv6(rng) if rng.random() < 0.5 else ipv4(rng)),
        ("method", [], lambda p: rng.choice(["GET", "GET", "POST", "PUT", "DELETE"])),
        ("path", [], lambda p: rng.choice(["/api/v1/orders/%d", "/api/v2/cart/%d", "/static/app.%d.js",
                                          "/account/%d/settings"]) % rng.randint(1, 99999)),
        ("status", [], lambda p: rng.choice(["200", "200", "200", "201", "304", "404", "500"])),
        ("bytes", [], lambda p: str(rng.randint(120, 2000000))),
        ("latency_ms", [], lambda p: "%.1f" % (rng.random() * 900)),
        ("user_agent", [], ua),
        ("app_version", [], lambda p: version(rng)),
        ("device_mac", [], lambda p: mac(rng)),
        ("session_id", [], lambda p: "%032x" % rng.getrandbits(128)),
    ])


def src_staff_sg(rng, n):
    def nric_fin(p):
        v = sg_nric(rng, p["dob"], [(40, "S"), (10, "T"), (15, "F"), (25, "G"), (10, "M")])
        return v.lower() if rng.random() < 0.1 else v
    return table(rng, n, sg_person, [
        ("staff_id", [], lambda p: "E%05d" % (10000 + p["i"])),
        ("nric_fin", ["sg.nric"], nric_fin),
        ("staff_name", ["person_name"], lambda p: p["name"]),
        ("mobile", ["sg.phone"], lambda p: sg_phone(rng)),
        ("work_email", ["email"], lambda p: email(rng, p["given"], p["sur"], ["acme.com.sg"])),
        ("home_address", ["sg.address"], lambda p: p["addr"]),
        ("postal", ["sg.postal_code"], lambda p: p["postal"]),
        ("birth_date", ["date_of_birth"], lambda p: p["dob"].isoformat()),
        ("nric_last4", ["sg.nric_partial"], lambda p: "*****" + p["nric"][5:]),
        ("salary_account", ["bank_account"], lambda p: sg_bank_account(rng)),
        ("department", [], lambda p: rng.choice(DEPARTMENTS)),
        ("joined_on", [], lambda p: rand_date(rng, datetime.date(2005, 1, 1), REF_DATE).isoformat()),
    ])


def src_pekerja_my(rng, n):
    return table(rng, n, my_person, [
        ("no_pekerja", [], lambda p: "P%05d" % (p["i"] + 1)),
        ("nama", ["person_name"], lambda p: p["name"]),
        ("no_ic", ["my.mykad"], lambda p: my_mykad(rng, p["dob"], p["male"], rng.random() < 0.3)),
        ("tarikh_lahir", ["date_of_birth"], lambda p: p["dob"].strftime("%d/%m/%Y")),
        ("telefon_bimbit", ["my.phone"], lambda p: my_phone(rng)),
        ("emel", ["email"], lambda p: email(rng, p["given"], p["sur"], ["syarikat.com.my"])),
        ("alamat", ["my.address"], lambda p: p["addr"]),
        ("poskod", ["my.postal_code"], lambda p: p["postal"]),
        ("no_akaun", ["bank_account"], lambda p: my_bank_account(rng)),
        ("jabatan", [], lambda p: rng.choice(["Kewangan", "Sumber Manusia", "Operasi", "Jualan", "IT"])),
        ("gaji", [], lambda p: "%d.00" % rng.randrange(2000, 15000, 50)),
        ("tarikh_mula", [], lambda p: rand_date(rng, datetime.date(2005, 1, 1), REF_DATE).strftime("%d/%m/%Y")),
    ])


# (name in labels, builder, share of --rows, writer spec)
SOURCES = [
    ("sg_customers.csv", src_sg_customers, 5000, dict(enc="utf-8", delim=",", eol="\n")),
    ("payments_excel.csv", src_payments, 3000, dict(enc="utf-8-sig", delim=",", eol="\r\n")),
    ("my_customers.csv", src_my_customers, 3000, dict(enc="utf-8", delim=";", eol="\r\n")),
    ("orders.tsv", src_orders, 5000, dict(enc="utf-8", delim="\t", eol="\n")),
    ("kr_foreigners_unicode.txt", src_kr_foreigners, 3000, dict(enc="utf-16-bom", delim="\t", eol="\r\n")),
    ("kr_members_cp949.csv", src_kr_members, 3500, dict(enc="cp949", delim=",", eol="\r\n")),
    ("contacts.csv.gz", src_contacts, 3500, dict(enc="utf-8", delim=",", eol="\n", gzip=True)),
    ("access_log.csv", src_access_log, 3000, dict(enc="utf-8", delim="|", eol="\n")),
    ("bundle.zip:staff_sg.csv", src_staff_sg, 1500, dict(enc="utf-8", delim=",", eol="\n")),
    ("bundle.zip:pekerja_my.csv", src_pekerja_my, 1500, dict(enc="utf-8", delim=",", eol="\r\n")),
]
FORMATS = {
    "sg_customers.csv": "UTF-8, ',' LF",
    "payments_excel.csv": "UTF-8 with BOM, ',' CRLF",
    "my_customers.csv": "UTF-8, ';' CRLF",
    "orders.tsv": "UTF-8, TAB LF",
    "kr_foreigners_unicode.txt": "UTF-16LE with BOM, TAB CRLF (Excel Unicode Text)",
    "kr_members_cp949.csv": "CP949, ',' CRLF (Korean Excel)",
    "contacts.csv.gz": "gzip of UTF-8 ',' LF",
    "access_log.csv": "UTF-8, '|' LF",
    "bundle.zip:staff_sg.csv": "zip member, UTF-8 ',' LF",
    "bundle.zip:pekerja_my.csv": "zip member, UTF-8 ',' CRLF",
}


def split_rows(total):
    """Rows per source, proportional to the shares, summing to total."""
    weights = [w for _, _, w, _ in SOURCES]
    tw = sum(weights)
    counts = [max(20, total * w // tw) for w in weights]
    i = 0
    while sum(counts) < total:
        counts[i % len(counts)] += 1
        i += 1
    return counts


def encode(cols, rows, spec):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=spec["delim"], lineterminator=spec["eol"],
                   quoting=csv.QUOTE_MINIMAL)
    w.writerow([c for c, _ in cols])
    w.writerows(rows)
    text = buf.getvalue()
    enc = spec["enc"]
    if enc == "utf-16-bom":
        return b"\xff\xfe" + text.encode("utf-16-le")
    return text.encode(enc)           # strict: a name CP949 lacks is a bug here


def write_gzip(path, data):
    raw = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as g:
        g.write(data)
    with open(path, "wb") as f:
        f.write(raw.getvalue())


def generate(outdir, total, seed):
    os.makedirs(outdir, exist_ok=True)
    labels = {}
    zip_members = {}
    for (name, build, _, spec), n in zip(SOURCES, split_rows(total)):
        rng = random.Random("%s:%s:%d" % (seed, name, n))
        cols, rows = build(rng, n)
        assert len({c for c, _ in cols}) == len(cols), name
        data = encode(cols, rows, spec)
        labels[name] = {"format": FORMATS[name], "rows": n,
                        "columns": {c: sorted(set(t)) for c, t in cols}}
        if ":" in name:
            archive, member = name.split(":", 1)
            zip_members.setdefault(archive, []).append((member, data))
        elif spec.get("gzip"):
            write_gzip(os.path.join(outdir, name), data)
        else:
            with open(os.path.join(outdir, name), "wb") as f:
                f.write(data)
    for archive, members in zip_members.items():
        with zipfile.ZipFile(os.path.join(outdir, archive), "w") as z:
            for member, data in members:
                info = zipfile.ZipInfo(member, ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                z.writestr(info, data)
    doc = {
        "corpus": "lethe accuracy corpus",
        "generator": "tools/gen_corpus.py",
        "seed": seed,
        "rows": sum(v["rows"] for v in labels.values()),
        "names": "source names relative to OUTDIR: lethe reports OUTDIR/NAME "
                 "(zip members OUTDIR/ARCHIVE:MEMBER)",
        "types": ALL_TYPES,
        "sources": labels,
    }
    with open(os.path.join(outdir, "labels.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")
    return doc


def main(argv):
    ap = argparse.ArgumentParser(
        description="Generate lethe's labelled accuracy corpus (deterministic).")
    ap.add_argument("outdir", nargs="?")
    ap.add_argument("--rows", type=int, default=DEFAULT_ROWS,
                    help="total rows over all sources (default %d; make test: 2000)" % DEFAULT_ROWS)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--self-test", action="store_true",
                    help="only check the check-digit code against IDENTIFIERS.md")
    a = ap.parse_args(argv)
    self_test()
    if a.self_test:
        print("gen_corpus: self-test ok")
        return 0
    if not a.outdir:
        ap.error("OUTDIR is required")
    if a.rows < SMALLEST // 2:
        ap.error("--rows must be at least %d" % (SMALLEST // 2))
    doc = generate(a.outdir, a.rows, a.seed)
    nfiles = len({k.split(":")[0] for k in doc["sources"]})
    ncols = sum(len(v["columns"]) for v in doc["sources"].values())
    print("gen_corpus: %d rows, %d sources in %d files, %d columns -> %s"
          % (doc["rows"], len(doc["sources"]), nfiles, ncols, a.outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
