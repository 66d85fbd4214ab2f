// `hoso check --dump-ir`: a stable text form of the IR for tests.
#include <fmt/format.h>

#include "ir/ir.h"

namespace hoso::ir {
namespace {

const char* op_name(Op op) {
  switch (op) {
    case Op::Const:
      return "const";
    case Op::Slot:
      return "slot";
    case Op::Param:
      return "param";
    case Op::Competent:
      return "competent";
    case Op::Receiving:
      return "receiving";
    case Op::Not:
      return "not";
    case Op::Neg:
      return "neg";
    case Op::And:
      return "and";
    case Op::Or:
      return "or";
    case Op::Add:
      return "add";
    case Op::Sub:
      return "sub";
    case Op::Mul:
      return "mul";
    case Op::Div:
      return "div";
    case Op::Eq:
      return "eq";
    case Op::Ne:
      return "ne";
    case Op::Lt:
      return "lt";
    case Op::Le:
      return "le";
    case Op::Gt:
      return "gt";
    case Op::Ge:
      return "ge";
    case Op::Select:
      return "select";
    case Op::Min:
      return "min";
    case Op::Max:
      return "max";
    case Op::Abs:
      return "abs";
    case Op::Call:
      return "call";
    case Op::DaysToInt:
      return "days";
    case Op::AddWorking:
      return "add_working";
    case Op::Year:
      return "year";
    case Op::ProvinceAt:
      return "province_at";
    case Op::CommuneAt:
      return "commune_at";
    case Op::UnitAt:
      return "unit_at";
    case Op::IsProvince:
      return "is_province";
  }
  return "?";
}

std::string expr(const Arena& a, NodeId id) {
  const Node& n = a.at(id);
  std::string s = op_name(n.op);
  switch (n.op) {
    case Op::Const:
      return std::to_string(n.imm);
    case Op::Slot:
    case Op::Param:
      return fmt::format("{}{}", n.op == Op::Slot ? "%" : "$", n.index);
    case Op::Competent:
    case Op::Receiving:
      return s;
    case Op::Call:
    case Op::ProvinceAt:
    case Op::CommuneAt:
      s += fmt::format("[{}]", n.index);
      break;
    case Op::UnitAt:
      s += fmt::format("[{},{}]", n.index, n.index2);
      break;
    default:
      break;
  }
  s += "(";
  for (size_t i = 0; i < n.args.size(); ++i) {
    if (i > 0) s += ", ";
    s += expr(a, n.args[i]);
  }
  return s + ")";
}

std::string target(const Arena& a, const UnitTarget& t, const rules::PackMeta& m) {
  std::string s = expr(a, t.unit);
  if (t.role >= 0) s += "." + m.roles[static_cast<size_t>(t.role)];
  return s;
}

}  // namespace

std::string dump(const Module& m) {
  std::string out;
  for (size_t fi = 0; fi < m.functions.size(); ++fi) {
    const Function& f = m.functions[fi];
    out += fmt::format("fn #{} {}({}) = {}\n", fi, f.name, f.params, expr(f.arena, f.body));
  }
  for (size_t pi = 0; pi < m.procedures.size(); ++pi) {
    const Procedure& p = m.procedures[pi];
    const rules::ProcedureMeta& meta = m.meta.procedures[pi];
    out += fmt::format("procedure {} version {} record {} bytes\n", meta.name, meta.version,
                       meta.record_size);
    // Each slot with its place in the record: @offset:width in bytes.
    auto at = [&](size_t slot) {
      if (slot >= meta.layout.size()) return std::string();
      return fmt::format(" @{}:{}", meta.layout[slot].offset, meta.layout[slot].width);
    };
    for (size_t i = 0; i < meta.fields.size(); ++i) {
      const auto& f = meta.fields[i];
      out += fmt::format("  slot %{} {} : {}{}{}\n", i, f.name, rules::field_type_name(f.type),
                         at(i), f.has_default ? fmt::format(" = {}", f.default_value) : "");
    }
    for (size_t i = 0; i < meta.fields.size(); ++i) {
      const auto t = meta.fields[i].type;
      if (t != rules::FieldType::Text && t != rules::FieldType::Person) continue;
      uint32_t len = rules::text_length_slot(meta, static_cast<uint32_t>(i));
      out += fmt::format("  slot %{} len({}){}\n", len, meta.fields[i].name, at(len));
    }
    for (size_t i = 0; i < p.requires_.size(); ++i) {
      out += fmt::format("  require {} else #{}\n", expr(p.arena, p.requires_[i].cond), i);
    }
    if (p.has_route) {
      for (const auto& arm : p.arms) {
        out += fmt::format("  arm {} -> {}\n", arm.cond ? expr(p.arena, *arm.cond) : "otherwise",
                           target(p.arena, arm.target, m.meta));
      }
    } else {
      out += fmt::format("  competent {}\n", target(p.arena, p.default_unit, m.meta));
    }
    for (const auto& r : p.rules) {
      out += fmt::format("  {} step {} [{}..{}] {} -> {}{}\n",
                         r.decentralise ? "decentralise" : "delegate", r.step, r.effective, r.until,
                         target(p.arena, r.from, m.meta), target(p.arena, r.to, m.meta),
                         r.when ? " when " + expr(p.arena, *r.when) : "");
    }
    if (p.deadline) out += fmt::format("  deadline {}\n", expr(p.arena, *p.deadline));
    if (p.fee) out += fmt::format("  fee {}\n", expr(p.arena, *p.fee));
    if (p.warn) out += fmt::format("  warn {}\n", expr(p.arena, *p.warn));
    for (size_t i = 0; i < p.steps.size(); ++i) {
      const Step& s = p.steps[i];
      out += fmt::format("  step {} by {}{}{}\n", meta.steps[i].name,
                         target(p.arena, s.handler, m.meta),
                         s.budget ? " within " + expr(p.arena, *s.budget) : "",
                         s.cond ? " when " + expr(p.arena, *s.cond) : "");
    }
  }
  return out;
}

}  // namespace hoso::ir
