#!/usr/bin/env python3
"""Builds the critmin history-2010 dataset tables from the figures in
docs/research/markets/history-2010.md and parameters.md (see README.md).

Run from the repository root:  python3 data/history-2010/build/build.py
Reads the 2024 baseline (read-only) for the compositions, sources and the
tables carried over unchanged; writes every CSV of the dataset directory.
"""
import csv, os, math

BASE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "baseline")
OUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

OXIDE_PER_METAL = {"Sc": 1.5338, "Y": 1.2699, "La": 1.1728, "Ce": 1.2284, "Pr": 1.2082,
                   "Nd": 1.1664, "Sm": 1.1596, "Eu": 1.1579, "Gd": 1.1526, "Tb": 1.1762,
                   "Dy": 1.1477, "Ho": 1.1455, "Er": 1.1435, "Tm": 1.1421, "Yb": 1.1387,
                   "Lu": 1.1372}
ELEMS = list(OXIDE_PER_METAL)

def read(name):
    with open(os.path.join(BASE, name), newline="") as f:
        return list(csv.DictReader(f))

def write(name, header, rows):
    with open(os.path.join(OUT, name), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow(["" if r.get(h) is None else r.get(h) for h in header])

def fmt(x, nd=0):
    if nd == 0:
        return str(int(round(x)))
    s = f"{x:.{nd}f}".rstrip("0").rstrip(".")
    return s

SOURCES = {}   # id -> row
def src(id_, publication, locator, year, citation, confidence, note):
    SOURCES[id_] = dict(id=id_, publication=publication, locator=locator, year=year,
                        citation=citation, confidence=confidence, note=note)
    return id_

base_sources = {r["id"]: r for r in read("sources.csv")}
def keep_src(id_):
    SOURCES[id_] = base_sources[id_]
    return id_

# ---------------------------------------------------------------- compositions
base_comp = {r["id"]: r for r in read("compositions.csv")}
comp_header = list(read("compositions.csv")[0].keys())
def comp(id_):
    r = base_comp[id_]
    return {e: float(r[e]) if r.get(e) else 0.0 for e in ELEMS}

KEEP_COMP = ["mountain_pass", "bayan_obo", "mount_weld", "longnan_hree_clay", "xunwu_lree_clay",
             "araxa_monazite", "sichuan_bastnaesite", "loparite", "generic_mixed_ore",
             "ndpr_metal_75_25", "mischmetal_ce65_la35"]
COMP = {c: comp(c) for c in KEEP_COMP}

# ---------------------------------------------------------------- recipes (2010)
RECIPES = {
    "ndfeb_ev":         {"Nd": 183.75, "Pr": 61.25, "Dy": 60, "Tb": 5},
    "ndfeb_wind":       {"Nd": 202.5, "Pr": 67.5, "Dy": 40},
    "ndfeb_industrial": {"Nd": 208.5, "Pr": 69.5, "Dy": 25, "Tb": 2},
    "ndfeb_consumer":   {"Nd": 226, "Pr": 74},
    "ndfeb_defence":    {"Nd": 183.75, "Pr": 61.25, "Dy": 70, "Tb": 15},
}
def reo_per_t(grade):
    return sum(kg * OXIDE_PER_METAL[e] for e, kg in RECIPES[grade].items()) / 1000.0

# ---------------------------------------------------------------- mines (2010)
# China: 2010 mining quota 89,200 t (D: 93,800 - 4,600), split like the 2011
# provincial quota (U), plus undocumented output up to USGS's 130,000 t.
Q2010, Q2011 = 89200, 93800
scale = Q2010 / Q2011
bo = 50000 * scale           # Inner Mongolia 50,000 of 93,800 (2011, U)
sw = (24400 + 1500) * scale  # Sichuan 24,400 + Shandong 1,500 (2011, U)
hree = 13400 * scale         # M/HREE 13,400 (2011, M)
lree_clay = Q2010 - bo - sw - hree
undoc = 130000 - Q2010
MINES = [
    # id, name, operator, country, capacity, util, status, start, end, deposit, ore, grade, source
    dict(id="cn_bayan_obo", name="Bayan Obo (Inner Mongolia) - light RE by-product of iron ore",
         operator="Baotou Steel Rare-Earth (Baogang)", country="CN", cap=round(bo), util=1,
         deposit="Bayan Obo", ore="bayan_obo", grade_pct=6, waste=15.7, source="cn_quota2010_bo_d"),
    dict(id="cn_bastnaesite_sw", name="Sichuan and Shandong bastnaesite mines (hard rock)",
         operator="Sichuan and Shandong producers (Jiangtong, Mianning and others)", country="CN",
         cap=round(sw), util=1, deposit="Mianning / Weishan", ore="sichuan_bastnaesite",
         source="cn_quota2010_sw_d"),
    dict(id="cn_ionic_clay_lree", name="Southern China ionic clays, light-RE type (quota)",
         operator="Southern provincial producers (Jiangxi, Guangdong, Fujian, Hunan, Guangxi)",
         country="CN", cap=round(lree_clay), util=1, deposit="Xunwu-type ionic clays",
         ore="xunwu_lree_clay", grade_pct=0.08, waste=1249, source="cn_quota2010_clay_d"),
    dict(id="cn_ionic_clay_hree", name="Southern China ionic clays, heavy-RE type (quota)",
         operator="Southern provincial producers (Ganzhou and others)", country="CN",
         cap=round(hree), util=1, deposit="Longnan-type ionic clays", ore="longnan_hree_clay",
         grade_pct=0.08, waste=1249, source="cn_quota2010_clay_d"),
    dict(id="cn_undocumented_clay_lree", name="Southern China ionic clays, light-RE type: output above the quota (undocumented)",
         operator="unlicensed and over-quota miners", country="CN", cap=round(undoc / 4), util=1,
         deposit="Xunwu-type ionic clays", ore="xunwu_lree_clay", grade_pct=0.08, waste=1249,
         source="cn_undocumented_e"),
    dict(id="cn_undocumented_clay_hree", name="Southern China ionic clays, heavy-RE type: output above the quota (undocumented)",
         operator="unlicensed and over-quota miners", country="CN", cap=round(undoc / 4), util=1,
         deposit="Longnan-type ionic clays", ore="longnan_hree_clay", grade_pct=0.08, waste=1249,
         source="cn_undocumented_e"),
    dict(id="cn_undocumented_hardrock", name="Sichuan-type bastnaesite: output above the quota (undocumented)",
         operator="unlicensed and over-quota miners", country="CN", cap=round(undoc / 2), util=1,
         deposit="Mianning-type bastnaesite", ore="sichuan_bastnaesite", source="cn_undocumented_e"),
    dict(id="mountain_pass_stockpile", name="Mountain Pass: processing of stockpiled concentrate (mine idle)",
         operator="Molycorp", country="US", cap=2000, util=1, end="2012-06",
         deposit="Mountain Pass carbonatite (stockpiled concentrate)", ore="mountain_pass",
         source="mp_stockpile_e"),
    dict(id="mountain_pass_mine", name="Mountain Pass mine and mill (Project Phoenix restart)",
         operator="Molycorp", country="US", cap=5500, util=1, status="construction", start="2012-06",
         deposit="Mountain Pass carbonatite", ore="mountain_pass", grade_pct=8, waste=11.5,
         source="mp_restart_d"),
    dict(id="mt_weld", name="Mount Weld mine and concentrator", operator="Lynas Corporation",
         country="AU", cap=11600, util=0.4, status="construction", start="2011-05",
         deposit="Mount Weld CLD", ore="mount_weld", grade_pct=6.4, waste=14.6, source="mt_weld_2011_d"),
    dict(id="in_irel_mining", name="IREL beach-sand monazite mining (Odisha, Kerala, Tamil Nadu)",
         operator="Indian Rare Earths Ltd (IREL)", country="IN", cap=3000, util=0.9,
         deposit="East and south-west coast beach sands", ore="araxa_monazite", source="in_mining_2010_m"),
    dict(id="br_inb_monazite", name="INB monazite (Buena, Rio de Janeiro)", operator="Industrias Nucleares do Brasil",
         country="BR", cap=650, util=round(550 / 650, 4), deposit="Buena beach sands",
         ore="araxa_monazite", source="br_mining_2010_d"),
    dict(id="my_mining", name="Malaysia, by-product monazite and xenotime from tin tailings",
         operator="various", country="MY", cap=380, util=round(350 / 380, 4), ore="araxa_monazite",
         source="my_mining_2010_d"),
    dict(id="ru_lovozero", name="Lovozero loparite mine", operator="Lovozersky GOK", country="RU",
         cap=2500, util=1, deposit="Lovozero", ore="loparite", source="ru_lovozero_2010_e"),
    dict(id="vn_mining", name="Vietnam, small and idle deposits (Dong Pao, Yen Phu)", operator="various",
         country="VN", cap=100, util=0, ore="generic_mixed_ore", source="vn_mining_2010_e"),
]
CRACKING = [
    dict(id="solikamsk_cracking", name="Solikamsk Magnesium Works (loparite chlorination to mixed RE compounds)",
         operator="Solikamsk Magnesium Works", country="RU", cap=2500, util=0.95, feed="ru_lovozero",
         recovery=0.95, source="solikamsk_2010_e"),
]

def mine_output(m, in2010=True):
    st = m.get("status", "operating")
    if in2010 and st != "operating":
        return 0.0
    return m["cap"] * m["util"]

# element supply mined (2010) and separated
mined = {e: 0.0 for e in ELEMS}
for m in MINES:
    out = mine_output(m)
    for e in ELEMS:
        mined[e] += out * COMP[m["ore"]][e] / 100.0
sep_supply = {e: 0.95 * v for e, v in mined.items()}   # every separator recovers 0.95
world_mine = sum(mine_output(m) for m in MINES)
cn_mine = sum(mine_output(m) for m in MINES if m["country"] == "CN")

# ---------------------------------------------------------------- non-magnet demand (t REO)
WORLD_TOTAL = 124000     # IMCOA/Kingsnorth 2010 (M)
PHOS = 5200              # 8,000 t phosphor powder x ~65 % REO (D/E)
# sector element shares (per cent of the sector's REO), from the baseline's element rows
SHARES = {
    "catalysts": {"La": 58.0, "Ce": 40.0, "Pr": 0.5, "Nd": 1.5},
    "glass_polishing": {"Y": 1.0, "La": 22.0, "Ce": 73.5, "Pr": 0.5, "Nd": 2.0, "Gd": 0.5, "Er": 0.5},
    "metallurgy": {"Y": 2.9, "La": 34.9, "Ce": 54.0, "Pr": 1.0, "Nd": 5.2, "Sm": 1.0, "Gd": 1.0},
    "phosphors": {"Y": 66.0, "La": 10.0, "Ce": 9.0, "Eu": 4.8, "Gd": 6.0, "Tb": 4.2},
    "other": {"Y": 41.4, "La": 13.0, "Ce": 15.0, "Pr": 2.0, "Nd": 10.0, "Sm": 3.9, "Gd": 8.9,
              "Dy": 0.7, "Ho": 0.5, "Er": 3.0, "Yb": 1.0, "Lu": 0.6},
}
for s, d in SHARES.items():
    assert abs(sum(d.values()) - 100) < 1e-6, (s, sum(d.values()))
FORM = {"catalysts": "oxide", "glass_polishing": "oxide", "metallurgy": "metal",
        "phosphors": "oxide", "other": "oxide"}

# non-China non-magnet totals (t REO) and sector mixes (E)
NM_COUNTRY = {"JP": 18000, "US": 8000, "EU": 10000, "KR": 2500, "ZZ": 6500}
NM_MIX = {
    "JP": {"catalysts": 12, "glass_polishing": 35, "metallurgy": 33, "phosphors": 8, "other": 12},
    "US": {"catalysts": 60, "glass_polishing": 20, "metallurgy": 10, "phosphors": 5, "other": 5},
    "EU": {"catalysts": 30, "glass_polishing": 25, "metallurgy": 20, "phosphors": 7, "other": 18},
    "KR": {"catalysts": 20, "glass_polishing": 45, "metallurgy": 10, "phosphors": 10, "other": 15},
    "ZZ": {"catalysts": 25, "glass_polishing": 30, "metallurgy": 20, "phosphors": 8, "other": 17},
}

# ---------------------------------------------------------------- magnets
SINTERED = 98200
SH = {"CN": 0.794, "JP": 0.193, "DE": 0.013}
CN_EXPORTS, CN_TO_US = 13886, 1740
JP_EXPORT_SHARE = 0.35
# magnet demand sector mixes by country (share of the country's finished magnets), (sector, grade)
MAG_MIX = {
    "CN": {("ev_motors", "ndfeb_ev"): 1, ("ev_motors", "ndfeb_industrial"): 6, ("wind", "ndfeb_wind"): 5,
           ("defence", "ndfeb_defence"): 1.5, ("electronics", "ndfeb_consumer"): 36,
           ("other", "ndfeb_industrial"): 32, ("other", "ndfeb_consumer"): 18.5},
    "JP": {("ev_motors", "ndfeb_ev"): 12, ("ev_motors", "ndfeb_industrial"): 10, ("wind", "ndfeb_wind"): 1,
           ("defence", "ndfeb_defence"): 1, ("electronics", "ndfeb_consumer"): 36,
           ("other", "ndfeb_industrial"): 25, ("other", "ndfeb_consumer"): 15},
    "US": {("ev_motors", "ndfeb_ev"): 3, ("ev_motors", "ndfeb_industrial"): 7, ("wind", "ndfeb_wind"): 6,
           ("defence", "ndfeb_defence"): 12, ("electronics", "ndfeb_consumer"): 35,
           ("other", "ndfeb_industrial"): 20, ("other", "ndfeb_consumer"): 17},
    "EU": {("ev_motors", "ndfeb_ev"): 2, ("ev_motors", "ndfeb_industrial"): 12, ("wind", "ndfeb_wind"): 5,
           ("defence", "ndfeb_defence"): 4, ("electronics", "ndfeb_consumer"): 25,
           ("other", "ndfeb_industrial"): 35, ("other", "ndfeb_consumer"): 17},
    "KR": {("ev_motors", "ndfeb_ev"): 2, ("ev_motors", "ndfeb_industrial"): 8, ("wind", "ndfeb_wind"): 2,
           ("defence", "ndfeb_defence"): 2, ("electronics", "ndfeb_consumer"): 55,
           ("other", "ndfeb_industrial"): 20, ("other", "ndfeb_consumer"): 11},
    "ZZ": {("ev_motors", "ndfeb_ev"): 1, ("ev_motors", "ndfeb_industrial"): 5, ("wind", "ndfeb_wind"): 3,
           ("defence", "ndfeb_defence"): 2, ("electronics", "ndfeb_consumer"): 50,
           ("other", "ndfeb_industrial"): 25, ("other", "ndfeb_consumer"): 14},
}
for c, d in MAG_MIX.items():
    assert abs(sum(d.values()) - 100) < 1e-6, c
MARGIN = 0.975   # magnet demand = 97.5 % of magnet output, as in the baseline

def magnet_demand(y):
    """Finished-magnet demand by country for a machining yield y."""
    prod = {c: SINTERED * s * y for c, s in SH.items()}      # net (finished-equivalent) output
    served = MARGIN
    jp_exp = prod["JP"] * JP_EXPORT_SHARE
    d = {}
    d["CN"] = prod["CN"] - CN_EXPORTS
    d["US"] = CN_TO_US + 0.1 * jp_exp
    d["KR"] = 2000
    d["EU"] = prod["DE"] + 4000 + 0.1 * jp_exp
    d["JP"] = prod["JP"] - jp_exp + 2000
    d["ZZ"] = (CN_EXPORTS - CN_TO_US - 2000 - 4000 - 2000) + 0.8 * jp_exp
    return {c: v * served for c, v in d.items()}, prod

def demand_rows(y):
    md, prod = magnet_demand(y)
    mag_goods = {}
    for c, tot in md.items():
        for (sec, g), pct in MAG_MIX[c].items():
            mag_goods[(c, sec, g)] = tot * pct / 100.0
    mag_reo = sum(t * reo_per_t(g) for (c, s, g), t in mag_goods.items())
    nonmag_world = WORLD_TOTAL - mag_reo
    rest = nonmag_world - PHOS
    w = {"catalysts": 28, "glass_polishing": 23, "metallurgy": 16, "other": 8}
    sector_world = {s: rest * v / 75.0 for s, v in w.items()}
    sector_world["phosphors"] = PHOS
    nm = {}
    for c, tot in NM_COUNTRY.items():
        for s, pct in NM_MIX[c].items():
            nm[(c, s)] = tot * pct / 100.0
    for s, tot in sector_world.items():
        nm[("CN", s)] = tot - sum(v for (c, ss), v in nm.items() if ss == s and c != "CN")
        assert nm[("CN", s)] > 0, s
    return mag_goods, nm, sector_world, md, prod, mag_reo

def element_demand(mag_goods, nm):
    dem = {e: 0.0 for e in ELEMS}
    for (c, s, g), t in mag_goods.items():
        for e, kg in RECIPES[g].items():
            dem[e] += t * kg / 1000.0 * OXIDE_PER_METAL[e]
    for (c, s), t in nm.items():
        for e, p in SHARES[s].items():
            dem[e] += t * p / 100.0
    return dem

# choose the world total so that La and Ce demand stay at 95 % of separated
# supply, and the machining yield so that world Nd demand = 93 % of separated Nd
def solve_yield():
    lo, hi = 0.3, 1.0
    for _ in range(60):
        y = (lo + hi) / 2
        mg, nm_, *_ = demand_rows(y)
        r = element_demand(mg, nm_)["Nd"] / sep_supply["Nd"]
        if r > 0.93:
            hi = y
        else:
            lo = y
    return round(y, 3)
tlo, thi = 80000, 140000
for _ in range(40):
    WORLD_TOTAL = (tlo + thi) / 2
    y = solve_yield()
    mg, nm_, *_ = demand_rows(y)
    ed = element_demand(mg, nm_)
    r = max(ed["La"] / sep_supply["La"], ed["Ce"] / sep_supply["Ce"])
    if r > 0.95:
        thi = WORLD_TOTAL
    else:
        tlo = WORLD_TOTAL
WORLD_TOTAL = round(tlo, -2)
Y_YIELD = solve_yield()
mag_goods, nm, sector_world, md, prod, mag_reo = demand_rows(Y_YIELD)
edem = element_demand(mag_goods, nm)
print("WORLD_TOTAL", WORLD_TOTAL)
print(f"world mine {world_mine:,.0f}  CN {cn_mine:,.0f} share {cn_mine/world_mine:.3f}")
print(f"yield {Y_YIELD}  magnet demand {sum(md.values()):,.0f} t  REO {mag_reo:,.0f}")
print("sector world", {k: round(v) for k, v in sector_world.items()})
print("magnet demand by country", {k: round(v) for k, v in md.items()})
for e in ELEMS:
    if sep_supply[e] > 1:
        print(f"  {e:2s} supply {sep_supply[e]:9,.0f} demand {edem[e]:9,.0f} ratio {edem[e]/sep_supply[e]:.3f}")

STATE = dict(MINES=MINES, CRACKING=CRACKING, mined=mined, sep_supply=sep_supply, world_mine=world_mine,
             cn_mine=cn_mine, Y_YIELD=Y_YIELD, mag_goods=mag_goods, nm=nm, sector_world=sector_world,
             md=md, prod=prod, mag_reo=mag_reo, edem=edem, bo=bo, sw=sw, hree=hree, lree_clay=lree_clay,
             undoc=undoc)

# ====================================================================== tables
W = STATE
def r0(x): return int(round(x))

# ---------------- facilities
FAC_HDR = ["id","name","operator","country","stage","process","capacity_t_per_yr","utilisation","status","start","end","deposit","ore","grade_pct","feed","recovery","elements","product","grade","unit_cost_usd_per_t","waste_t_per_t_reo","direct_jobs","source"]
fac = []
for m in MINES:
    fac.append(dict(id=m["id"], name=m["name"], operator=m["operator"], country=m["country"], stage="mining",
                    process="mine", capacity_t_per_yr=m["cap"], utilisation=m["util"],
                    status=m.get("status","operating"), start=m.get("start"), end=m.get("end"),
                    deposit=m.get("deposit"), ore=m["ore"], grade_pct=m.get("grade_pct"),
                    waste_t_per_t_reo=m.get("waste"), source=m["source"]))
for c in CRACKING:
    fac.append(dict(id=c["id"], name=c["name"], operator=c["operator"], country=c["country"], stage="mining",
                    process="cracking", capacity_t_per_yr=c["cap"], utilisation=c["util"], status="operating",
                    feed=c["feed"], recovery=c["recovery"], source=c["source"]))
undoc_ids = "cn_undocumented_clay_lree;cn_undocumented_clay_hree;cn_undocumented_hardrock"
sep_north_out = bo * 0.95
sep_south_out = (round(sw) + round(lree_clay) + round(hree) + 4 * round(undoc / 4)) * 0.95
SEP = [
    dict(id="cn_sep_north", name="China north: separation of Bayan Obo concentrate (Baotou)", operator="Baotou Steel Rare-Earth and others",
         country="CN", cap=60000, util=round(sep_north_out / 60000, 4), feed="cn_bayan_obo", source="cn_sep_2010_e"),
    dict(id="cn_sep_south", name="China south and south-west: separation of hard-rock and ionic-clay ore (quota and undocumented)",
         operator="Sichuan, Jiangxi, Guangdong and other separators", country="CN", cap=110000,
         util=round(sep_south_out / 110000, 4),
         feed="cn_bastnaesite_sw;cn_ionic_clay_lree;cn_ionic_clay_hree;" + undoc_ids, source="cn_sep_2010_e"),
    dict(id="cn_sep_imports", name="China: separation of imported monazite concentrate (Brazil, Malaysia, Vietnam)",
         operator="various Chinese separators", country="CN", cap=1500, util=round(900 * 0.95 / 1500, 4),
         feed="country:BR;country:MY;country:VN", source="cn_sep_imports_2010_e"),
    dict(id="mp_separation_stockpile", name="Mountain Pass separation plant running on stockpiled concentrate",
         operator="Molycorp", country="US", cap=1900, util=1, end="2012-06", feed="mountain_pass_stockpile",
         source="mp_stockpile_e"),
    dict(id="mp_phoenix_separation", name="Mountain Pass Project Phoenix separation (phase 1, at the rate reached in 2012-13)",
         operator="Molycorp", country="US", cap=5225, util=1, status="construction", start="2012-06",
         feed="mountain_pass_mine", source="mp_restart_d"),
    dict(id="lynas_lamp", name="Lynas Advanced Materials Plant (LAMP) phase 1, Gebeng/Kuantan", operator="Lynas Corporation",
         country="MY", cap=11000, util=0.4, status="construction", start="2012-11", feed="mt_weld", source="lamp_d"),
    dict(id="lynas_lamp_phase2", name="LAMP phase 2 (to 22,000 t/yr)", operator="Lynas Corporation",
         country="MY", cap=11000, util=0.4, status="planned", start="2014-01", feed="mt_weld", source="lamp_phase2_e"),
    dict(id="irel_separation", name="IREL rare-earth processing (OSCOM Chatrapur; Aluva)", operator="Indian Rare Earths Ltd (IREL)",
         country="IN", cap=3000, util=round(2700 * 0.95 / 3000, 4), feed="in_irel_mining", source="irel_sep_2010_e"),
    dict(id="silmet", name="AS Silmet, Sillamae (separation of Russian loparite-derived feed)", operator="AS Silmet",
         country="EE", cap=3000, util=round(2500 * 0.95 * 0.95 / 3000, 4), feed="solikamsk_cracking", source="silmet_2010_e"),
    dict(id="la_rochelle", name="Rhodia La Rochelle rare-earth plant", operator="Rhodia", country="FR", cap=2000, util=0.5,
         feed="*", source="la_rochelle_2010_e"),
]
for s in SEP:
    fac.append(dict(id=s["id"], name=s["name"], operator=s["operator"], country=s["country"], stage="separation",
                    capacity_t_per_yr=s["cap"], utilisation=s["util"], status=s.get("status","operating"),
                    start=s.get("start"), end=s.get("end"), feed=s["feed"], recovery=0.95, elements="all",
                    waste_t_per_t_reo=13, source=s["source"]))

# ---------------- magnets
y = Y_YIELD
world_net = {}
for (c, s, g), t in mag_goods.items():
    world_net[g] = world_net.get(g, 0) + t / MARGIN
JP_PLANTS = [("hitachi_metals", "Hitachi Metals NEOMAX sintered NdFeB (Japan)", "Hitachi Metals", 0.45, "ndfeb_industrial"),
             ("shin_etsu_takefu", "Shin-Etsu Chemical magnet plant (Takefu)", "Shin-Etsu Chemical", 0.35, "ndfeb_consumer"),
             ("tdk", "TDK sintered NdFeB (Japan plants)", "TDK", 0.15, "ndfeb_consumer"),
             ("daido", "Daido Electronics NdFeB", "Daido Steel", 0.05, "ndfeb_ev")]
JP_UTIL, EU_UTIL, CN_UTIL = 0.8, 0.8, 0.5
mag_out = {}
jp_total = SINTERED * SH["JP"] * y
for pid, name, op, share, g in JP_PLANTS:
    out = jp_total * share
    mag_out[pid] = ("JP", g, out)
    fac.append(dict(id=pid, name=name, operator=op, country="JP", stage="magnet", capacity_t_per_yr=r0(out / JP_UTIL),
                    utilisation=JP_UTIL, status="operating", grade=g, source="jp_magnets_2010_e"))
eu_out = SINTERED * SH["DE"] * y
mag_out["eu_magnets"] = ("EU", "ndfeb_industrial", eu_out)
fac.append(dict(id="eu_magnets", name="European sintered NdFeB makers, aggregate (VAC Hanau, Neorem Ulvila)",
                operator="Vacuumschmelze; Neorem Magnets", country="EU", stage="magnet", capacity_t_per_yr=r0(eu_out / EU_UTIL),
                utilisation=EU_UTIL, status="operating", grade="ndfeb_industrial", source="eu_magnets_2010_e"))
cn_by_grade = {}
for g, tot in world_net.items():
    other = sum(o for (c, gg, o) in mag_out.values() if gg == g)
    cn_by_grade[g] = tot - other
    assert cn_by_grade[g] > 0, g
cn_names = {"ndfeb_consumer": "consumer and low-Dy grades", "ndfeb_industrial": "industrial-motor and e-bike grades",
            "ndfeb_wind": "wind-generator grades", "ndfeb_ev": "high-coercivity hybrid/EV grades",
            "ndfeb_defence": "high-temperature and defence grades"}
for g in ["ndfeb_consumer", "ndfeb_industrial", "ndfeb_wind", "ndfeb_ev", "ndfeb_defence"]:
    out = cn_by_grade[g]
    mag_out["cn_magnets_" + g[6:]] = ("CN", g, out)
    fac.append(dict(id="cn_magnets_" + g[6:], name="China sintered NdFeB makers, " + cn_names[g], operator="various",
                    country="CN", stage="magnet", capacity_t_per_yr=r0(out / CN_UTIL), utilisation=CN_UTIL,
                    status="operating", grade=g, source="cn_magnets_2010_d"))
cn_mag_total = sum(o for (c, g, o) in mag_out.values() if c == "CN")
all_mag = sum(o for (c, g, o) in mag_out.values())
print(f"magnets net out {all_mag:,.0f}; CN share {cn_mag_total/all_mag:.3f}")

# ---------------- metal
metal_need = {e: 0.0 for e in ELEMS}       # t metal
jp_mag_need = {e: 0.0 for e in ELEMS}
for pid, (c, g, out) in mag_out.items():
    for e, kg in RECIPES[g].items():
        metal_need[e] += out * kg / 1000
        if c == "JP":
            jp_mag_need[e] += out * kg / 1000
metal_dem = {e: 0.0 for e in ELEMS}
jp_metallurgy = 0.0
for (c, s), t in nm.items():
    if FORM[s] == "metal":
        for e, p in SHARES[s].items():
            tm = t * p / 100 / OXIDE_PER_METAL[e]
            metal_dem[e] += tm
            if c == "JP" and e in ("La", "Ce"):
                jp_metallurgy += t * p / 100     # t REO of La + Ce
need = {e: 1.01 * (metal_need[e] + metal_dem[e]) for e in ELEMS}
# Japan magnet alloys: half of Japanese magnet makers' metal (E), in REO
jp_alloy_reo = {e: 0.5 * jp_mag_need[e] * OXIDE_PER_METAL[e] for e in ELEMS}
jp_alloy_metal = sum(0.5 * v for v in jp_mag_need.values())
jp_alloy_tot_reo = sum(jp_alloy_reo.values())
alloy_mix = {e: 100 * v / jp_alloy_tot_reo for e, v in jp_alloy_reo.items() if v > 0}
# Japan mischmetal: 30 % of Japan's La+Ce metallurgy demand (E), product 65 Ce / 35 La by REO
jp_misch_reo = 0.3 * jp_metallurgy
misch = {"Ce": 0.65, "La": 0.35}
jp_misch_metal = sum(jp_misch_reo * f / OXIDE_PER_METAL[e] for e, f in misch.items())
zz_metal = 500.0   # t metal NdPr 75:25 by REO
ndpr = {"Nd": 0.75, "Pr": 0.25}
zz_metal_reo = zz_metal / sum(f / OXIDE_PER_METAL[e] for e, f in ndpr.items())
cn_metal_reo = {}
for e in ELEMS:
    v = need[e] * OXIDE_PER_METAL[e] - jp_alloy_reo.get(e, 0) - jp_misch_reo * misch.get(e, 0) - zz_metal_reo * ndpr.get(e, 0)
    if v > 0.5:
        cn_metal_reo[e] = v
cn_tot_reo = sum(cn_metal_reo.values())
cn_mix = {e: 100 * v / cn_tot_reo for e, v in cn_metal_reo.items()}
cn_metal_t = sum(v / OXIDE_PER_METAL[e] for e, v in cn_metal_reo.items())
fac.append(dict(id="cn_metal_alloy", name="China metal and alloy plants, aggregate", operator="various", country="CN",
                stage="metal_alloy", capacity_t_per_yr=r0(cn_metal_t / 0.9), utilisation=0.9, status="operating",
                recovery=0.98, product="china_metal_mix_2010", source="cn_metal_2010_e"))
fac.append(dict(id="jp_metal_magnet_alloys", name="Japan magnet metal and alloy makers, aggregate (Showa Denko, Santoku, Shin-Etsu)",
                operator="various", country="JP", stage="metal_alloy", capacity_t_per_yr=r0(jp_alloy_metal / 0.85),
                utilisation=0.85, status="operating", recovery=0.98, product="ndfeb_alloy_mix_2010", source="jp_metal_2010_e"))
fac.append(dict(id="jp_metal_mischmetal", name="Japan mischmetal and hydrogen-storage alloy makers, aggregate",
                operator="various", country="JP", stage="metal_alloy", capacity_t_per_yr=r0(jp_misch_metal / 0.85),
                utilisation=0.85, status="operating", recovery=0.98, product="mischmetal_ce65_la35", source="jp_metal_2010_e"))
fac.append(dict(id="zz_metal_alloy", name="Rest of world metal and alloy makers, aggregate (e.g. Less Common Metals, UK)",
                operator="various", country="ZZ", stage="metal_alloy", capacity_t_per_yr=r0(zz_metal / 0.8), utilisation=0.8,
                status="operating", recovery=0.98, product="ndpr_metal_75_25", source="zz_metal_2010_e"))
write("facilities.csv", FAC_HDR, fac)
print(f"metal: CN {cn_metal_t:,.0f} t, JP alloys {jp_alloy_metal:,.0f}, JP misch {jp_misch_metal:,.0f}")

# ---------------- compositions
comp_rows = []
for cid in KEEP_COMP:
    comp_rows.append(dict(base_comp[cid]))
def mixrow(cid, name, mix, source):
    r = {"id": cid, "name": name, "source": source}
    tot = 0
    vals = {e: round(v, 3) for e, v in mix.items()}
    diff = round(100 - sum(vals.values()), 3)
    big = max(vals, key=vals.get); vals[big] = round(vals[big] + diff, 3)
    for e, v in vals.items():
        r[e] = fmt(v, 3)
    return r
comp_rows.append(mixrow("ndfeb_alloy_mix_2010", "NdFeB alloy metals (Nd, Pr, Dy, Tb) in the mix Japanese magnet makers used in 2010",
                        alloy_mix, "est_ndfeb_alloy_mix_2010"))
comp_rows.append(mixrow("china_metal_mix_2010", "What China's metal and alloy plants made in 2010 (NdPr, Dy, Tb, La/Ce mischmetal, Sm, Gd, Y)",
                        cn_mix, "est_china_metal_mix_2010"))
write("compositions.csv", comp_header, comp_rows)
print("alloy mix", {k: round(v, 2) for k, v in alloy_mix.items()})
print("cn mix", {k: round(v, 2) for k, v in cn_mix.items()})

# ---------------- recipes
rec = []
for g, d in RECIPES.items():
    for e, kg in d.items():
        rec.append(dict(grade=g, element=e, kg_metal_per_t=fmt(kg, 2), source="est_recipe_2010_" + g[6:]))
write("recipes.csv", ["grade", "element", "kg_metal_per_t", "source"], rec)

# ---------------- demand
dem = []
SRC_MAG = {"CN": "dem_cn_magnets_2010_d", "JP": "dem_jp_magnets_2010_e", "US": "dem_us_magnets_2010_d",
           "EU": "dem_eu_magnets_2010_e", "KR": "dem_kr_magnets_2010_e", "ZZ": "dem_zz_magnets_2010_e"}
SRC_NM = {"CN": "dem_cn_nonmagnet_2010_d", "JP": "dem_jp_nonmagnet_2010_e", "US": "dem_us_nonmagnet_2010_e",
          "EU": "dem_eu_nonmagnet_2010_e", "KR": "dem_kr_nonmagnet_2010_e", "ZZ": "dem_zz_nonmagnet_2010_e"}
order = ["ev_motors", "wind", "defence", "electronics", "catalysts", "glass_polishing", "metallurgy", "phosphors", "other"]
def nice(v):
    return fmt(v, 0) if v >= 100 else fmt(v, 1)
for c in ["US", "JP", "EU", "KR", "CN", "ZZ"]:
    for sec in order:
        for (cc, s, g), t in sorted(mag_goods.items()):
            if cc == c and s == sec:
                dem.append(dict(country=c, sector=s, form="magnet", grade=g, t_per_yr=nice(t), source=SRC_MAG[c]))
        if (c, sec) in nm:
            t = nm[(c, sec)]
            for e, p in SHARES[sec].items():
                v = t * p / 100
                if FORM[sec] == "metal":
                    v = v / OXIDE_PER_METAL[e]
                if v >= 0.5:
                    dem.append(dict(country=c, sector=sec, form=FORM[sec], element=e, t_per_yr=nice(v), source=SRC_NM[c]))
write("demand.csv", ["country", "sector", "form", "element", "grade", "t_per_yr", "source"], dem)
STATE.update(cn_mag_total=cn_mag_total, all_mag=all_mag, jp_total=jp_total, eu_out=eu_out, cn_metal_t=cn_metal_t,
             jp_alloy_metal=jp_alloy_metal, jp_misch_metal=jp_misch_metal, world_net=world_net, cn_by_grade=cn_by_grade,
             sep_north_out=sep_north_out, sep_south_out=sep_south_out, alloy_mix=alloy_mix, cn_mix=cn_mix,
             jp_misch_reo=jp_misch_reo, need=need)

# ---------------- simple tables
write("countries.csv", ["code", "name"], [dict(code=c, name=n) for c, n in [
    ("AU", "Australia"), ("BR", "Brazil"), ("CN", "China"), ("EE", "Estonia"),
    ("EU", "European Union (as one region; the 27 members of 2010, the United Kingdom included)"),
    ("FR", "France"), ("IN", "India"), ("JP", "Japan"), ("KR", "Korea, Republic of"), ("MY", "Malaysia"),
    ("RU", "Russian Federation"), ("US", "United States"), ("VN", "Viet Nam"),
    ("ZZ", "Rest of world (all countries without their own demand or stockpile rows)")]])

write("capacity_trends.csv", ["country", "stage", "from_year", "to_year", "annual_growth_pct", "source"], [
    dict(country="CN", stage="mining", from_year=2011, to_year=2011, annual_growth_pct=fmt(100 * (93800 / 89200 - 1), 2), source="cn_quota_path_d"),
    dict(country="CN", stage="mining", from_year=2014, to_year=2014, annual_growth_pct=fmt(100 * (105000 / 93800 - 1), 2), source="cn_quota_path_d"),
])

write("growth.csv", ["path", "sector", "elements", "from_year", "to_year", "annual_growth_pct", "source"], [
    dict(path="steady", sector="*", elements="all", from_year=2011, to_year=2015, annual_growth_pct=5, source="growth_2010_all_d"),
    dict(path="steady", sector="*", elements="magnet", from_year=2011, to_year=2015, annual_growth_pct=10, source="growth_2010_magnet_e"),
    dict(path="steady", sector="phosphors", elements="all", from_year=2011, to_year=2015, annual_growth_pct=0, source="growth_2010_phosphors_e"),
])

write("inventories.csv", ["stage", "country", "months", "source"], [
    dict(stage="mining", country="*", months=2, source=keep_src("inv_default_e")),
    dict(stage="separation", country="*", months=2, source="inv_default_e"),
    dict(stage="metal_alloy", country="*", months=1.5, source="inv_default_e"),
    dict(stage="magnet", country="*", months=2, source="inv_default_e"),
    dict(stage="separation", country="MY", months=3, source=keep_src("inv_lynas_e")),
    dict(stage="metal_alloy", country="JP", months=2.1, source=keep_src("inv_jp_private_d")),
])

komir = {"Ce": 25, "La": 15, "Nd": 12, "Pr": 4, "Y": 6}
write("stockpiles.csv", ["holder", "country", "form", "element", "grade", "tonnes", "source"],
      [dict(holder="komir", country="KR", form="oxide", element=e, tonnes=t, source="komir_2010_e") for e, t in komir.items()])
kr_reo = sum(v for (c, s), v in nm.items() if c == "KR") + sum(t * reo_per_t(g) for (c, s, g), t in mag_goods.items() if c == "KR")
komir_months = 1164 / kr_reo * 12
write("stockpile_targets.csv", ["holder", "country", "elements", "months", "source"],
      [dict(holder="komir", country="KR", elements="all", months=fmt(komir_months, 1), source="komir_target_2010_d")])

PHX_CAPEX = 511e6
intensity = PHX_CAPEX / 19050
write("projects.csv", ["id", "facility", "capex_usd", "lead_time_months", "earliest_start", "sponsors", "funding", "source"], [
    dict(id="mp_phoenix", facility="mp_phoenix_separation", capex_usd=int(PHX_CAPEX), lead_time_months=30, earliest_start="2012-06",
         sponsors="US", funding="committed", source="proj_phoenix_u"),
    dict(id="lynas_lamp", facility="lynas_lamp", capex_usd=int(round(intensity * 11000, -6)), lead_time_months=30,
         earliest_start="2012-11", sponsors="AU;JP", funding="committed", source="proj_lamp_e"),
    dict(id="lynas_lamp_phase2", facility="lynas_lamp_phase2", capex_usd=int(round(intensity * 11000 * 0.5, -6)), lead_time_months=24,
         earliest_start="2014-01", sponsors="AU;JP", funding="committed", source="proj_lamp_e"),
])

write("mine_production.csv", ["country", "year", "production_t_reo", "reserves_t_reo", "source"], [
    dict(country="CN", year=2009, production_t_reo=120000, source="hsnw_2010"),
    dict(country="CN", year=2010, production_t_reo=130000, source="usgs_mcs2011_indexmundi"),
    dict(country="IN", year=2009, production_t_reo=2700, source="mcs2011_recalled_u"),
    dict(country="IN", year=2010, production_t_reo=2700, source="cecorp_india"),
    dict(country="BR", year=2009, production_t_reo=650, source="mcs2011_recalled_u"),
    dict(country="BR", year=2010, production_t_reo=550, source="mcs2011_recalled_u"),
    dict(country="MY", year=2009, production_t_reo=380, source="mcs2011_recalled_u"),
    dict(country="MY", year=2010, production_t_reo=350, source="my_mining_2010_d"),
    dict(country="US", year=2009, production_t_reo=0, source="wsgs_us_none"),
    dict(country="US", year=2010, production_t_reo=0, source="wsgs_us_none"),
])

write("benchmarks.csv", ["id", "stage", "metric", "country", "year", "value", "source"], [
    dict(id="world_mine_2010", stage="mining", metric="world_output_t", year=2010, value=133600, source="world_mine_2010_d"),
    dict(id="cn_mine_share_2010", stage="mining", metric="share", country="CN", year=2010, value=0.973, source="usgs_mcs2011_indexmundi"),
    dict(id="cn_magnet_share_2010", stage="magnet", metric="share", country="CN", year=2010, value=0.794, source="chinaorg_2013"),
    dict(id="jp_magnet_share_2010", stage="magnet", metric="share", country="JP", year=2010, value=0.193, source="chinaorg_2013"),
    dict(id="eu_magnet_share_2010", stage="magnet", metric="share", country="EU", year=2010, value=0.013, source="chinaorg_2013"),
])

P2009 = {"La": 4.88, "Ce": 3.88, "Nd": 19.12, "Pr": 18.03, "Sm": 3.40, "Dy": 115.67, "Eu": 492.92, "Tb": 361.67}
write("prices.csv", ["element", "form", "usd_per_kg", "year", "source"],
      [dict(element=e, form="oxide", usd_per_kg=fmt(v, 2), year=2009, source="lynas_2010_avg2009") for e, v in P2009.items()])

GOV = [("AU", 2.0, 1, "WGI mean about 1.5"), ("BR", 5.0, 1, "WGI mean about 0.0"), ("CN", 6.0, 1.5, "WGI mean about -0.5; export quotas and 15-25 % export duties in 2010"),
       ("EE", 2.6, 1, "WGI mean about 1.2"), ("EU", 2.8, 1, "EU average; WGI mean about 1.1"), ("FR", 2.8, 1, "WGI mean about 1.1"),
       ("IN", 5.6, 1, "WGI mean about -0.3"), ("JP", 2.6, 1, "WGI mean about 1.2"), ("KR", 3.6, 1, "WGI mean about 0.7"),
       ("MY", 4.6, 1, "WGI mean about 0.2"), ("RU", 6.8, 1, "WGI mean about -0.9"), ("US", 2.6, 1, "WGI mean about 1.2"),
       ("VN", 6.0, 1, "WGI mean about -0.5")]
write("governance.csv", ["country", "wgi_0_10", "trade_factor", "source", "note"],
      [dict(country=c, wgi_0_10=w, trade_factor=t, source="gov_2010_e", note=n) for c, w, t, n in GOV])

def copy_table(name, srcid_new=None):
    rows = read(name)
    hdr = list(rows[0].keys())
    for r in rows:
        if srcid_new:
            r["source"] = srcid_new
        else:
            keep_src(r["source"])
    write(name, hdr, rows)
copy_table("criticality.csv", "crit_elements_2010_e")
copy_table("sectors.csv")
copy_table("price_response.csv")
copy_table("demand_response.csv")
copy_table("supply_response.csv")
copy_table("precautionary.csv")
copy_table("magnet_prices.csv")
copy_table("processing_costs.csv")
for r in read("processing_costs.csv"):
    keep_src(r["premium_source"])
# No concentrate is priced in the 2010 dataset: the stockpile optimiser
# offers none there.
write("concentrate_prices.csv", ["facility", "usd_per_kg_reo", "year", "source", "note"], [])
for cid in KEEP_COMP:
    keep_src(base_comp[cid]["source"])

# ====================================================================== sources
H10 = "docs/research/markets/history-2010.md"
PAR = "docs/research/markets/parameters.md"
OBS = "docs/research/markets/observed-sources.md"
src("usgs_mcs2011_indexmundi", "USGS Mineral Commodity Summaries 2011, as quoted by IndexMundi / GOOD infographic", "World mine production 2010, China", 2011,
    "https://www.indexmundi.com/blog/index.php/tag/rare-earth-metals/ (history-2010.md section 1)", "M",
    "China 130,000 t REO in 2010, 97 % of world mine production. The primary MCS2011 text was not read; replace with it.")
src("hsnw_2010", "Homeland Security Newswire", "China's dominance in rare Earth elements to weaken (23 Dec 2010)", 2010,
    "http://www.homelandsecuritynewswire.com/chinas-dominance-rare-earth-elements-weaken", "M",
    "China 120,000 t in 2009, '95 % of world supply'. The USGS-revised 2009 figure is recalled as 129,000 t (U, history-2010.md section 1) and is not used.")
src("cecorp_india", "CEC Corp, 'Rare Earth (REE)'; IndexMundi share", "India 2010", 2011, "http://www.cecorp.ca/en/future-energy/rare-earth-ree/", "M",
    "India 2,700 t REO in 2010 (2 % of world); the host is weak (L) but the figure matches the USGS share quoted by IndexMundi.")
src("mcs2011_recalled_u", "USGS Mineral Commodity Summaries 2011 (recalled)", "World mine production 2009-2010", 2011,
    "https://pubs.usgs.gov/periodicals/mcs2011/ (not read)", "U",
    "Recalled MCS2011 values, not checked against the text (history-2010.md section 1): India 2009 2,700; Brazil 2009 650 and 2010 550; Malaysia 2009 380. Brazil 2010 is consistent with the 0.42 % share x ~133,600 t = ~560 t (D). Replace with the MCS2011 table.")
src("wsgs_us_none", "Wyoming State Geological Survey, REE Background (citing USGS); Reuters/Kemp (2013)", "US mine production 2009-2010", 2013,
    "http://www.wsgs.uwyo.edu/Research/Minerals/REE-Background.aspx ; https://republicofmining.com/2013/08/02/column-more-mines-open-making-rare-earths-less-rare-by-john-kemp-reuters-india-august-1-2013/", "M",
    "'In 2010 the United States produced none': the Mountain Pass mine was idle from 2002; Molycorp processed stockpiled concentrate from 2009 (Kemp), which USGS does not count as mine production.")
src("world_mine_2010_d", "USGS Mineral Commodity Summaries 2011 via IndexMundi", "World mine production 2010", 2011,
    "history-2010.md section 1", "D",
    "World = 130,000 / 0.973 = 133,600 t REO (derived); it equals China 130,000 + India 2,700 + Brazil 550 + Malaysia 350 = 133,600, so the USGS total has no Russian or US line. The facilities add Russia (2,500, estimate) and the Mountain Pass stockpile (2,000, estimate): "
    f"{W['world_mine']:,.0f} t, +{100*(W['world_mine']/133600-1):.1f} %, and China's share falls to {W['cn_mine']/W['world_mine']:.3f} against the published 0.973 (both within the 5 % tolerance).")
src("cn_quota2010_bo_d", "MINING.com / IBT (Apr 2011) + recalled 2011 provincial split", "China 2010 mining quota, Inner Mongolia", 2011,
    "https://mining.com/china-bumps-up-rare-earth-export-quota (mining-com-2011-04)", "D",
    "2010 national mining quota = 93,800 - 4,600 = 89,200 t REO (derived from the 2011 quota 'up 4,600 t', M). Its split is not published; the 2011 provincial split is recalled (U) as Inner Mongolia 50,000, Sichuan 24,400, Shandong 1,500 and the southern provinces the rest (M/HREE 13,400, M). "
    f"Each 2011 figure is scaled by 89,200 / 93,800 = {89200/93800:.4f}: Bayan Obo = 50,000 x {89200/93800:.4f} = {W['bo']:,.0f} t. Capacity = the quota at utilisation 1 because China's physical capacity is undocumented. Grade ~6 % REO and waste as in the baseline.")
src("cn_quota2010_sw_d", "MINING.com / IBT (Apr 2011) + recalled 2011 provincial split", "China 2010 mining quota, Sichuan and Shandong", 2011,
    "https://mining.com/china-bumps-up-rare-earth-export-quota (mining-com-2011-04)", "D",
    f"Derived as cn_quota2010_bo_d: (24,400 Sichuan + 1,500 Shandong, 2011, recalled U) x {89200/93800:.4f} = {W['sw']:,.0f} t REO.")
src("cn_quota2010_clay_d", "MINING.com / IBT (Apr 2011); Business Standard (Apr 2011) + critmin estimate", "China 2010 mining quota, southern ionic clays", 2011,
    "https://mining.com/china-bumps-up-rare-earth-export-quota ; parameters.md section 4b", "D",
    f"The 2011 medium/heavy-RE quota of 13,400 t (M) x {89200/93800:.4f} = {W['hree']:,.0f} t for the heavy-RE (Longnan-type) clays; the light-RE clays take what is left of 89,200 after Bayan Obo and Sichuan/Shandong: {W['lree_clay']:,.0f} t (derived). Grade ~0.08 %, waste 100 / 0.08 - 1 = 1,249 t per t REO (baseline).")
src("cn_undocumented_e", "USGS MCS2011 via IndexMundi; Mineral Economics (2019) citing Adamas (2016) and Kingsnorth + critmin estimate", "China output above the quota, 2010", 2019,
    "https://link.springer.com/article/10.1007/s13563-019-00214-2 (minecon-2019, parameters.md section 4c)", "E",
    f"Estimate: USGS gives China 130,000 t against a quota of 89,200, so {W['undoc']:,.0f} t ({100*W['undoc']/130000:.0f} % of output) was mined outside the quota; Adamas puts the illegal share at ~30 % in 2005-2012 and Kingsnorth at ~23 %, which brackets it. Where it was mined is not published: we put half in the southern ionic clays (split evenly between light- and heavy-RE types, {W['undoc']/4:,.0f} t each) and half in Sichuan-type bastnaesite ({W['undoc']/2:,.0f} t), since unlicensed mining was reported mostly from the southern clays and Sichuan. This split sets China's Dy and Tb supply; it is the lever to move if better data appear.")
src("mp_stockpile_e", "Reuters / Kemp (2013); parameters.md section 3 + critmin estimate", "Mountain Pass stockpile processing 2009-2012", 2013,
    "https://republicofmining.com/2013/08/02/column-more-mines-open-making-rare-earths-less-rare-by-john-kemp-reuters-india-august-1-2013/", "E",
    "Estimate: the mine was idle but Molycorp processed stockpiled concentrate from 2009 (Kemp, M); its tonnage was not found (Molycorp 10-Ks not readable). We take 2,000 t REO/yr, the low end of the ~2-3 kt the research notes give, as a mining-stage row (the stockpile is concentrate mined before 2002) feeding a separation row of 2,000 x 0.95 = 1,900 t/yr. Both end in 2012-06, when mining resumes (mp_restart_d).")
src("mp_restart_d", "Reuters / Kemp (2013); Metal Bulletin (Jan 2011); MINING.com (2012); USGS MCS2016", "Mountain Pass restart and 2012-13 output", 2016,
    "history-2010.md section 6; parameters.md section 3 (kemp-2013, metalbulletin-2011-01, mining-com-2012, mcs2016)", "D",
    "Mining resumed in 2012 (Reuters; Molycorp 'broke ground' in Jan 2011). Project Phoenix phase 1 was designed for ~19,050 t REO/yr and full Phoenix for 40,000 t, but US output was only 3,000 t (2012) and 5,500 t (2013) (MCS2016, M). The row takes the rate reached: capacity 5,500 t REO/yr at utilisation 1, so price cannot lift it above what was achieved; start 2012-06 gives 7/12 x 5,500 = 3,208 t in 2012 against 3,000 published (+7 %). The separation row is 5,500 x 0.95 = 5,225 t/yr from the same month. Grade 8 % and waste as in the baseline.")
src("mt_weld_2011_d", "MiningLink; WOMP (2012); Australian Mining (2011)", "Mt Weld concentrator", 2012,
    "https://mininglink.com.au/mine-details/mt-weld ; http://womp-int.com/story/2012vol10/story016.htm", "D",
    "Concentrator first ore May 2011 (start 2011-05). Capacity 11,600 t REO/yr = LAMP phase 1's 11,000 t of products / 0.95 (derived). By mid-2012 more than 4,800 t REO of concentrate had been bagged in about 13 months awaiting the Malaysian licence, ~4,400 t/yr, so utilisation = 4,400 / 11,000 = 0.4 (derived, rounded). Australia produced nothing before 2011 (King, geology.com, L).")
src("in_mining_2010_m", "CEC Corp; IndexMundi; critmin estimate for capacity", "IREL 2010", 2011, "http://www.cecorp.ca/en/future-energy/rare-earth-ree/", "M",
    "India 2,700 t REO in 2010 (M). Capacity 3,000 t is the baseline's estimate (E), so utilisation 2,700 / 3,000 = 0.9. Beach-sand monazite: Araxa proxy (estimate).")
src("br_mining_2010_d", "USGS MCS2011 (recalled) via history-2010.md", "Brazil 2010", 2011, "history-2010.md section 1", "D",
    "Capacity = the recalled 2009 output, 650 t (U); utilisation = 550 / 650 = 0.846 gives the recalled 2010 output of 550 t (U), which matches 0.42 % x 133,600 = 561 t (D). Monazite: Araxa proxy. Processed in China in this dataset (cn_sep_imports) - an estimate; INB's own handling is not documented here.")
src("my_mining_2010_d", "USGS MCS2011 (recalled) via history-2010.md", "Malaysia 2010", 2011, "history-2010.md section 1", "D",
    "Derived: 0.27 % x ~133,600 = ~360 t (D), recalled as 350 (U). Capacity = the recalled 2009 output 380 t; utilisation 350 / 380 = 0.921. Tin-tailings monazite and xenotime, Araxa proxy (estimate); separated in China (estimate).")
src("ru_lovozero_2010_e", "critmin estimate; baseline Lovozero row (MCS2025)", "Russia 2010", 2026, "history-2010.md section 1 (not found)", "E",
    "Estimate for a gap: no 2009-2010 figure was found (MCS reports Russia under 'CIS' or not at all). We take 2,500 t REO, the MCS2025 figure for 2023-24, because Solikamsk's loparite output has been roughly flat and the feed it sent to AS Silmet in Estonia (about 3,000 t/yr of separation capacity) was of that order. Adds 1.9 % to the USGS world total.")
src("vn_mining_2010_e", "Bloomberg via worldal (Nov 2010) + critmin estimate", "Vietnam 2010", 2010, "http://worldal.com/news/china/2010-11-24/129056356131588.shtml", "E",
    "Estimate: USGS's 2010 world total is China + India + Brazil + Malaysia exactly, so Vietnam produced nothing it recorded; a Japan-Vietnam development deal was signed in Oct 2010. The row is idle (utilisation 0) with a token 100 t/yr of capacity that high prices can call on; an estimate, not a figure.")
src("solikamsk_2010_e", "critmin estimate (baseline Solikamsk row)", "Solikamsk 2010", 2026, "baseline est_solikamsk_cracking", "E",
    "Estimate: chlorination of Lovozero loparite; capacity = the mine's 2,500 t REO, utilisation 0.95, so it passes on what it receives. Its mixed product fed AS Silmet (Estonia) in 2010.")
src("cn_sep_2010_e", "critmin estimate; SMM (2013) and MINING.com (2012) on idle capacity", "China separation 2010", 2026, "parameters.md section 3 (smm-2013-04, mining-com-ce-la)", "E",
    f"Estimate: no 2010 separation quota was found (2011: 90,400 t, M). Each aggregate separates what its mines supply x 0.95: north {W['sep_north_out']:,.0f} t from Bayan Obo, south {W['sep_south_out']:,.0f} t from the other quota and undocumented ore. Capacities 60,000 and 110,000 t are estimates that leave spare capacity, in line with reports that Chinese industry ran below 40 % of capacity in 2012-13 (M).")
src("cn_sep_imports_2010_e", "critmin estimate", "Chinese separation of imported concentrate", 2026, "critmin estimate", "E",
    "Estimate: Brazilian and Malaysian monazite (550 + 350 t) and any Vietnamese concentrate are taken to be separated in China (none of the three separated in 2010, as far as the notes show): output 900 x 0.95 = 855 t on 1,500 t capacity.")
src("lamp_d", "Perak Today / Bernama (Nov 2012); Chinatungsten (2013); IBTimes AU; MINING.com (2012)", "LAMP phase 1", 2013,
    "history-2010.md section 6; parameters.md section 3 (peraktoday-2012-11, ct-lynas-2013, ibtimes-au)", "D",
    "Phase 1 11,000 t/yr of products; first feed to the kiln ~29 Nov 2012 (start 2012-11), first separated products in the Mar-2013 quarter; it had been planned for Q3 2011 (about 15 months of delay). Status construction in 2010. Running utilisation 0.4 = Mt Weld's utilisation (mt_weld_2011_d), so the plant separates what the mine delivers while it ramps (derived).")
src("lamp_phase2_e", "IBTimes AU (late 2012) + critmin estimate", "LAMP phase 2", 2012, "https://ibtimes.com.au/lynas-completes-phase-1-construction-malaysian-rare-earths-facility-phase-2-already-69-complete", "E",
    "Phase 2 doubles LAMP to 22,000 t/yr and was 69 % built in late 2012 (M). Start 2014-01 and utilisation 0.4 are estimates; it falls after the 2010-2013 backtest. Its feed would need a larger Mt Weld, which this dataset does not add.")
src("irel_sep_2010_e", "critmin estimate (IREL)", "IREL processing 2010", 2026, "critmin estimate", "E",
    "Estimate: IREL processes its own monazite (OSCOM chemical plant, Aluva). Capacity 3,000 t REO/yr (no 2010 figure found); utilisation 2,700 x 0.95 / 3,000 = 0.855 separates what it mines.")
src("silmet_2010_e", "Argus (2023) for capacity + critmin estimate", "AS Silmet 2010", 2023, "baseline silmet_e", "E",
    "Capacity ~3,000 t/yr (Argus, M). In 2010 Silmet processed Russian loparite-derived feed (Molycorp bought it in 2011). Utilisation = 2,500 x 0.95 x 0.95 / 3,000 = 0.752, i.e. it separates what Solikamsk cracks (estimate).")
src("la_rochelle_2010_e", "critmin estimate (baseline la_rochelle_e)", "Rhodia La Rochelle 2010", 2026, "baseline la_rochelle_e", "E",
    "Estimate: Rhodia ran La Rochelle in 2010 mostly on Chinese intermediates; no capacity or output figure was found. We keep the baseline's 2,000 t at 0.5 utilisation. Feed '*': in the simulator it takes only concentrate no other plant claims, so it may produce little.")
src("jp_magnets_2010_e", "China.org.cn (Japanese edition, Aug 2013) + critmin estimate", "Japanese sintered NdFeB 2010", 2013,
    "http://japanese.china.org.cn/business/txt/2013-08/12/content_29694121_2.htm (chinaorg-2013)", "E",
    f"Japan made 19.3 % of 98,200 t = {98200*0.193:,.0f} t of sintered blanks in 2010 (M, D). Output is counted net of machining loss (x {W['Y_YIELD']}, see cn_magnets_2010_d): {W['jp_total']:,.0f} t. The split by company is an estimate (capacities undisclosed): Hitachi Metals 45 % (industrial grades), Shin-Etsu 35 % and TDK 15 % (consumer grades: hard-disk VCMs, electronics), Daido 5 % (hybrid traction). Utilisation 0.8 is an estimate; capacity = output / 0.8.")
src("eu_magnets_2010_e", "China.org.cn (Aug 2013) + critmin estimate", "European sintered NdFeB 2010", 2013, "chinaorg-2013", "E",
    f"Europe made 1.3 % of 98,200 t = {98200*0.013:,.0f} t (M); net of machining loss {W['eu_out']:,.0f} t. One aggregate row in the EU region (Vacuumschmelze, Germany; Neorem, Finland: estimate of who made it). Industrial grade and utilisation 0.8 are estimates.")
src("cn_magnets_2010_d", "China Chemical Reporter (Aug 2011); China.org.cn (Aug 2013); Shanxi/CNMIA via MINING.com and SMM + critmin estimate", "China sintered NdFeB 2010", 2013,
    "https://ccr.com.cn/c/2011-08-17/629694.shtml ; chinaorg-2013", "D",
    f"China made 78,000 t of sintered NdFeB in 2010 (CCR, M), 79.4 % of 98,200 t = {98200*0.794:,.0f} t (chinaorg, M). Those are semi-finished blanks; machining scrap is recycled into new alloy, which critmin does not model. So output is counted net: the yield {W['Y_YIELD']} is the share that makes world Nd demand 93 % of separated Nd (the baseline's rule), i.e. about a third of blank mass goes to swarf and grinding loss (estimate; typical yields are 65-80 %, unverified). China's net output {W['cn_mag_total']:,.0f} t is split by grade as world demand by grade / 0.975 less Japanese and European output. Utilisation 0.5 is an estimate between 2012's ~40 % (M) and full use; capacity = output / 0.5. Bonded NdFeB (4,000 t) and SmCo (600 t) are left out (gap).")
src("cn_metal_2010_e", "critmin estimate derived from the balance", "China metal and alloy 2010", 2026, "critmin estimate", "E",
    f"Derived (estimate): China's metal output = 1.01 x (magnet output x recipes + world metal demand) less Japanese and rest-of-world metal = {W['cn_metal_t']:,.0f} t metal; capacity = output / 0.9. China's share of metal making in 2010 was not found.")
src("jp_metal_2010_e", "critmin estimate", "Japan metal and alloy 2010", 2026, "critmin estimate", "E",
    f"Estimate (no 2010 figure found): Japanese alloy makers supply half of the metal Japan's magnet plants use ({W['jp_alloy_metal']:,.0f} t metal; the rest is bought from China as metal and alloy), and mischmetal/hydrogen-storage alloy makers 30 % of Japan's La and Ce metallurgy demand ({W['jp_misch_metal']:,.0f} t metal). Utilisation 0.85, capacity = output / 0.85.")
src("zz_metal_2010_e", "critmin estimate", "Rest-of-world metal 2010", 2026, "critmin estimate", "E",
    "Estimate: small metal makers outside China and Japan (e.g. Less Common Metals, UK): 500 t/yr of NdPr metal on 625 t capacity. Not itemised in the notes.")
src("est_ndfeb_alloy_mix_2010", "critmin estimate derived from recipes", "Japanese NdFeB alloy metals 2010", 2026, "critmin estimate", "E",
    "Derived from estimates: the metal needs of the Japanese magnet plants (output x 2010 recipe), converted to REO and normalised: "
    + ", ".join(f"{e} {v:.3f}" for e, v in W['alloy_mix'].items()) + ".")
src("est_china_metal_mix_2010", "critmin estimate derived from the balance", "China metal product mix 2010", 2026, "critmin estimate", "E",
    "Derived from the 2010 balance (estimate): China's metal by element = 1.01 x (world magnet output x recipes + world metal demand) - Japanese and rest-of-world metal, converted to REO and normalised: "
    + ", ".join(f"{e} {v:.3f}" for e, v in W['cn_mix'].items()) + ".")
REC_NOTE = ("Basis: the baseline recipes (pack 5e: ~30 % RE metal, Nd:Pr 75:25, Dy ~4 % in wind grades) with more Dy for 2010. Nikkei Tech-On (Nov 2012, M) gives 3-10 mass-% Dy in high-temperature grades before the post-2011 thrifting; grain-boundary diffusion, which halves Dy (Trout, M), was in use from ~2005 but spread only after the 2011 price spike, and NEDO's -40 % programme ran to FY2011 (M). No verified per-grade composition exists (gap).")
for g, txt in [("ev", "Hybrid and EV traction: 310 kg RE per t = Nd 183.75 + Pr 61.25 (75:25) + Dy 60 + Tb 5 (6.5 % Dy+Tb, within the 3-10 % of high-temperature grades; the 2024 grade has 2.5 %)."),
               ("wind", "Direct-drive wind: 310 kg = Nd 202.5 + Pr 67.5 + Dy 40, the ~4 % Dy of Heim & Vander Wal (2023), unchanged from the baseline."),
               ("industrial", "Industrial motors, e-bikes, appliances and auto auxiliaries: 305 kg = Nd 208.5 + Pr 69.5 + Dy 25 + Tb 2 (2.7 % against 1.2 % in 2024)."),
               ("consumer", "Consumer electronics, VCMs, acoustics: 300 kg = Nd 226 + Pr 74, no Dy or Tb (as the baseline)."),
               ("defence", "Defence and high-temperature: 330 kg = Nd 183.75 + Pr 61.25 + Dy 70 + Tb 15 (8.5 % Dy+Tb, within 3-10 %).")]:
    src("est_recipe_2010_" + g, "critmin estimate (2010 grades)", "NdFeB grade " + g, 2026, "Nikkei Tech-On (12 Nov 2012); Magnetics Magazine (Trout); Japan Metal Bulletin (NEDO)", "E",
        "Estimate: " + txt + " " + REC_NOTE)

md, nmv = W["md"], W["nm"]
magreo = W["mag_reo"]
sector_world = W["sector_world"]
src("dem_cn_magnets_2010_d", "China Chemical Reporter (Aug 2011) + critmin estimate", "China magnet demand 2010", 2011, "https://ccr.com.cn/c/2011-08-17/629694.shtml", "D",
    f"Derived: China's net magnet output ({W['cn_mag_total']:,.0f} t) less its 13,886 t of magnet exports (CCR, M), x 0.975 (demand = 97.5 % of output, the baseline's slack) = {md['CN']:,.0f} t. Sector mix (estimate): consumer electronics 36 %, industrial motors and e-bikes 32 %, other consumer uses 18.5 %, auto auxiliary 6 %, wind 5 % (direct-drive turbines), defence 1.5 %, hybrid traction 1 %.")
src("dem_us_magnets_2010_d", "China Chemical Reporter (Aug 2011) + critmin estimate", "US magnet demand 2010", 2011, "https://ccr.com.cn/c/2011-08-17/629694.shtml", "D",
    f"Derived: China exported 1,740 t of magnets to the USA in 2010 (CCR, M) plus an estimated 10 % of Japan's magnet exports; x 0.975 = {md['US']:,.0f} t; the US made no sintered NdFeB. Mix (estimate): electronics 35 %, industrial 20 %, other consumer 17 %, defence 12 %, auto 10 %, wind 6 %.")
src("dem_jp_magnets_2010_e", "China.org.cn (Aug 2013) + critmin estimate", "Japan magnet demand 2010", 2013, "chinaorg-2013", "E",
    f"Estimate: Japan's net output less 35 % exported (to Japanese-owned assembly in South-East Asia, estimate) plus ~2,000 t from China; x 0.975 = {md['JP']:,.0f} t. Mix (estimate): electronics 36 %, industrial 25 %, other consumer 15 %, hybrid traction 12 % (Japanese hybrids), auto auxiliary 10 %, wind and defence 1 % each.")
src("dem_eu_magnets_2010_e", "China.org.cn (Aug 2013); CCR (2011) + critmin estimate", "EU magnet demand 2010", 2013, "chinaorg-2013", "E",
    f"Estimate: European output + ~4,000 t from China (of its 13,886 t exports; the destination split other than the USA is not sourced) + 10 % of Japan's exports; x 0.975 = {md['EU']:,.0f} t. Mix: industrial 35 %, electronics 25 %, other 17 %, auto 14 %, wind 5 %, defence 4 % (estimate).")
src("dem_kr_magnets_2010_e", "CCR (2011) + critmin estimate", "Korea magnet demand 2010", 2011, "https://ccr.com.cn/c/2011-08-17/629694.shtml", "E",
    f"Estimate: ~2,000 t of China's magnet exports x 0.975 = {md['KR']:,.0f} t; electronics-heavy mix (55 %).")
src("dem_zz_magnets_2010_e", "CCR (2011) + critmin estimate", "Rest-of-world magnet demand 2010", 2011, "https://ccr.com.cn/c/2011-08-17/629694.shtml", "E",
    f"Estimate: the rest of China's 13,886 t of exports (13,886 - 1,740 - 2,000 - 4,000 - 2,000 = 4,146 t) + 80 % of Japan's exports (hard-disk and electronics assembly in South-East Asia); x 0.975 = {md['ZZ']:,.0f} t. Mix: electronics 50 %, industrial 25 %, other 14 %, auto 6 %, wind 3 %, defence 2 % (estimate).")
nm_total_world = sum(sector_world.values())
src("dem_world_2010_d", "Jamestown China Brief 11(7) (IMCOA/Kingsnorth); BCC Research via Electronic Design; kmza.biz; Reuters factbox (Dec 2010) + critmin estimate",
    "World demand by sector 2010", 2011, "history-2010.md section 3 (jamestown-2011, bcc-ed, kmza, reuters-factbox-2010, re-meeting-2013)", "D",
    f"Derivation of the world sector totals every non-magnet row is sized against. IMCOA gives 124 kt REO for 2010 and BCC 141.3 kt, but the 2010 mines (at their compositions) cannot serve that much La and Ce: 2009-10 demand above production was met from stocks (The Economist: 134 kt demand vs 124 kt produced in 2009). So the world total is set to {WORLD_TOTAL:,.0f} t REO, the most at which La demand stays at 95 % of separated La (close to BCC's 111.5 kt for 2009). Magnets (finished, by recipe) take {magreo:,.0f} t ({100*magreo/WORLD_TOTAL:.0f} %; counting the 98,200 t of blanks instead gives ~35 kt and a total of ~123 kt, IMCOA's figure). Phosphors: 8,000 t of phosphor powder (L) x ~65 % REO (estimate) = 5,200 t. The rest is split in the kmza proportions (L) catalysts 28 : glass and polishing 23 : metallurgy 16 : ceramics and other 8: "
    + ", ".join(f"{k} {v:,.0f}" for k, v in sector_world.items()) + " t REO. Element shares within a sector are the baseline's (La/Ce-dominated catalysts, polishing and metallurgy; Y/Eu/Tb phosphors).")
src("dem_cn_nonmagnet_2010_d", "critmin estimate derived from the world totals", "China non-magnet demand 2010", 2026, "dem_world_2010_d; Roskill (2011) via Magnetics Magazine", "D",
    f"Derived: China = world sector total (dem_world_2010_d) less the other countries' rows: {sum(v for (c,s),v in nmv.items() if c=='CN'):,.0f} t REO. With magnet makers' intake China takes about two-thirds of world use, consistent with Roskill's ~70 % for 2011 (M) and with China exporting ~40 kt of compounds and metals (39,813 t, customs via WSJ, M).")
src("dem_jp_nonmagnet_2010_e", "WSJ (6 Jan 2011, METI minister Ohata); Reuters (Nov 2012); globaltrade.net (2011); Japan Metal Bulletin + critmin estimate", "Japan non-magnet demand 2010", 2012,
    "history-2010.md section 4 (wsj-2011-01-06, lcm-2012, gtn-2011, jmb-21708)", "E",
    "Estimate: Japan imported ~20,000 t from China in 2010 (Ohata, M) at >90 % dependence, ~22 kt in all; the government put domestic demand at 20-30 kt/yr, Sojitz at ~32 kt (2011), and 2011 demand derives to 21.1 kt (D). We take ~25 kt of raw-material use, of which ~7 kt goes into Japanese magnets (a production input, not final demand), leaving 18,000 t REO: glass and polishing 35 %, metallurgy incl. NiMH battery alloys 33 %, catalysts 12 %, other 12 %, phosphors 8 %.")
src("dem_us_nonmagnet_2010_e", "USGS MCS2016 (via history-2010.md); WSGS; baseline MCS2019 shares + critmin estimate", "US non-magnet demand 2010", 2016,
    "history-2010.md section 4 (mcs2016, wsgs-bg)", "E",
    "Estimate: US 2010 consumption was not found. MCS2016 gives apparent consumption of 11,000 t in 2011 (itself an estimate) and 15,000 t in 2012; US imports of compounds and metals were 7,790 t in 2011 and Molycorp processed ~2,000 t from stock. We take 8,000 t REO, split with the MCS2019 end-use shares the baseline uses (catalysts 60 %, glass and polishing 20 %, metallurgy 10 %) with 5 % phosphors and 5 % other.")
src("dem_eu_nonmagnet_2010_e", "critmin estimate", "EU non-magnet demand 2010", 2026, "critmin estimate", "E",
    "Estimate (no tonnage found): 10,000 t REO, for autocatalyst, FCC, glass and phosphor makers in the EU (Rhodia, BASF, Umicore, Osram and others) fed by China's exports, Silmet and La Rochelle; catalysts 30 %, glass/polishing 25 %, metallurgy 20 %, other 18 %, phosphors 7 %.")
src("dem_kr_nonmagnet_2010_e", "critmin estimate", "Korea non-magnet demand 2010", 2026, "critmin estimate", "E",
    "Estimate (no tonnage found): 2,500 t REO, display-glass polishing heavy: glass/polishing 45 %, catalysts 20 %, other 15 %, metallurgy 10 %, phosphors 10 %.")
src("dem_zz_nonmagnet_2010_e", "critmin estimate", "Rest-of-world non-magnet demand 2010", 2026, "critmin estimate", "E",
    "Estimate: 6,500 t REO for India (IREL's own output), Taiwan, South-East Asia, Russia and Latin America; catalysts 25 %, glass/polishing 30 %, metallurgy 20 %, other 17 %, phosphors 8 %. Together with Japan, the US, the EU and Korea, non-China non-magnet use is ~45 kt, against China's 2010 exports of ~40 kt plus ~7 kt mined and separated outside China.")
src("cn_quota_path_d", "MINING.com (Apr 2011); First Financial Daily repost (2014); IBTimes AU (2014)", "China mining quotas 2010-2014", 2014,
    "parameters.md section 4b (mining-com-2011-04, actmix-2014, ibtimes-2014)", "D",
    "Derived: 89,200 t (2010) -> 93,800 t (2011-2013) -> 105,000 t (2014): 93,800 / 89,200 = +5.16 % in 2011 and 105,000 / 93,800 = +11.94 % in 2014, nothing in 2012-13 ('relatively stable'). critmin ramps a trend through its year, so capacity reaches the new quota in January of the year after (half the step on average in the year itself). The trend scales every Chinese mine, the undocumented rows included (whose later path is not known). No separation, metal or magnet path was found, so none is given.")
src("growth_2010_all_d", "Roskill (2011) via Magnetics Magazine; BCC Research via Electronic Design", "Demand growth 2005-2011", 2011,
    "history-2010.md section 3 (roskill-2011, bcc-ed)", "D",
    "Derived: 2005-2010 demand grew +11 %/yr in China and -4 %/yr elsewhere (Roskill, M); at China's ~60 % of final demand that is 0.6 x 11 + 0.4 x (-4) = +5.0 %/yr for the world, applied 2011-2015. (BCC's 141.3 -> 158.2 kt in 2010-11 is +12 %, but its 2009->2010 jump of +27 % shows a restocking cycle.)")
src("growth_2010_magnet_e", "Reuters factbox (28 Dec 2010) + critmin estimate", "Magnet demand growth", 2010,
    "https://www.reuters.com/article/us-china-rareearth-industry-factbox1/factbox-how-various-industries-use-rare-earth-elements-idUSTRE6BR3C920101229", "E",
    "Estimate: magnet demand had grown 15 %/yr over the previous ten years (Reuters, M), but China's magnet output rose only from 82,600 t (2010) to 89,600 t (2012), +4 %/yr, in the price spike (M). 10 %/yr for goods containing Nd, Pr, Dy or Tb, 2011-2015, lies between the two; the steady path is the no-price-effect counterfactual.")
src("growth_2010_phosphors_e", "LEDinside (2013); no1ledlight (2013) + critmin estimate", "Phosphors", 2013, "parameters.md section 2", "E",
    "Estimate: flat (0 %/yr). Phosphor powder sales were ~8,000 t in both 2010 and 2011 (L); the later fall (-44 % in 2012) was LED substitution and thrifting driven by price, which the steady path leaves to the price response.")
src("komir_2010_e", "Japan Metal Bulletin (2010), via the reference pack section 6 + critmin estimate", "KORES/KOMIR rare-earth stock 2010", 2010, "reference-figures.md section 6", "E",
    "Korea's 2010 plan: rare-earth stock 62 t -> 1,164 t by 2016 (M). The 62 t held in 2010 is given by element as an estimate (the mix is not published), in proportion to Korea's oxide demand here: Ce 25, La 15, Nd 12, Y 6, Pr 4 t. JOGMEC held no rare earths in 2010 as far as the notes show (its stockpile then covered other rare metals) and the China State Reserve bought only in 2011-14, so neither has a row. The US NDS held no rare earths.")
src("komir_target_2010_d", "Japan Metal Bulletin (2010), via the reference pack section 6", "KORES/KOMIR 2016 target", 2010, "reference-figures.md section 6", "D",
    f"Derived: the 1,164 t goal for 2016 over Korea's 2010 demand here ({kr_reo:,.0f} t REO incl. magnets' content) = {komir_months:.1f} months of consumption, all elements.")
src("proj_phoenix_u", "Molycorp IPO prospectus (2010), recalled", "Project Phoenix phase 1 capex", 2010, "SEC EDGAR, Molycorp Inc. S-1 (2010) - not read", "U",
    "Recalled, not verified: Molycorp's 2010 estimate for Phase 1 was about US$511M (raised to ~$781M in 2011 and more later). Covers mine, mill and separation; attached to the separation row. Lead 30 months = the 2009-10 decision to mid-2012 (derived from the dates in mp_restart_d). Committed: financed by the Jul 2010 IPO.")
src("proj_lamp_e", "critmin estimate from the Phoenix figure", "LAMP capex", 2026, "proj_phoenix_u", "E",
    f"Estimate: the LAMP capex was not found. Phoenix phase 1's US$511M (U) over its 19,050 t design = US${intensity/1000:,.1f}k per t/yr; x 11,000 t = US${intensity*11000/1e6:,.0f}M for phase 1, and half of that for phase 2 (a brownfield doubling). Lead 30 months (planned Q3 2011, first feed Nov 2012). Sponsors AU and JP (Japan's 2010 package financed Lynas, ref. pack section 5c, M); committed.")
src("lynas_2010_avg2009", "Lynas Corporation price table (Metal-Pages data) reproduced by RareMetalBlog (Jul 2010)", "FOB China, 99 %, 2009 annual average", 2010,
    "https://www.raremetalblog.com/raremetalblog-readers-break-records-lynas-ree-numbers-kick-off-debate/", "M",
    "2009 averages, USD/kg oxide FOB China: La 4.88, Ce 3.88, Nd 19.12, Pr 18.03, Sm 3.40, Dy 115.67, Eu 492.92, Tb 361.67. Base prices only: the 2010-2014 observed prices are held back to score the backtest. No metal, Y, Gd or heavy-RE prices.")
src("chinaorg_2013", "China.org.cn (Japanese edition, 12 Aug 2013)", "NdFeB industry article", 2013,
    "http://japanese.china.org.cn/business/txt/2013-08/12/content_29694121_2.htm", "M",
    "World sintered NdFeB (semi-finished) 98,200 t in 2010: China 79.4 %, Japan 19.3 %, Europe 1.3 %.")
src("gov_2010_e", "critmin estimate: World Bank WGI 2010 (recalled) and the EU JRC trade factor", "WGI 2010, six dimensions", 2026,
    "https://www.worldbank.org/en/publication/worldwide-governance-indicators", "E",
    "Estimate: each country's 2010 WGI mean is recalled, not read from the data file, rounded and rescaled as 2 x (2.5 - mean). Trade factor 1 except China 1.5: export quotas cut 40 % in 2010 and export duties of 15-25 % (parameters.md section 4), a stronger restriction than the 2025 licensing the baseline scores at 1.3 (estimate of the JRC adjustment).")
src("crit_elements_2010_e", "critmin team: per-element supply-risk inputs (baseline values)", "EU CRM assessments; USGS", 2026, "baseline crit_elements_e", "E",
    "Estimate carried over unchanged from the 2024 baseline (crit_elements_e): recycling input rates about 0.01, substitution indices 0.90-0.96, economic vulnerability 0.3-0.7. In 2010 lamp-phosphor recycling had barely started, so Eu, Tb and Y recycling (0.05-0.1 here) is if anything overstated.")

# sources: header order as the baseline
hdr = ["id", "publication", "locator", "year", "citation", "confidence", "note"]
# keep only sources that are cited
cited = set()
for fname in os.listdir(OUT):
    # (the observed series cite their own sources, in observed-sources.md)
    if fname.endswith(".csv") and fname not in ("sources.csv", "observed-2009-2014.csv"):
        with open(os.path.join(OUT, fname), newline="") as f:
            for r in csv.DictReader(f):
                for key in ("source", "premium_source"):
                    if r.get(key):
                        cited.add(r[key])
missing = cited - set(SOURCES)
assert not missing, missing
unused = [k for k in SOURCES if k not in cited]
if unused:
    print("unused sources dropped:", unused)
cited.add("dem_world_2010_d")   # cited by the derivations of every non-magnet demand note
write("sources.csv", hdr, [SOURCES[k] for k in SOURCES if k in cited])

