#!/usr/bin/env python3
"""Writes a corpus of generated Hoso procedures for bench_check.

    bench/check/gen_corpus.py OUT_DIR [--procedures 5000] [--per-file 100] [--seed 1]

Every file is a module that uses std.vn; every procedure has the six clears,
a typed dossier of 4 to 8 fields with `require` clauses, a route of 2 to 4
`when` arms and `otherwise`, 3 to 5 steps whose budgets fit the deadline, a
warning, late handling and one decentralise rule of its own (so no two rules
move the same competence: no D0008). The corpus checks clean
(`hoso check OUT_DIR`). Python 3 standard library only; deterministic for a
given seed. The output is a build artefact: do not commit it.
"""

import argparse
import os
import random
import sys

PROVINCE_AGENCIES = ["construction", "land_registry", "industry_trade", "agri_env", "culture",
                     "health", "home_affairs", "justice", "finance", "education", "science_tech"]
COMMUNE_AGENCIES = ["economy", "culture_society", "justice", "land_office", "business_registry",
                    "office"]
SECTORS = ["construction", "land", "business", "civil_status", "residence", "health",
           "education", "culture", "agriculture", "finance"]
ONLINE = ["full", "partial"]
# Named communes of the registry of places (runtime/rules/registry.cpp): N0008.
COMMUNES = ["Sa Pa", "Bắc Hà", "Mường Khương", "Bát Xát"]
TITLES = ["Cấp giấy phép", "Đăng ký", "Gia hạn", "Điều chỉnh", "Thu hồi", "Cấp đổi", "Xác nhận",
          "Công nhận", "Chứng thực", "Thẩm định"]
OBJECTS = ["nhà ở riêng lẻ", "hộ kinh doanh", "quyền sử dụng đất", "cơ sở y tế",
           "hoạt động văn hóa", "trang trại", "cơ sở giáo dục", "biển hiệu quảng cáo",
           "công trình tạm", "khai thác nước"]
STEP_NAMES = ["receive", "verify", "appraise", "inspect", "consult", "review", "decide", "sign",
              "record", "deliver"]
RESULTS = ["receipt", "check", "appraisal", "report", "opinion", "review", "decision", "permit",
           "entry", "result"]
HANDLERS = ["competent", "competent.head", "receiving.one_stop"]
LATE_POLICIES = ["escalate_to_province", "standard_late"]

# Candidate dossier fields: (name, type, default or None, requires, route conditions).
# A route condition uses only its own field, so no arm shadows another.
FIELDS = [
    ("area", "m2", None, ["area > 0 m2"], ["area > {big} m2"]),
    ("floors", "Int", None, ["floors in 1..{maxf}"], ["floors > {f}"]),
    ("heritage_zone", "Bool", "false", [], ["heritage_zone"]),
    ("capital", "VND", None, ["capital >= 0 VND"], ["capital > {cap} VND"]),
    ("kind", "{enum}", "person", [], ["kind == business", "kind in {{business, organisation}}"]),
    ("workers", "Int", "0", ["workers >= 0"], ["workers >= {w}"]),
    ("applicant", "Person", None, [], []),
    ("submitted", "Date", None, [], []),
    ("note", "Text", None, [], []),
]


def procedure(rng, file_no, idx, enum_name, out):
    name = f"Proc{file_no:03d}x{idx:03d}"
    deadline = rng.choice([5, 7, 10, 12, 15, 20, 30])
    level = rng.choice(["commune", "province"])
    n_fields = rng.randint(3, 7)  # plus `site`
    fields = rng.sample(FIELDS, n_fields)
    params = {"big": rng.choice([200, 300, 500, 1000]), "maxf": rng.choice([20, 30, 50]),
              "f": rng.choice([3, 5, 7]), "cap": rng.choice([500_000_000, 2_000_000_000]),
              "w": rng.choice([10, 50, 100]), "enum": enum_name}
    title = f"{rng.choice(TITLES)} {rng.choice(OBJECTS)} (mẫu {file_no}.{idx})"

    w = out.append
    w(f"/// {title}")
    w(f"procedure {name} {{")
    w(f'  code       "9.{file_no:03d}{idx:03d}"')
    w(f'  title      "{title}"')
    w(f"  sector     {rng.choice(SECTORS)}")
    w(f'  basis      "Nghị định {100 + file_no}/2025/NĐ-CP, Điều {idx + 1}"')
    w(f"  level      {level}")
    w(f"  deadline   {deadline} working days")
    w("  receive    anywhere in province")
    w(f"  online     {rng.choice(ONLINE)}")
    w(f"  fee        {rng.choice([0, 50, 75, 100, 200]) * 1000:_} VND")
    w("  supplement pauses")
    w("")
    w("  dossier {")
    w("    site : Commune")
    params["cap"] = f"{params['cap']:_}"
    conds = []
    for fname, ftype, default, reqs, arms in fields:
        ftype = ftype.format(**params)
        w(f"    {fname} : {ftype}" + (f" = {default}" if default else ""))
        conds.extend(a.format(**params) for a in arms[:1] if arms)
        if len(arms) > 1 and rng.random() < 0.3:
            conds[-1] = arms[1].format(**params)
    for fname, ftype, default, reqs, arms in fields:
        for r in reqs:
            w(f'    require {r.format(**params)} else "Thông tin {fname} không hợp lệ"')
    w("  }")
    w("")
    # 2 to 4 arms; combine conditions with `or` when there are few fields.
    n_arms = rng.randint(2, 4)
    rng.shuffle(conds)
    arms = []
    for i in range(n_arms):
        if i < len(conds):
            arms.append(conds[i])
        else:
            arms.append(f"site == commune \"{COMMUNES[i]}\"")
    targets = rng.sample(PROVINCE_AGENCIES, n_arms)
    w("  route {")
    for cond, target in zip(arms, targets):
        w(f"    when {cond} -> province.{target}")
    w(f"    otherwise -> site.{rng.choice(COMMUNE_AGENCIES)}")
    w("  }")
    w("")
    # 3 to 5 steps, budgets in half days, total within the deadline.
    n_steps = rng.randint(3, 5)
    halves = deadline * 2
    budgets = [1] * n_steps
    for _ in range(rng.randint((halves - n_steps) // 2, halves - n_steps)):
        budgets[rng.randrange(n_steps)] += 1
    picks = sorted(rng.sample(range(1, len(STEP_NAMES) - 1), n_steps - 2))
    order = [0] + picks + [len(STEP_NAMES) - 1]
    w("  steps {")
    for k, b in zip(order, budgets):
        handler = "receiving.one_stop" if k in (0, len(STEP_NAMES) - 1) else rng.choice(HANDLERS[:2])
        days = f"{b // 2}" if b % 2 == 0 else f"{b / 2:g}"
        w(f"    {STEP_NAMES[k]} by {handler} within {days} working days yields {RESULTS[k]}")
    w("  }")
    w("")
    w(f"  warn {rng.randint(1, min(3, deadline - 1))} working days before due")
    if rng.random() < 0.7:
        w(f"  on late use {rng.choice(LATE_POLICIES)}")
    else:
        w("  on late {")
        w("    apologise")
        w("    notify competent.head")
        w("    escalate to province.people_committee.chairman after 2 working days")
        w("  }")
    w("}")
    w("")
    # One decentralise rule per procedure: its own subject, so never D0008.
    step = STEP_NAMES[order[-2]]
    start_month = rng.randint(7, 12)
    w(f"decentralise {name}.{step}")
    w(f"  from province.{rng.choice(PROVINCE_AGENCIES)} to commune.people_committee.chairman")
    w(f"  effective 2025-{start_month:02d}-01 until 2027-02-{rng.randint(1, 28):02d}")
    w(f'  basis "Nghị định {140 + file_no % 10}/2025/NĐ-CP, Điều {idx % 30 + 1}"')
    w("")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--procedures", type=int, default=5000)
    ap.add_argument("--per-file", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    rng = random.Random(a.seed)
    os.makedirs(a.out_dir, exist_ok=True)
    n_files = (a.procedures + a.per_file - 1) // a.per_file
    written = 0
    for file_no in range(n_files):
        count = min(a.per_file, a.procedures - written)
        enum_name = f"Applicant{file_no:03d}"
        out = [f"// Generated by bench/check/gen_corpus.py (seed {a.seed}); do not edit.",
               f"module bench.g{file_no:03d}", "", "use std.vn", "",
               f"enum {enum_name} {{ person, business, organisation }}", ""]
        for idx in range(count):
            procedure(rng, file_no, idx, enum_name, out)
        path = os.path.join(a.out_dir, f"g{file_no:03d}.hoso")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("\n".join(out))
        written += count
    print(f"{written} procedures in {n_files} files under {a.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
