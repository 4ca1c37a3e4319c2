"""Deterministic TPC-H-shaped data (after the spec's dbgen: same tables, keys, value domains and
distributions, close enough that the 22 queries with their validation parameters select
rows), written as CSV-free INSERT batches by load(). Same seed, same data, on every server.

    python gen.py SF      # prints row counts
"""

import random
import sys
from datetime import date, timedelta

NATIONS = [
    ("ALGERIA", 0), ("ARGENTINA", 1), ("BRAZIL", 1), ("CANADA", 1), ("EGYPT", 4),
    ("ETHIOPIA", 0), ("FRANCE", 3), ("GERMANY", 3), ("INDIA", 2), ("INDONESIA", 2),
    ("IRAN", 4), ("IRAQ", 4), ("JAPAN", 2), ("JORDAN", 4), ("KENYA", 0), ("MOROCCO", 0),
    ("MOZAMBIQUE", 0), ("PERU", 1), ("CHINA", 2), ("ROMANIA", 3), ("SAUDI ARABIA", 4),
    ("VIETNAM", 2), ("RUSSIA", 3), ("UNITED KINGDOM", 3), ("UNITED STATES", 1),
]
REGIONS = ["AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"]
COLORS = (
    "almond antique aquamarine azure beige bisque black blanched blue blush brown burlywood "
    "burnished chartreuse chiffon chocolate coral cornflower cornsilk cream cyan dark deep dim "
    "dodger drab firebrick floral forest frosted gainsboro ghost goldenrod green grey honeydew "
    "hot indian ivory khaki lace lavender lawn lemon light lime linen magenta maroon medium "
    "metallic midnight mint misty moccasin navajo navy olive orange orchid pale papaya peach "
    "peru pink plum powder puff purple red rose rosy royal saddle salmon sandy seashell sienna "
    "sky slate smoke snow spring steel tan thistle tomato turquoise violet wheat white yellow"
).split()
TYPE1 = ["STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"]
TYPE2 = ["ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"]
TYPE3 = ["TIN", "NICKEL", "BRASS", "STEEL", "COPPER"]
CONT1 = ["SM", "LG", "MED", "JUMBO", "WRAP"]
CONT2 = ["CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM"]
SEGMENTS = ["AUTOMOBILE", "BUILDING", "FURNITURE", "MACHINERY", "HOUSEHOLD"]
PRIORITIES = ["1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"]
INSTRUCT = ["DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"]
MODES = ["REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"]
WORDS = (
    "furiously quickly carefully slyly blithely fluffily ironic final regular express special "
    "pending bold unusual even silent requests deposits accounts packages theodolites pinto "
    "beans foxes ideas platelets instructions dependencies excuses sleep wake nag haggle "
    "integrate cajole detect boost use are about above across after along"
).split()

START = date(1992, 1, 1)
END = date(1998, 12, 31)
CURRENT = date(1995, 6, 17)


def text(rng, lo, hi):
    n = rng.randint(lo, hi)
    out = []
    while len(" ".join(out)) < n:
        out.append(rng.choice(WORDS))
    return " ".join(out)[:hi]


def money(rng, lo, hi):
    return f"{rng.randint(int(lo * 100), int(hi * 100)) / 100:.2f}"


def phone(rng, nation):
    return f"{nation + 10}-{rng.randint(100, 999)}-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"


def tables(sf):
    """Yields (table, rows) in load order; rows are tuples of Python values."""
    rng = random.Random(20261130)
    yield "region", [(i, r, text(rng, 31, 115)) for i, r in enumerate(REGIONS)]
    yield "nation", [(i, n, r, text(rng, 31, 114)) for i, (n, r) in enumerate(NATIONS)]
    n_supp, n_part, n_cust = max(1, int(10_000 * sf)), max(1, int(200_000 * sf)), max(1, int(150_000 * sf))
    supp = []
    for k in range(1, n_supp + 1):
        nation = rng.randint(0, 24)
        comment = text(rng, 25, 100)
        if rng.random() < 0.0005 * 10:
            comment = "Customer " + comment[:40] + " Complaints"
        supp.append((k, f"Supplier#{k:09d}", text(rng, 10, 40), nation, phone(rng, nation),
                     money(rng, -999.99, 9999.99), comment))
    yield "supplier", supp
    parts, partsupp, price = [], [], {}
    for k in range(1, n_part + 1):
        name = " ".join(rng.sample(COLORS, 5))
        m = rng.randint(1, 5)
        retail = (90000 + ((k // 10) % 20001) + 100 * (k % 1000)) / 100
        price[k] = retail
        parts.append((k, name, f"Manufacturer#{m}", f"Brand#{m}{rng.randint(1, 5)}",
                      f"{rng.choice(TYPE1)} {rng.choice(TYPE2)} {rng.choice(TYPE3)}",
                      rng.randint(1, 50), f"{rng.choice(CONT1)} {rng.choice(CONT2)}",
                      f"{retail:.2f}", text(rng, 5, 22)))
        for i in range(4):
            s = (k + (i * ((n_supp // 4) + (k - 1) // n_supp))) % n_supp + 1
            partsupp.append((k, s, rng.randint(1, 9999), money(rng, 1, 1000), text(rng, 49, 198)))
    yield "part", parts
    yield "partsupp", partsupp
    cust = []
    for k in range(1, n_cust + 1):
        nation = rng.randint(0, 24)
        cust.append((k, f"Customer#{k:09d}", text(rng, 10, 40), nation, phone(rng, nation),
                     money(rng, -999.99, 9999.99), rng.choice(SEGMENTS), text(rng, 29, 116)))
    yield "customer", cust
    orders, lines = [], []
    last_order = END - timedelta(days=151)
    span = (last_order - START).days
    for k in range(1, int(1_500_000 * sf) + 1):
        cust_key = rng.randint(1, n_cust)
        while cust_key % 3 == 0:  # a third of the customers never order
            cust_key = rng.randint(1, n_cust)
        odate = START + timedelta(days=rng.randint(0, span))
        total, statuses = 0.0, set()
        for ln in range(1, rng.randint(1, 7) + 1):
            pk = rng.randint(1, n_part)
            sk = (pk + (rng.randint(0, 3) * ((n_supp // 4) + (pk - 1) // n_supp))) % n_supp + 1
            qty = rng.randint(1, 50)
            ext = round(qty * price[pk], 2)
            disc, tax = rng.randint(0, 10) / 100, rng.randint(0, 8) / 100
            ship = odate + timedelta(days=rng.randint(1, 121))
            commit = odate + timedelta(days=rng.randint(30, 90))
            receipt = ship + timedelta(days=rng.randint(1, 30))
            flag = rng.choice("RA") if receipt <= CURRENT else "N"
            status = "O" if ship > CURRENT else "F"
            statuses.add(status)
            total += ext * (1 + tax) * (1 - disc)
            lines.append((k, pk, sk, ln, qty, f"{ext:.2f}", f"{disc:.2f}", f"{tax:.2f}", flag,
                          status, ship, commit, receipt, rng.choice(INSTRUCT), rng.choice(MODES),
                          text(rng, 10, 43)))
        ostatus = "F" if statuses == {"F"} else "O" if statuses == {"O"} else "P"
        comment = text(rng, 19, 78)
        if rng.random() < 0.01:
            comment = "special " + comment[:30] + " requests"
        orders.append((k, cust_key, ostatus, f"{total:.2f}", odate, rng.choice(PRIORITIES),
                       f"Clerk#{rng.randint(1, max(1, int(1000 * sf))):09d}", 0, comment))
    yield "orders", orders
    yield "lineitem", lines


if __name__ == "__main__":
    for name, rows in tables(float(sys.argv[1] if len(sys.argv) > 1 else "0.01")):
        print(name, len(rows))
