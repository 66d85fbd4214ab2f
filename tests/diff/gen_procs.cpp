#include "gen_procs.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <vector>

namespace hoso::difftest {
namespace {

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  int range(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool chance(int percent) { return pick(100) < percent; }
  template <class T>
  const T& one(const std::vector<T>& v) {
    return v[static_cast<size_t>(pick(static_cast<int>(v.size())))];
  }

 private:
  std::mt19937_64 rng_;
};

const std::vector<std::string> kProvinceAgencies = {
    "construction", "land_registry", "industry_trade", "agri_env", "culture",
    "health",       "justice",       "finance",        "education"};
const std::vector<std::string> kCommuneAgencies = {"economy", "culture_society", "justice",
                                                   "land_office", "business_registry"};

// A condition reading one field (so route arms on different fields never
// shadow each other), over many operations.
std::string condition(Gen& g, int field) {
  switch (field) {
    case 0:  // area : m2
      return g.one<std::string>(
          {fmt::format("area > {} m2", g.range(1, 2000)),
           fmt::format("area * 2 >= {}.5 m2", g.range(1, 900)),
           fmt::format("area in {} m2..{} m2", g.range(0, 100), g.range(101, 900)),
           fmt::format("max(area, {} m2) == area", g.range(1, 500)),
           fmt::format("area / {} < {} m2", g.range(1, 9), g.range(1, 300)),
           fmt::format("abs(area - {} m2) < {} m2", g.range(0, 500), g.range(1, 200))});
    case 1:  // floors : Int
      return g.one<std::string>(
          {fmt::format("floors > {}", g.range(1, 12)),
           fmt::format("floors in {{1, {}, {}}}", g.range(2, 6), g.range(7, 20)),
           fmt::format("floors * floors - {} >= 0", g.range(1, 100)),
           fmt::format("min(floors, {}) != floors", g.range(1, 9)),
           fmt::format("-floors < -{}", g.range(1, 9)),
           fmt::format("floors / 2 > {}.5", g.range(0, 5))});
    case 2:  // capital : VND
      return g.one<std::string>({fmt::format("capital >= {}_000_000 VND", g.range(1, 900)),
                                 fmt::format("capital - {}_000 VND > 0 VND", g.range(1, 900)),
                                 fmt::format("capital / capital_ref > {}.25", g.range(0, 3))});
    case 3:  // kind : Kind
      return g.one<std::string>({"kind == business", "kind in {business, organisation}",
                                 "kind != person", "not (kind == organisation)"});
    case 4:  // urgent : Bool
      return g.one<std::string>({"urgent", "not urgent", "urgent and urgent"});
    case 5:  // note : Text
      return g.one<std::string>(
          {fmt::format("len(note) > {}", g.range(0, 40)), "note == \"khẩn\"", "note != \"\""});
    case 6:  // submitted : Date
      return g.one<std::string>(
          {fmt::format("submitted >= 2026-0{}-1{}", g.range(1, 9), g.range(0, 9)),
           fmt::format("year(submitted) > {}", g.range(2024, 2027)),
           fmt::format("submitted + {} calendar days > 2026-02-1{}", g.range(1, 20), g.range(0, 9)),
           fmt::format("submitted - 2025-07-01 > {} calendar days", g.range(1, 600)),
           fmt::format("submitted + {} calendar days < 2027-01-01", g.range(1, 400))});
    case 7:  // appointment : DateTime
      return g.one<std::string>(
          {fmt::format("appointment + {} working hours > 2026-02-1{} 1{}:00", g.range(1, 40),
                       g.range(0, 9), g.range(0, 6)),
           fmt::format("appointment - {} working days < 2026-0{}-02 07:30", g.range(1, 10),
                       g.range(1, 9)),
           fmt::format("year(appointment) == {}", g.range(2025, 2027)),
           fmt::format("appointment + {} calendar days >= 2026-05-01 08:00", g.range(1, 90))});
    case 8:  // ratio : Dec
      return g.one<std::string>({fmt::format("ratio > {}.{}", g.range(0, 3), g.range(0, 999)),
                                 fmt::format("ratio * ratio <= {}.5", g.range(0, 9)),
                                 fmt::format("ratio / 3 >= 0.{}", g.range(1, 999))});
    case 9:  // site : Commune
      return g.one<std::string>(
          {"site == receiving", "site != commune \"Sa Pa\"", "at_province(receiving)"});
    case 10:  // owner : Unit
      return g.one<std::string>(
          {"at_province(owner)", "owner == receiving", "not at_province(owner)"});
    default:  // helper functions
      return g.one<std::string>({fmt::format("big(area, floors, {})", g.range(1, 9)),
                                 fmt::format("score(floors, ratio) > {}.5", g.range(0, 30))});
  }
}

std::string target(Gen& g) {
  switch (g.pick(8)) {
    case 0:
    case 1:
      return "province." + g.one(kProvinceAgencies);
    case 2:
      return "province";
    case 3:
      return "site." + g.one(kCommuneAgencies);
    case 4:
      return "site";
    case 5:
      return "commune." + g.one(kCommuneAgencies);
    case 6:
      return g.chance(50) ? "owner" : "owner.justice";
    default:
      return g.chance(50) ? "home" : "home." + g.one(kProvinceAgencies);
  }
}

void procedure(Gen& g, int file, int idx, std::string& out) {
  std::string name = fmt::format("G{}x{}", file, idx);
  int deadline = g.range(10, 40);
  std::string dl;
  switch (g.pick(6)) {
    case 0:
      dl = fmt::format("{} working days", deadline);
      break;
    case 1:
      dl = fmt::format("if urgent then {} working days else {} working days", deadline - 5,
                       deadline);
      break;
    case 2:
      dl = fmt::format(
          "lead(kind) + (if at_province(competent) then 5 working days else 0 working days)");
      break;
    case 3:
      dl = fmt::format("max({} working days, floors * 1 working days)", deadline);
      break;
    case 4:
      dl = fmt::format("{} working hours + min(floors, 3) * 8 working hours", deadline * 8);
      break;
    default:
      dl = fmt::format("{} calendar days", deadline + 10);
      break;
  }
  bool calendar = dl.find("calendar days") != std::string::npos;
  out += fmt::format("procedure {} {{\n  basis \"Nghị định {}/2025/NĐ-CP\"\n  deadline {}\n", name,
                     100 + idx, dl);
  if (g.chance(70)) {
    out += "  fee " +
           g.one<std::string>({"if area > 100 m2 then 50_000 VND else 20_000 VND",
                               "2_000 VND * floors", "min(capital / 100, 5_000_000 VND)",
                               "abs(capital - 1_000_000 VND) / 1000",
                               "max(1_500 VND * ratio, 0 VND)", "75_000 VND"}) +
           "\n";
  }
  if (!calendar && g.chance(60))
    out += fmt::format("  warn {} working days before due\n", g.range(1, 4));
  out +=
      "  dossier {\n    area : m2\n    floors : Int\n    capital : VND\n    capital_ref : VND = "
      "1_000 VND\n    kind : Kind = person\n    urgent : Bool = false\n    note : Text = \"\"\n"
      "    applicant : Person\n    submitted : Date\n    appointment : DateTime\n"
      "    ratio : Dec = 0.5\n    site : Commune\n    owner : Unit\n    home : Province\n";
  std::vector<std::string> reqs = {"area > 0 m2",
                                   fmt::format("floors in 1..{}", g.range(10, 40)),
                                   "capital >= 0 VND",
                                   fmt::format("len(note) <= {}", g.range(5, 60)),
                                   fmt::format("year(submitted) >= {}", g.range(2024, 2026)),
                                   fmt::format("ratio <= {}.{}", g.range(1, 9), g.range(0, 999)),
                                   "appointment >= 2025-07-01 07:30",
                                   "len(applicant) >= 1"};
  for (const auto& r : reqs) {
    if (g.chance(60)) out += fmt::format("    require {} else \"{} sai\"\n", r, r);
  }
  out += "  }\n";
  if (g.chance(80)) {
    out += "  route {\n";
    std::vector<int> fields = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    std::shuffle(fields.begin(), fields.end(),
                 std::mt19937(static_cast<unsigned>(g.pick(1 << 30))));
    int arms = g.range(1, 5);
    for (int a = 0; a < arms; ++a) {
      out += fmt::format("    when {} -> {}\n", condition(g, fields[static_cast<size_t>(a)]),
                         target(g));
    }
    out += fmt::format("    otherwise -> {}\n  }}\n", target(g));
  } else {
    out += g.chance(50) ? "  level commune\n" : "  level province\n";
  }
  const std::vector<std::string> handlers = {"receiving.one_stop", "competent",
                                             "competent.head",     "competent.officer",
                                             "site.economy",       "province.construction.head",
                                             "home.justice"};
  std::vector<std::string> step_names;
  int nsteps = g.range(0, 4);
  int budget_days = calendar ? 2 : 2;
  for (int s = 0; s < nsteps; ++s) {
    std::string sn = fmt::format("s{}", s);
    step_names.push_back(sn);
    std::string when = g.chance(30) ? " when " + condition(g, g.one<int>({0, 1, 3, 4, 8})) : "";
    std::string budget = g.chance(50) ? fmt::format("{} working days", g.range(1, budget_days))
                                      : fmt::format("{} working hours", g.range(1, 16));
    out += (s == 0 ? "  steps {\n" : "") + fmt::format("    {} by {} within {}{} yields r{}\n", sn,
                                                       g.one(handlers), budget, when, s);
  }
  if (nsteps > 0) out += "  }\n";
  out += "}\n\n";
  // Rules moving this procedure's competence, or a step's.
  int nrules = g.range(0, 3);
  for (int r = 0; r < nrules; ++r) {
    bool step_rule = !step_names.empty() && g.chance(50);
    std::string subject = step_rule ? name + "." + g.one(step_names) : name;
    std::string from = g.chance(50) ? "province." + g.one(kProvinceAgencies) : target(g);
    std::string when =
        g.chance(50) ? "  when " + condition(g, g.one<int>({0, 1, 3, 4, 8})) + "\n" : "";
    int y = g.range(2025, 2026), m = g.range(1, 12), d = g.range(1, 28);
    std::string period = fmt::format("  effective {}-{:02}-{:02}", y, m, d);
    if (g.chance(60)) period += fmt::format(" until {}-{:02}-{:02}", y + 1, m, d);
    if (step_rule && g.chance(40)) {
      out += fmt::format(
          "delegate {}.head\n  to {}.deputy\n  for {}\n{}\n  basis \"Quyết định ủy quyền {}\"\n\n",
          from == "province" ? "province.construction" : "province." + g.one(kProvinceAgencies),
          "province." + g.one(kProvinceAgencies), subject, period, r);
    } else {
      out +=
          fmt::format("decentralise {}\n  from {} to {}\n{}{}\n  basis \"Nghị định {}/2025\"\n\n",
                      subject, from, target(g), when, period, r);
    }
  }
}

}  // namespace

std::string generate_module(uint64_t seed, int procedures) {
  Gen g(seed);
  std::string out = fmt::format("module diff.gen{}\n\nuse std.vn\n\n", seed);
  out += "enum Kind { person, business, organisation }\n\n";
  out += "fn big(a: m2, f: Int, k: Int) -> Bool = a > 500 m2 or f > k\n";
  out += fmt::format("fn score(f: Int, r: Dec) -> Dec = f * r + {}.125\n", g.range(0, 5));
  out += fmt::format(
      "fn lead(k: Kind) -> working days = if k == person then {} working days else if k == "
      "business then {} working days else {} working days\n\n",
      g.range(5, 10), g.range(10, 20), g.range(20, 30));
  for (int i = 0; i < procedures; ++i) procedure(g, static_cast<int>(seed % 100000), i, out);
  return out;
}

}  // namespace hoso::difftest
