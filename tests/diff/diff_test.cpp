// Differential tests: every procedure of rules/ (and examples/, the routing
// benchmark, a generated corpus) on generated dossiers through every engine
// this build has (the reference interpreter, the ORC JIT, an ahead-of-time
// pack), with identical hoso_decision results and identical due dates.
//
// HOSO_DIFF_DOSSIERS sets the dossiers per procedure (default 5,000; the
// `diff_full` test, labelled `long`, runs 100,000).
#include <gtest/gtest.h>

#include <bitset>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dossiers.h"
#include "driver/driver.h"
#include "engines.h"
#include "gen_procs.h"
#include "hoso/calendar.h"

namespace hoso::difftest {
namespace {

size_t dossiers_per_procedure() {
  const char* e = std::getenv("HOSO_DIFF_DOSSIERS");
  return e != nullptr ? static_cast<size_t>(std::strtoull(e, nullptr, 10)) : 5000;
}

std::string scratch() {
  auto dir = std::filesystem::path(HOSO_DIFF_SCRATCH_DIR);
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::string describe(const rules::Dossier& d, const rules::ProcedureMeta& p) {
  std::ostringstream os;
  os << p.name << " received " << calendar::format_instant(d.received) << " (" << d.received
     << ") at unit " << d.receiving_unit << ", slots {";
  for (size_t i = 0; i < d.slots.size(); ++i) {
    os << (i ? ", " : "") << (i < p.fields.size() ? p.fields[i].name : "#len") << "=" << d.slots[i];
  }
  os << "}";
  return os.str();
}

// "" when equal, else what differs.
std::string compare(const hoso_decision& a, const hoso_decision& b) {
  std::ostringstream os;
  auto field = [&](const char* name, int64_t x, int64_t y) {
    if (x != y) os << name << ": " << x << " vs " << y << "; ";
  };
  field("failed_requires", static_cast<int64_t>(a.failed_requires),
        static_cast<int64_t>(b.failed_requires));
  field("arm", a.arm, b.arm);
  field("rule", a.rule, b.rule);
  field("unit", a.unit, b.unit);
  field("deadline_minutes", a.deadline_minutes, b.deadline_minutes);
  field("fee", a.fee, b.fee);
  field("warn_minutes", a.warn_minutes, b.warn_minutes);
  field("steps_included", static_cast<int64_t>(a.steps_included),
        static_cast<int64_t>(b.steps_included));
  field("nsteps", a.nsteps, b.nsteps);
  field("overflow", a.overflow, b.overflow);
  for (int s = 0; s < a.nsteps && s < HOSO_MAX_STEPS && s < b.nsteps; ++s) {
    std::string pre = "step[" + std::to_string(s) + "].";
    field((pre + "role").c_str(), a.step_role[s], b.step_role[s]);
    field((pre + "rule").c_str(), a.step_rule[s], b.step_rule[s]);
    field((pre + "unit").c_str(), a.step_unit[s], b.step_unit[s]);
    if ((a.steps_included >> s & 1U) != 0) {
      field((pre + "budget").c_str(), a.step_budget[s], b.step_budget[s]);
    }
  }
  return os.str();
}

std::string compare(const rules::Due& a, const rules::Due& b) {
  std::ostringstream os;
  if (a.start != b.start) os << "start " << a.start << " vs " << b.start << "; ";
  if (a.due != b.due) os << "due " << a.due << " vs " << b.due << "; ";
  if (a.warn != b.warn) os << "warn " << a.warn << " vs " << b.warn << "; ";
  if (a.step_due != b.step_due) os << "step due dates differ; ";
  return os.str();
}

struct Stats {
  size_t procedures = 0, dossiers = 0, decisions = 0, invalid = 0, moved = 0, overflowed = 0;
};

// Runs `n` dossiers of every procedure of `m` through every engine.
void run_module(const ir::Module& m, size_t n, uint64_t seed, Stats& st) {
  std::string err;
  auto engines = make_engines(m, scratch(), &err);
  ASSERT_TRUE(err.empty()) << err;
  const auto& reg = rules::Registry::default_registry();
  const auto& cal = calendar::default_calendar();
  for (uint32_t p = 0; p < m.procedures.size(); ++p) {
    const rules::ProcedureMeta& meta = m.meta.procedures[p];
    std::vector<hoso_decide_fn> entries;
    for (const auto& e : engines) entries.push_back(e.decider->entry(p));
    DossierGen gen(m, p, seed * 1000003 + p);
    rules::Dossier d;
    size_t failures = 0;
    for (size_t i = 0; i < n; ++i) {
      gen.next(d);
      hoso_rt_ctx ctx = rules::make_context(d, reg, &cal);
      hoso_decision ref{};
      engines[0].decider->decide(p, d.slots.data(), &ctx, &ref);
      rules::Due ref_due = rules::compute_due(meta, d, ref, cal);
      st.invalid += ref.failed_requires != 0 ? 1 : 0;
      st.overflowed += ref.overflow != 0 ? 1 : 0;
      bool moved = ref.rule >= 0;
      for (int s = 0; s < ref.nsteps && s < HOSO_MAX_STEPS; ++s)
        moved = moved || ref.step_rule[s] >= 0;
      st.moved += moved ? 1 : 0;
      ++st.decisions;
      if (engines.size() == 1) {
        // Only the oracle in this build: it must at least be deterministic.
        hoso_decision again{};
        engines[0].decider->decide(p, d.slots.data(), &ctx, &again);
        std::string diff = compare(ref, again);
        if (!diff.empty() && failures++ < 3) {
          ADD_FAILURE() << "interp is not deterministic: " << diff << "\n  " << describe(d, meta);
        }
      }
      for (size_t e = 1; e < engines.size(); ++e) {
        // Through the Decider interface and through the raw entry point.
        for (int via = 0; via < (entries[e] != nullptr ? 2 : 1); ++via) {
          hoso_decision got;
          std::memset(&got, 0xA5, sizeof got);  // nothing may be left unwritten
          if (via == 0) {
            engines[e].decider->decide(p, d.slots.data(), &ctx, &got);
          } else {
            entries[e](rules::to_record(meta, d.slots.data()).data(), &ctx, &got);
          }
          ++st.decisions;
          std::string diff = compare(ref, got);
          if (diff.empty()) diff = compare(ref_due, rules::compute_due(meta, d, got, cal));
          if (!diff.empty() && failures++ < 3) {
            ADD_FAILURE() << engines[e].name << (via ? " (entry)" : "")
                          << " differs from interp: " << diff << "\n  dossier #" << i << ": "
                          << describe(d, meta);
          }
        }
      }
      ++st.dossiers;
    }
    if (failures > 3)
      ADD_FAILURE() << meta.name << ": " << failures << " differing dossiers in all";
    ++st.procedures;
  }
}

std::unique_ptr<driver::Compilation> compile_paths(const std::vector<std::string>& paths) {
  auto c = driver::compile(paths);
  if (!c) {
    ADD_FAILURE() << c.error().message;
    return nullptr;
  }
  if (!(*c)->module) {
    ADD_FAILURE() << paths[0] << " does not check clean";
    return nullptr;
  }
  return std::move(*c);
}

void report(const char* what, const Stats& st) {
  std::printf(
      "[diff] %s: %zu procedures, %zu dossiers, %zu decisions, %zu invalid, %zu moved by a "
      "rule, %zu overflowed\n",
      what, st.procedures, st.dossiers, st.decisions, st.invalid, st.moved, st.overflowed);
}

TEST(Diff, RulesFolder) {
  auto c = compile_paths({HOSO_SOURCE_DIR "/rules"});
  ASSERT_TRUE(c);
  Stats st;
  run_module(*c->module, dossiers_per_procedure(), 1, st);
  report("rules/", st);
  EXPECT_GE(st.procedures, 20U);
}

TEST(Diff, ExamplesAndRoutingBenchmark) {
  Stats st;
  for (const char* path : {HOSO_SOURCE_DIR "/examples", HOSO_SOURCE_DIR "/bench/routing"}) {
    auto c = compile_paths({path});
    ASSERT_TRUE(c);
    run_module(*c->module, dossiers_per_procedure(), 2, st);
  }
  report("examples/ and bench/routing/", st);
}

// Generated procedures: modules of 4 procedures from successive seeds, the
// ones that check clean, until there are at least 40 procedures.
TEST(Diff, GeneratedCorpus) {
  Stats st;
  size_t tried = 0, kept = 0;
  std::bitset<64> ops;
  for (uint64_t seed = 1; st.procedures < 40 && seed < 400; ++seed) {
    ++tried;
    std::string text = generate_module(seed, 4);
    if (const char* dump = std::getenv("HOSO_DIFF_DUMP_DIR")) {
      std::ofstream(std::string(dump) + "/gen" + std::to_string(seed) + ".hoso") << text;
    }
    auto c = driver::compile_sources({{"gen.hoso", text}});
    if (!c->module) continue;
    ++kept;
    for (const auto& p : c->module->procedures) {
      for (const auto& n : p.arena.nodes) ops.set(static_cast<size_t>(n.op));
    }
    for (const auto& f : c->module->functions) {
      for (const auto& n : f.arena.nodes) ops.set(static_cast<size_t>(n.op));
    }
    run_module(*c->module, dossiers_per_procedure(), seed, st);
    if (HasFailure()) break;
  }
  report("generated corpus", st);
  std::printf("[diff] generated modules: %zu tried, %zu checked clean\n", tried, kept);
  EXPECT_GE(st.procedures, 40U);
  // Some decisions overflow (the generator's huge magnitudes), and every
  // engine reported each of them (hoso_decision::overflow is compared).
  EXPECT_GT(st.overflowed, 0U);
  // The corpus reaches every operation of the IR.
  for (size_t op = 0; op <= static_cast<size_t>(ir::Op::IsProvince); ++op) {
    EXPECT_TRUE(ops.test(op)) << "no generated procedure uses ir::Op #" << op;
  }
}

TEST(DiffGenerator, FindsTheLimitsOfRequires) {
  auto c = compile_paths({HOSO_SOURCE_DIR "/rules/construction.hoso"});
  ASSERT_TRUE(c);
  const auto& m = *c->module;
  auto p = m.meta.procedure_index("HousePermit");
  ASSERT_TRUE(p);
  DossierGen gen(m, *p, 1);
  auto floors = m.meta.procedures[*p].field_index("floors");
  ASSERT_TRUE(floors);
  // require floors in 1..30, route floors > 7 (Int: x1000, and a unit either side).
  const auto& e = gen.edges(*floors);
  for (int64_t v : {0, 999, 1000, 1001, 2000, 29000, 30000, 31000, 7000, 8000}) {
    EXPECT_NE(std::find(e.begin(), e.end(), v), e.end()) << v;
  }
  auto area = m.meta.procedures[*p].field_index("area");
  ASSERT_TRUE(area);
  const auto& a = gen.edges(*area);
  for (int64_t v : {-1, 0, 1, 499999, 500000, 500001}) {
    EXPECT_NE(std::find(a.begin(), a.end(), v), a.end()) << v;
  }
  // HousePermit.sign moves on 2025-07-01 and back after 2027-02-28.
  const auto& rd = gen.rule_dates();
  for (auto d : {calendar::days_from_civil(2025, 6, 30), calendar::days_from_civil(2025, 7, 1),
                 calendar::days_from_civil(2027, 2, 28), calendar::days_from_civil(2027, 3, 1)}) {
    EXPECT_NE(std::find(rd.begin(), rd.end(), d), rd.end()) << calendar::format_date(d);
  }
}

}  // namespace
}  // namespace hoso::difftest
