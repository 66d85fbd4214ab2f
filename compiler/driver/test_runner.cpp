#include "driver/test_runner.h"

#include <fmt/format.h>

#include <set>

#include "ir/interp.h"

namespace hoso::driver {
namespace {

// Formats a value seen by an expectation, knowing which output it came from.
std::string show(int64_t v, const ir::Arena& arena, ir::NodeId side, uint32_t nslots,
                 const rules::PackMeta& meta) {
  const ir::Node& n = arena.at(side);
  const auto& reg = rules::Registry::default_registry();
  auto kind = [&]() -> int {
    if (n.op == ir::Op::Slot && static_cast<uint32_t>(n.index) >= nslots) {
      return static_cast<int>(static_cast<uint32_t>(n.index) - nslots);
    }
    return -1;
  };
  int k = kind();
  bool unit_like =
      n.op == ir::Op::ProvinceAt || n.op == ir::Op::CommuneAt || n.op == ir::Op::UnitAt || k == 0;
  if (unit_like) return rules::unit_text(v, meta, reg);
  if (k == 1) return v < 0 ? "none" : calendar::format_instant(v);
  if (k == 2) return v != 0 ? "true" : "false";
  if (k == 3) return fmt::format("{} VND", v / 1000);
  if (n.op == ir::Op::Const && v > 10000000 && v < 200000000) {
    return calendar::format_instant(v);  // a date-time literal
  }
  if (v % 1000 == 0) return std::to_string(v / 1000);
  return fmt::format("{:.3f}", static_cast<double>(v) / 1000);
}

}  // namespace

TestReport run_tests(const Compilation& c, const rules::Decider& engine,
                     const calendar::Calendar& cal) {
  TestReport report;
  const auto& meta = engine.meta();
  const auto& reg = rules::Registry::default_registry();
  // Coverage: per procedure, what any test exercised.
  std::vector<std::set<std::string>> seen(meta.procedures.size());
  for (const auto& tc : c.tests) {
    TestResult r;
    r.name = tc.name;
    r.file = tc.file;
    r.line = tc.line;
    const rules::ProcedureMeta& p = meta.procedures[tc.procedure];
    rules::Dossier d;
    d.procedure = tc.procedure;
    d.received = tc.received;
    d.receiving_unit = tc.receiving;
    uint32_t n = rules::slot_count(p);
    d.slots.assign(n, 0);
    for (uint32_t i = 0; i < p.fields.size(); ++i) {
      const auto& f = p.fields[i];
      bool set = i < tc.set.size() && tc.set[i];
      d.slots[i] = set ? tc.slots[i] : (f.has_default ? f.default_value : 0);
      if (f.type == rules::FieldType::Text || f.type == rules::FieldType::Person) {
        std::string s =
            set ? (tc.slots[i] >= 0 && static_cast<size_t>(tc.slots[i]) < meta.strings.size()
                       ? meta.strings[static_cast<size_t>(tc.slots[i])]
                       : "")
                : f.default_text;
        d.slots[rules::text_length_slot(p, i)] = static_cast<int64_t>(base::utf8_length(s)) * 1000;
      }
    }
    hoso_rt_ctx ctx = rules::make_context(d, reg, &cal);
    hoso_decision dec{};
    engine.decide(tc.procedure, d.slots.data(), &ctx, &dec);
    rules::Due due = rules::compute_due(p, d, dec, cal);
    std::vector<int64_t> env = d.slots;
    env.push_back(dec.unit);
    env.push_back(due.due);
    env.push_back(rules::decision_valid(dec) ? 1 : 0);
    env.push_back(dec.fee);
    for (size_t i = 0; i < p.requires_.size(); ++i) env.push_back((dec.failed_requires >> i) & 1U);
    for (const auto& e : tc.expects) {
      int64_t v = ir::eval(*c.module, tc.arena, e.node, env.data(), &ctx);
      if (v != 0) continue;
      Failure f;
      f.line = e.line;
      f.expectation = e.text;
      const ir::Node& node = tc.arena.at(e.node);
      if (node.args.size() == 2 &&
          (node.op == ir::Op::Eq || node.op == ir::Op::Ne || node.op == ir::Op::Lt ||
           node.op == ir::Op::Le || node.op == ir::Op::Gt || node.op == ir::Op::Ge)) {
        int64_t lhs = ir::eval(*c.module, tc.arena, node.args[0], env.data(), &ctx);
        int64_t rhs = ir::eval(*c.module, tc.arena, node.args[1], env.data(), &ctx);
        f.actual = show(lhs, tc.arena, node.args[0], n, meta);
        f.expected = show(rhs, tc.arena, node.args[1], n, meta);
      } else {
        f.expected = "true";
        f.actual = "false";
      }
      // The numbers of an overflowed decision are wrapped: say so next to them.
      if (dec.overflow != 0) f.actual += " (a computation of the rules overflowed)";
      r.failures.push_back(std::move(f));
    }
    r.passed = r.failures.empty();
    (r.passed ? report.passed : report.failed)++;
    report.results.push_back(std::move(r));
    auto& s = seen[tc.procedure];
    if (dec.arm >= 0) s.insert(fmt::format("arm{}", dec.arm));
    for (size_t i = 0; i < p.requires_.size(); ++i) {
      if ((dec.failed_requires >> i) & 1U) s.insert(fmt::format("req{}", i));
    }
    for (size_t i = 0; i < p.steps.size(); ++i) {
      if ((dec.steps_included >> i) & 1U) s.insert(fmt::format("step{}", i));
      if (dec.step_rule[i] >= 0) s.insert(fmt::format("rule{}", dec.step_rule[i]));
    }
    if (dec.rule >= 0) s.insert(fmt::format("rule{}", dec.rule));
  }
  for (size_t pi = 0; pi < meta.procedures.size(); ++pi) {
    const auto& p = meta.procedures[pi];
    const auto& s = seen[pi];
    for (size_t i = 0; i < p.arms.size(); ++i) {
      if (s.count(fmt::format("arm{}", i)) == 0) {
        report.uncovered.push_back(
            {p.file, p.arms[i].line, fmt::format("{}: route arm `{}`", p.name, p.arms[i].text)});
      }
    }
    for (size_t i = 0; i < p.requires_.size(); ++i) {
      if (s.count(fmt::format("req{}", i)) == 0) {
        report.uncovered.push_back({p.file, p.requires_[i].line,
                                    fmt::format("{}: require \"{}\" (no test makes it fail)",
                                                p.name, p.requires_[i].message)});
      }
    }
    for (size_t i = 0; i < p.steps.size(); ++i) {
      if (s.count(fmt::format("step{}", i)) == 0) {
        report.uncovered.push_back(
            {p.file, p.steps[i].line, fmt::format("{}: step {}", p.name, p.steps[i].name)});
      }
    }
    for (size_t i = 0; i < p.rules.size(); ++i) {
      if (s.count(fmt::format("rule{}", i)) == 0) {
        report.uncovered.push_back({p.rules[i].file, p.rules[i].line,
                                    fmt::format("{}: {} rule ({} -> {})", p.name, p.rules[i].kind,
                                                p.rules[i].from, p.rules[i].to)});
      }
    }
  }
  return report;
}

}  // namespace hoso::driver
