// Lowers a checked Program to the IR and the pack metadata the runtime
// reads. Runs only on programs without errors.
#include <fmt/format.h>

#include <map>

#include "check/domain.h"
#include "ir/interp.h"
#include "ir/lower.h"

namespace hoso::ir {

using ast::ExprId;
using ast::ExprKind;
using check::Resolution;
using check::TypeKind;

namespace {

constexpr int64_t kWorkingDayMinutes = 480;

uint64_t fnv1a(std::string_view s, uint64_t h = 1469598103934665603ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string source_slice(const base::SourceManager& sm, const base::Loc& l) {
  const auto& f = sm.file(l.file);
  std::string out;
  for (uint32_t line = l.line; line <= l.end_line && line <= f.line_starts.size(); ++line) {
    out += f.line_text(line);
    out += '\n';
  }
  return out;
}

rules::FieldType field_type(const check::Type& t) {
  switch (t.kind) {
    case TypeKind::Int:
      return rules::FieldType::Int;
    case TypeKind::Dec:
      return rules::FieldType::Dec;
    case TypeKind::Bool:
      return rules::FieldType::Bool;
    case TypeKind::Text:
      return rules::FieldType::Text;
    case TypeKind::Date:
      return rules::FieldType::Date;
    case TypeKind::DateTime:
      return rules::FieldType::DateTime;
    case TypeKind::Money:
      return rules::FieldType::Money;
    case TypeKind::Area:
      return rules::FieldType::Area;
    case TypeKind::WorkingDays:
      return rules::FieldType::WorkingDays;
    case TypeKind::WorkingHours:
      return rules::FieldType::WorkingHours;
    case TypeKind::CalendarDays:
      return rules::FieldType::CalendarDays;
    case TypeKind::Person:
      return rules::FieldType::Person;
    case TypeKind::Unit:
      return t.level == check::Level::Commune    ? rules::FieldType::Commune
             : t.level == check::Level::Province ? rules::FieldType::Province
                                                 : rules::FieldType::Unit;
    case TypeKind::Enum:
      return rules::FieldType::Enum;
    case TypeKind::Error:
      break;
  }
  return rules::FieldType::Int;
}

class Lowerer {
 public:
  Lowerer(const check::Program& p, const base::SourceManager& sm, diag::Diagnostics& diags,
          const rules::Registry& reg)
      : p_(p), sm_(sm), diags_(diags), reg_(reg) {}

  Module run() {
    Module m;
    m.meta.compiler_version = std::string(rules::compiler_version());
    if (const auto* l = p_.level("province")) {
      for (const auto& a : l->agencies) m.meta.province_agencies.push_back(a.name);
    }
    if (const auto* l = p_.level("commune")) {
      for (const auto& a : l->agencies) m.meta.commune_agencies.push_back(a.name);
    }
    meta_ = &m.meta;
    for (const auto& fn : p_.functions) {
      Function f;
      f.name = fn.decl->name;
      f.params = static_cast<uint32_t>(fn.params.size());
      arena_ = &f.arena;
      file_ = fn.file;
      f.body = expr(fn.decl->body);
      m.functions.push_back(std::move(f));
    }
    uint64_t all = 0;
    for (uint32_t i = 0; i < p_.procedures.size(); ++i) {
      procedure(m, i);
      all = fnv1a(m.meta.procedures.back().version, all);
    }
    m.meta.source_hash = fmt::format("{:016x}", all);
    for (const auto* f : p_.files) {
      for (const auto& d : f->decls) {
        const auto* c = std::get_if<ast::Chain>(&d);
        if (c == nullptr) continue;
        rules::ChainMeta cm;
        cm.name = c->name;
        cm.title = c->title;
        for (const auto& q : c->procedures) {
          auto it = p_.procedure_index.find(q.parts.back());
          if (it != p_.procedure_index.end()) cm.procedures.push_back(it->second);
        }
        m.meta.chains.push_back(std::move(cm));
      }
    }
    return m;
  }

  // An expectation of a test: over the dossier's slots, then the outputs
  // (competent, due, valid, fee) and one flag per `require` (1 = failed).
  NodeId test_expr(Arena& arena, uint32_t file, ExprId id, const check::ProcedureInfo* proc,
                   const rules::ProcedureMeta& meta) {
    arena_ = &arena;
    file_ = file;
    test_proc_ = proc;
    current_ = &meta;
    NodeId n = expr(id);
    test_proc_ = nullptr;
    current_ = nullptr;
    return n;
  }

  // Lowering tests adds their text literals to the module's string table.
  void attach(rules::PackMeta& meta) { meta_ = &meta; }

  NodeId value_expr(Arena& arena, uint32_t file, ExprId id) {
    arena_ = &arena;
    file_ = file;
    return expr(id);
  }

  int32_t role_index(rules::PackMeta& meta, const std::string& role) {
    if (role.empty()) return -1;
    for (size_t i = 0; i < meta.roles.size(); ++i) {
      if (meta.roles[i] == role) return static_cast<int32_t>(i);
    }
    meta.roles.push_back(role);
    return static_cast<int32_t>(meta.roles.size() - 1);
  }

 private:
  NodeId node(Op op, std::vector<NodeId> args = {}, int64_t imm = 0, int32_t index = 0,
              int32_t index2 = 0) {
    Node n;
    n.op = op;
    n.args = std::move(args);
    n.imm = imm;
    n.index = index;
    n.index2 = index2;
    return arena_->add(std::move(n));
  }
  NodeId konst(int64_t v) { return node(Op::Const, {}, v); }

  int32_t agency_index(const std::string& level, const std::string& agency) {
    if (agency.empty()) return 0;
    const check::LevelInfo* l = p_.level(level);
    if (l == nullptr) return -1;
    for (size_t i = 0; i < l->agencies.size(); ++i) {
      if (l->agencies[i].name == agency) return static_cast<int32_t>(i);
    }
    return -1;
  }

  UnitTarget unit_target(uint32_t up_index) {
    const check::UnitPath& up = p_.unit_paths[up_index];
    UnitTarget t;
    t.role = role_index(*meta_, up.role);
    int32_t pa = agency_index("province", up.agency);
    int32_t ca = agency_index("commune", up.agency);
    switch (up.base) {
      case check::UnitBase::Province:
        t.unit = node(Op::ProvinceAt, {node(Op::Receiving)}, 0, pa);
        break;
      case check::UnitBase::Commune:
        t.unit = node(Op::CommuneAt, {node(Op::Receiving)}, 0, ca);
        break;
      case check::UnitBase::Field: {
        NodeId slot = node(Op::Slot, {}, 0, static_cast<int32_t>(up.field));
        if (up.level == check::Level::Commune) {
          t.unit = node(Op::CommuneAt, {slot}, 0, ca);
        } else if (up.level == check::Level::Province) {
          t.unit = node(Op::ProvinceAt, {slot}, 0, pa);
        } else {
          t.unit = node(Op::UnitAt, {slot}, 0, pa, ca);
        }
        break;
      }
      case check::UnitBase::Literal: {
        int64_t place = HOSO_NO_UNIT;
        if (up.level == check::Level::Province) {
          if (auto pr = reg_.find_province(up.place)) place = hoso_province_unit(*pr, 0);
        } else if (auto c = reg_.find_commune(up.place)) {
          place = hoso_commune_unit(*c, 0);
        }
        t.unit = node(up.level == check::Level::Province ? Op::ProvinceAt : Op::CommuneAt,
                      {konst(place)}, 0, up.level == check::Level::Province ? pa : ca);
        break;
      }
      case check::UnitBase::Competent:
      case check::UnitBase::Receiving: {
        NodeId base = node(up.base == check::UnitBase::Competent ? Op::Competent : Op::Receiving);
        t.unit = up.agency.empty() ? base : node(Op::UnitAt, {base}, 0, pa, ca);
        break;
      }
    }
    return t;
  }

  NodeId minutes(ExprId id) {
    const check::Type& t = p_.type_of(file_, id);
    NodeId v = expr(id);
    switch (t.kind) {
      case TypeKind::WorkingDays:
        return node(Op::Mul, {v, konst(kWorkingDayMinutes)});
      case TypeKind::WorkingHours:
        return node(Op::Mul, {v, konst(60)});
      case TypeKind::CalendarDays:
        return node(Op::Mul, {v, konst(1440)});
      default:
        return v;
    }
  }

  const ast::File& file() const { return *p_.files[file_]; }

  NodeId expr(ExprId id) {
    const ast::Expr& e = file().expr(id);
    const Resolution& r = p_.resolved(file_, id);
    switch (e.kind) {
      case ExprKind::Number:
        return konst(e.milli);
      case ExprKind::Bool:
        return konst(e.bool_value ? 1 : 0);
      case ExprKind::String:
        return konst(string_index(e.text));
      case ExprKind::Date:
      case ExprKind::DateTime:
        return konst(e.time);
      case ExprKind::UnitLit: {
        if (e.text == "province") {
          auto pr = reg_.find_province(e.text2);
          if (pr) return konst(hoso_province_unit(*pr, 0));
        } else {
          auto c = reg_.find_commune(e.text2);
          if (c) return konst(hoso_commune_unit(*c, 0));
        }
        return konst(HOSO_NO_UNIT);  // the checker reported it (N0008)
      }
      case ExprKind::Name:
      case ExprKind::Member:
        return name(e, r);
      case ExprKind::Call:
        return call(e, r);
      case ExprKind::Neg:
        return node(Op::Neg, {expr(e.kids[0])});
      case ExprKind::Not:
        return node(Op::Not, {expr(e.kids[0])});
      case ExprKind::Binary:
        return binary(e);
      case ExprKind::InRange: {
        NodeId v = expr(e.kids[0]);
        NodeId v2 = expr(e.kids[0]);
        return node(Op::And,
                    {node(Op::Ge, {v, expr(e.kids[1])}), node(Op::Le, {v2, expr(e.kids[2])})});
      }
      case ExprKind::InSet: {
        std::optional<NodeId> acc;
        for (size_t i = 1; i < e.kids.size(); ++i) {
          NodeId eq = node(Op::Eq, {expr(e.kids[0]), expr(e.kids[i])});
          acc = acc ? node(Op::Or, {*acc, eq}) : eq;
        }
        return acc ? *acc : konst(0);
      }
      case ExprKind::If:
        return node(Op::Select, {expr(e.kids[0]), expr(e.kids[1]), expr(e.kids[2])});
    }
    return konst(0);
  }

  int64_t string_index(const std::string& s) {
    for (size_t i = 0; i < meta_->strings.size(); ++i) {
      if (meta_->strings[i] == s) return static_cast<int64_t>(i);
    }
    meta_->strings.push_back(s);
    return static_cast<int64_t>(meta_->strings.size() - 1);
  }

  NodeId name(const ast::Expr& e, const Resolution& r) {
    switch (r.kind) {
      case Resolution::Kind::Field:
        return node(Op::Slot, {}, 0, static_cast<int32_t>(r.index));
      case Resolution::Kind::Param:
        return node(Op::Param, {}, 0, static_cast<int32_t>(r.index));
      case Resolution::Kind::EnumValue:
        return konst(r.sub);
      case Resolution::Kind::UnitPath:
        return unit_target(r.index).unit;
      case Resolution::Kind::TestOutput:
        return node(Op::Slot, {}, 0, static_cast<int32_t>(rules::slot_count(*current_) + r.sub));
      default:
        diags_.report(diag::Kind::UnknownName, e.loc, "internal: unresolved name in lowering");
        return konst(0);
    }
  }

  NodeId call(const ast::Expr& e, const Resolution& r) {
    std::vector<NodeId> args;
    if (r.kind == Resolution::Kind::Builtin &&
        static_cast<check::Builtin>(r.sub) == check::Builtin::Failed) {
      // failed("message"): slot 4 + the index of the require with it.
      const ast::Expr& msg = file().expr(e.kids[0]);
      if (test_proc_ != nullptr) {
        const auto& reqs = test_proc_->decl->requires_;
        for (size_t i = 0; i < reqs.size(); ++i) {
          if (reqs[i].message == msg.text) {
            return node(Op::Slot, {}, 0,
                        static_cast<int32_t>(rules::slot_count(*current_) + 4 + i));
          }
        }
      }
      diags_
          .report(diag::Kind::UnknownName, msg.loc,
                  "no `require` of this procedure has the message \"" + msg.text + "\"")
          .suggestion = "copy the message from the procedure's `require ... else \"...\"`";
      return konst(0);
    }
    for (ExprId k : e.kids) args.push_back(expr(k));
    if (r.kind == Resolution::Kind::Function) {
      return node(Op::Call, std::move(args), 0, static_cast<int32_t>(r.index));
    }
    switch (static_cast<check::Builtin>(r.sub)) {
      case check::Builtin::Min:
        return node(Op::Min, std::move(args));
      case check::Builtin::Max:
        return node(Op::Max, std::move(args));
      case check::Builtin::Abs:
        return node(Op::Abs, std::move(args));
      case check::Builtin::AtProvince:
        return node(Op::IsProvince, std::move(args));
      case check::Builtin::Len: {
        // Text fields carry their length in a hidden slot after the fields
        // (rules::text_length_slot); literals are measured here.
        const ast::Expr& arg = file().expr(e.kids[0]);
        if (arg.kind == ExprKind::String) {
          return konst(static_cast<int64_t>(base::utf8_length(arg.text)) * 1000);
        }
        const Resolution& ar = p_.resolved(file_, e.kids[0]);
        if (ar.kind == Resolution::Kind::Field && current_ != nullptr) {
          return node(Op::Slot, {}, 0,
                      static_cast<int32_t>(rules::text_length_slot(*current_, ar.index)));
        }
        return konst(0);
      }
      case check::Builtin::Year: {
        const check::Type& t = p_.type_of(file_, e.kids[0]);
        if (t.kind == TypeKind::DateTime) {
          args[0] = node(Op::Div, {args[0], konst(1440 * 1000 * 1000LL)});
        }
        return node(Op::Year, std::move(args));
      }
      default:
        return konst(0);
    }
  }

  NodeId binary(const ast::Expr& e) {
    const check::Type& ta = p_.type_of(file_, e.kids[0]);
    const check::Type& tb = p_.type_of(file_, e.kids[1]);
    using ast::BinOp;
    NodeId a = expr(e.kids[0]);
    NodeId b = expr(e.kids[1]);
    switch (e.op) {
      case BinOp::And:
        return node(Op::And, {a, b});
      case BinOp::Or:
        return node(Op::Or, {a, b});
      case BinOp::Eq:
        return node(Op::Eq, {a, b});
      case BinOp::Ne:
        return node(Op::Ne, {a, b});
      case BinOp::Lt:
        return node(Op::Lt, {a, b});
      case BinOp::Le:
        return node(Op::Le, {a, b});
      case BinOp::Gt:
        return node(Op::Gt, {a, b});
      case BinOp::Ge:
        return node(Op::Ge, {a, b});
      case BinOp::Mul:
        return node(Op::Mul, {a, b});
      case BinOp::Div:
        return node(Op::Div, {a, b});
      case BinOp::Add:
      case BinOp::Sub: {
        bool sub = e.op == BinOp::Sub;
        if (ta.kind == TypeKind::Date && tb.kind == TypeKind::Date) {
          return node(Op::Mul, {node(Op::Sub, {a, b}), konst(1000 * 1000)});
        }
        if (ta.kind == TypeKind::Date || tb.kind == TypeKind::Date) {
          NodeId d = ta.kind == TypeKind::Date ? a : b;
          NodeId n = node(Op::DaysToInt, {ta.kind == TypeKind::Date ? b : a});
          return node(sub ? Op::Sub : Op::Add, {d, n});
        }
        if (ta.kind == TypeKind::DateTime && tb.is_duration()) {
          int64_t per = tb.kind == TypeKind::WorkingDays    ? kWorkingDayMinutes
                        : tb.kind == TypeKind::WorkingHours ? 60
                                                            : 1440;
          NodeId m = node(Op::Mul, {b, konst(per)});
          if (sub) m = node(Op::Neg, {m});
          if (tb.kind == TypeKind::CalendarDays) return node(Op::Add, {a, m});
          return node(Op::AddWorking, {a, m});
        }
        return node(sub ? Op::Sub : Op::Add, {a, b});
      }
    }
    return konst(0);
  }

  void procedure(Module& m, uint32_t index) {
    const check::ProcedureInfo& info = p_.procedures[index];
    const ast::Procedure& pr = *info.decl;
    Procedure proc;
    arena_ = &proc.arena;
    file_ = info.file;
    rules::ProcedureMeta meta;
    meta.name = pr.name;
    meta.code = pr.code ? pr.code->value : "";
    meta.title = pr.title ? pr.title->value : "";
    meta.module = info.module;
    meta.file = sm_.file(p_.files[info.file]->file_id).path;
    meta.sector = pr.sector ? pr.sector->value : "";
    meta.level = pr.level ? pr.level->value : "";
    meta.online = pr.online ? pr.online->value : "none";
    meta.supplement = pr.supplement ? pr.supplement->value : "pauses";
    for (const auto& b : pr.basis) meta.basis.push_back(b.value);
    std::string version_src = source_slice(sm_, pr.loc);

    for (size_t i = 0; i < info.fields.size(); ++i) {
      rules::FieldMeta f;
      f.name = info.fields[i].name;
      f.type = field_type(info.fields[i].type);
      if (info.fields[i].type.kind == TypeKind::Enum) {
        const auto& en = p_.enums[info.fields[i].type.enum_id];
        f.enum_name = en.name;
        f.enum_values = en.values;
      }
      if (pr.fields[i].init) {
        Arena scratch;
        NodeId n = value_expr(scratch, info.file, *pr.fields[i].init);
        f.has_default = true;
        f.default_value = eval_constant(m, scratch, n);
        if (f.type == rules::FieldType::Text || f.type == rules::FieldType::Person) {
          const ast::Expr& de = file().expr(*pr.fields[i].init);
          if (de.kind == ExprKind::String) f.default_text = de.text;
        }
        arena_ = &proc.arena;
      }
      meta.fields.push_back(std::move(f));
    }
    rules::lay_out(meta);
    current_ = &meta;
    for (const auto& r : pr.requires_) {
      proc.requires_.push_back({expr(r.cond)});
      meta.requires_.push_back({r.message, ast::expr_to_string(file(), r.cond), r.loc.line});
    }
    proc.has_route = pr.has_route;
    for (size_t i = 0; i < pr.route.size(); ++i) {
      const ast::RouteArm& a = pr.route[i];
      Arm arm;
      rules::ArmMeta am;
      if (a.cond) {
        arm.cond = expr(*a.cond);
        am.text = ast::expr_to_string(file(), *a.cond);
        std::map<uint32_t, bool> seen;
        collect_fields(*a.cond, seen);
        for (const auto& [fi, unused] : seen) am.fields.push_back(fi);
      } else {
        am.text = "otherwise";
      }
      am.target = a.target.str();
      am.line = a.loc.line;
      arm.target = unit_target(info.route_targets[i]);
      proc.arms.push_back(arm);
      meta.arms.push_back(std::move(am));
    }
    {
      bool prov = pr.level && pr.level->value == "province";
      proc.default_unit.unit =
          node(prov ? Op::ProvinceAt : Op::CommuneAt, {node(Op::Receiving)}, 0, 0);
    }
    for (uint32_t ri = 0; ri < p_.rules.size(); ++ri) {
      const check::RuleInfo& ri_info = p_.rules[ri];
      if (ri_info.procedure != static_cast<int32_t>(index)) continue;
      if (ri_info.from == UINT32_MAX || ri_info.to == UINT32_MAX) continue;
      const ast::AuthorityRule& ar = *ri_info.decl;
      file_ = ri_info.file;
      Rule rule;
      rule.decentralise = ar.kind == ast::AuthorityRule::Kind::Decentralise;
      rule.step = -1;
      if (!ri_info.step.empty()) {
        for (size_t s = 0; s < pr.steps.size(); ++s) {
          if (pr.steps[s].name == ri_info.step) rule.step = static_cast<int32_t>(s);
        }
      }
      rule.effective = ar.effective ? ar.effective->value : 0;
      rule.until = ar.until ? ar.until->value : INT32_MAX;
      rule.from = unit_target(ri_info.from);
      rule.to = unit_target(ri_info.to);
      if (ar.when) rule.when = expr(*ar.when);
      rules::RuleMeta rm;
      rm.kind = rule.decentralise ? "decentralise" : "delegate";
      rm.subject = rule.decentralise ? ar.subject.str() : ar.for_->str();
      rm.step = rule.step;
      rm.effective = rule.effective;
      rm.until = rule.until;
      rm.from = p_.unit_paths[ri_info.from].text;
      rm.to = p_.unit_paths[ri_info.to].text;
      rm.when = ar.when ? ast::expr_to_string(file(), *ar.when) : "";
      for (const auto& b : ar.basis) rm.basis.push_back(b.value);
      rm.file = sm_.file(p_.files[ri_info.file]->file_id).path;
      rm.line = ar.loc.line;
      version_src += source_slice(sm_, ar.loc);
      proc.rules.push_back(rule);
      meta.rules.push_back(std::move(rm));
      file_ = info.file;
    }
    if (pr.deadline) {
      proc.deadline = minutes(pr.deadline->value);
      meta.calendar_deadline = p_.type_of(file_, pr.deadline->value).kind == TypeKind::CalendarDays;
    }
    if (pr.fee) proc.fee = expr(pr.fee->value);
    if (pr.warn) proc.warn = minutes(pr.warn->value);
    for (size_t s = 0; s < pr.steps.size(); ++s) {
      const ast::Step& st = pr.steps[s];
      Step step;
      if (info.step_handlers[s] != UINT32_MAX) {
        step.handler = unit_target(info.step_handlers[s]);
      } else {
        step.handler.unit = konst(HOSO_NO_UNIT);
      }
      if (st.budget) step.budget = minutes(*st.budget);
      if (st.cond) step.cond = expr(*st.cond);
      proc.steps.push_back(step);
      meta.steps.push_back(
          {st.name, st.result.value_or(""), st.handler ? st.handler->str() : "", st.loc.line});
    }
    // `on late use <policy>`: the policy's actions (std.vn's or the file's own).
    const std::vector<ast::LateAction>* late = &pr.late;
    uint32_t late_file = info.file;
    if (pr.late_policy) {
      for (uint32_t fi = 0; fi < p_.files.size(); ++fi) {
        for (const auto& d : p_.files[fi]->decls) {
          const auto* pol = std::get_if<ast::Policy>(&d);
          if (pol != nullptr && pol->name == pr.late_policy->parts.back()) {
            late = &pol->actions;
            late_file = fi;
          }
        }
      }
    }
    for (size_t i = 0; i < late->size(); ++i) {
      const ast::LateAction& a = (*late)[i];
      rules::LateMeta lm;
      lm.kind = a.kind == ast::LateAction::Kind::Apologise ? "apologise"
                : a.kind == ast::LateAction::Kind::Notify  ? "notify"
                                                           : "escalate";
      lm.target = a.target.str();
      if (a.after) {
        lm.after_minutes = check::constant_working_minutes(p_, late_file, *a.after).value_or(0);
      }
      meta.late.push_back(lm);
    }
    meta.version = fmt::format("{:016x}", fnv1a(version_src));
    current_ = nullptr;
    m.procedures.push_back(std::move(proc));
    m.meta.procedures.push_back(std::move(meta));
  }

  void collect_fields(ExprId id, std::map<uint32_t, bool>& out) {
    const Resolution& r = p_.resolved(file_, id);
    if (r.kind == Resolution::Kind::Field) out[r.index] = true;
    if (r.kind == Resolution::Kind::UnitPath) {
      const check::UnitPath& up = p_.unit_paths[r.index];
      if (up.base == check::UnitBase::Field) out[up.field] = true;
    }
    for (ExprId k : file().expr(id).kids) collect_fields(k, out);
  }

  const check::Program& p_;
  const base::SourceManager& sm_;
  diag::Diagnostics& diags_;
  const rules::Registry& reg_;
  rules::PackMeta* meta_ = nullptr;
  Arena* arena_ = nullptr;
  uint32_t file_ = 0;
  const check::ProcedureInfo* test_proc_ = nullptr;
  const rules::ProcedureMeta* current_ = nullptr;  // layout of the procedure being lowered
};

}  // namespace

Module lower(const check::Program& p, const base::SourceManager& sm, diag::Diagnostics& diags,
             const rules::Registry& registry) {
  return Lowerer(p, sm, diags, registry).run();
}

std::vector<TestCase> lower_tests(const check::Program& p, const base::SourceManager& sm,
                                  diag::Diagnostics& diags, const rules::Registry& registry,
                                  Module& module) {
  std::vector<TestCase> out;
  Lowerer low(p, sm, diags, registry);
  low.attach(module.meta);
  for (uint32_t fi = 0; fi < p.files.size(); ++fi) {
    for (const auto& d : p.files[fi]->decls) {
      const auto* t = std::get_if<ast::Test>(&d);
      if (t == nullptr) continue;
      TestCase tc;
      tc.name = t->name;
      tc.file = sm.file(p.files[fi]->file_id).path;
      tc.line = t->loc.line;
      const check::ProcedureInfo* proc = nullptr;
      for (const auto& item : t->items) {
        if (item.kind == ast::TestItem::Kind::Given) {
          auto it = p.procedure_index.find(item.procedure.parts.back());
          if (it == p.procedure_index.end()) continue;
          proc = &p.procedures[it->second];
          tc.procedure = it->second;
          tc.received = item.received ? item.received->value : 0;
          tc.slots.assign(proc->fields.size(), 0);
          tc.set.assign(proc->fields.size(), false);
          for (const auto& init : item.inits) {
            auto idx = proc->field_index(init.name);
            if (!idx) continue;
            Arena scratch;
            NodeId n = low.value_expr(scratch, fi, init.value);
            tc.slots[*idx] = eval_constant(module, scratch, n);
            tc.set[*idx] = true;
          }
          if (item.received_at) {
            Arena scratch;
            NodeId n = low.value_expr(scratch, fi, *item.received_at);
            tc.receiving = eval_constant(module, scratch, n);
          }
        } else if (proc != nullptr) {
          Expectation e;
          e.line = item.loc.line;
          e.text = ast::expr_to_string(*p.files[fi], item.expect);
          e.node =
              low.test_expr(tc.arena, fi, item.expect, proc, module.meta.procedures[tc.procedure]);
          tc.expects.push_back(std::move(e));
        }
      }
      out.push_back(std::move(tc));
    }
  }
  return out;
}

}  // namespace hoso::ir
