#include "check/domain.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

namespace hoso::check {

using ast::ExprId;
using ast::ExprKind;
using base::Loc;
using diag::Kind;

namespace {

constexpr int64_t kMinutesPerWorkingDay = 8 * 60;

std::string days_text(int64_t minutes) {
  if (minutes % kMinutesPerWorkingDay == 0) {
    return fmt::format("{} working days", minutes / kMinutesPerWorkingDay);
  }
  return fmt::format("{} working days",
                     ast::format_number(minutes * ast::kScale / kMinutesPerWorkingDay, false));
}

// ---------------------------------------------------------------- abstract points
//
// Route and step analysis evaluates conditions at a finite set of points:
// for each field a condition compares with constants, the constants and
// their neighbours (every condition is piecewise constant between them), all
// values of bools and enums. Anything else evaluates to Unknown, and the
// analysis only reports what holds whatever Unknown turns out to be.

struct Val {
  enum class K { Unknown, Bool, Num, Enum } k = K::Unknown;
  bool b = false;
  int64_t n = 0;
  uint32_t e = 0;
  static Val unknown() { return {}; }
  static Val boolean(bool v) { return {K::Bool, v, 0, 0}; }
  static Val num(int64_t v) { return {K::Num, false, v, 0}; }
  static Val en(uint32_t v) { return {K::Enum, false, 0, v}; }
};

// Field index -> value (Unknown for fields the analysis does not vary).
using Point = std::vector<Val>;

class Abstract {
 public:
  Abstract(const Program& p, uint32_t file) : p_(p), f_(*p.files[file]), file_(file) {}

  Val eval(ExprId id, const Point& pt) const {
    const ast::Expr& e = f_.expr(id);
    const Resolution& r = p_.resolved(file_, id);
    switch (e.kind) {
      case ExprKind::Number:
        return Val::num(e.milli);
      case ExprKind::Bool:
        return Val::boolean(e.bool_value);
      case ExprKind::Date:
      case ExprKind::DateTime:
        return Val::num(e.time);
      case ExprKind::Name:
      case ExprKind::Member:
        if (r.kind == Resolution::Kind::Field) {
          return r.index < pt.size() ? pt[r.index] : Val::unknown();
        }
        if (r.kind == Resolution::Kind::EnumValue) return Val::en(r.sub);
        return Val::unknown();
      case ExprKind::Not: {
        Val v = eval(e.kids[0], pt);
        return v.k == Val::K::Bool ? Val::boolean(!v.b) : Val::unknown();
      }
      case ExprKind::Neg: {
        Val v = eval(e.kids[0], pt);
        return v.k == Val::K::Num ? Val::num(-v.n) : Val::unknown();
      }
      case ExprKind::Binary:
        return binary(e, pt);
      case ExprKind::InRange: {
        Val v = eval(e.kids[0], pt), lo = eval(e.kids[1], pt), hi = eval(e.kids[2], pt);
        if (v.k != Val::K::Num || lo.k != Val::K::Num || hi.k != Val::K::Num) return {};
        return Val::boolean(v.n >= lo.n && v.n <= hi.n);
      }
      case ExprKind::InSet: {
        Val v = eval(e.kids[0], pt);
        if (v.k == Val::K::Unknown) return {};
        bool any_unknown = false;
        for (size_t i = 1; i < e.kids.size(); ++i) {
          Val m = eval(e.kids[i], pt);
          if (m.k == Val::K::Unknown) {
            any_unknown = true;
          } else if (m.k == v.k && m.n == v.n && m.e == v.e && m.b == v.b) {
            return Val::boolean(true);
          }
        }
        return any_unknown ? Val::unknown() : Val::boolean(false);
      }
      case ExprKind::If: {
        Val c = eval(e.kids[0], pt);
        if (c.k != Val::K::Bool) return {};
        return eval(e.kids[c.b ? 1 : 2], pt);
      }
      default:
        return {};
    }
  }

  // Fields the expression reads, with the constants they are compared to.
  void collect(ExprId id, std::map<uint32_t, std::set<int64_t>>& out) const {
    const ast::Expr& e = f_.expr(id);
    const Resolution& r = p_.resolved(file_, id);
    if ((e.kind == ExprKind::Name || e.kind == ExprKind::Member) &&
        r.kind == Resolution::Kind::Field) {
      out[r.index];
    }
    if (e.kind == ExprKind::Binary || e.kind == ExprKind::InRange || e.kind == ExprKind::InSet) {
      // field OP constant: the constant splits the field's range.
      std::optional<uint32_t> field;
      for (ExprId k : e.kids) {
        const Resolution& kr = p_.resolved(file_, k);
        if (kr.kind == Resolution::Kind::Field) field = kr.index;
      }
      if (field) {
        for (ExprId k : e.kids) {
          Val v = eval(k, Point{});
          if (v.k == Val::K::Num) out[*field].insert(v.n);
        }
      }
    }
    for (ExprId k : e.kids) collect(k, out);
  }

 private:
  Val binary(const ast::Expr& e, const Point& pt) const {
    Val a = eval(e.kids[0], pt);
    Val b = eval(e.kids[1], pt);
    using ast::BinOp;
    if (e.op == BinOp::And) {
      if ((a.k == Val::K::Bool && !a.b) || (b.k == Val::K::Bool && !b.b)) {
        return Val::boolean(false);
      }
      if (a.k == Val::K::Bool && b.k == Val::K::Bool) return Val::boolean(true);
      return {};
    }
    if (e.op == BinOp::Or) {
      if ((a.k == Val::K::Bool && a.b) || (b.k == Val::K::Bool && b.b)) return Val::boolean(true);
      if (a.k == Val::K::Bool && b.k == Val::K::Bool) return Val::boolean(false);
      return {};
    }
    if (a.k == Val::K::Unknown || b.k == Val::K::Unknown || a.k != b.k) return {};
    switch (e.op) {
      case BinOp::Eq:
        return Val::boolean(a.n == b.n && a.e == b.e && a.b == b.b);
      case BinOp::Ne:
        return Val::boolean(!(a.n == b.n && a.e == b.e && a.b == b.b));
      default:
        break;
    }
    if (a.k != Val::K::Num) return {};
    switch (e.op) {
      case BinOp::Lt:
        return Val::boolean(a.n < b.n);
      case BinOp::Le:
        return Val::boolean(a.n <= b.n);
      case BinOp::Gt:
        return Val::boolean(a.n > b.n);
      case BinOp::Ge:
        return Val::boolean(a.n >= b.n);
      case BinOp::Add:
      case BinOp::Sub: {
        // Only same-kind quantities add as plain numbers; a date plus days
        // (different scales) is left to the real evaluator.
        if (p_.type_of(file_, e.kids[0]).kind != p_.type_of(file_, e.kids[1]).kind) return {};
        return Val::num(e.op == BinOp::Add ? a.n + b.n : a.n - b.n);
      }
      default:
        return {};
    }
  }

  const Program& p_;
  const ast::File& f_;
  uint32_t file_;
};

// All points over the enumerable fields in `fields`, or nullopt if too many.
// The points of an analysis, numbered 0..total-1 in mixed radix over the
// axes; a point is filled on demand into a reused buffer (no allocation per
// point).
struct Points {
  size_t nfields = 0;
  size_t total = 1;
  std::vector<std::pair<uint32_t, std::vector<Val>>> axes;
  void fill(size_t k, Point& pt) const {
    pt.assign(nfields, Val{});
    for (const auto& [fi, vals] : axes) {
      pt[fi] = vals[k % vals.size()];
      k /= vals.size();
    }
  }
};

std::optional<Points> points(const Program& p, const ProcedureInfo& proc,
                             const std::map<uint32_t, std::set<int64_t>>& fields) {
  std::vector<std::pair<uint32_t, std::vector<Val>>> axes;
  size_t total = 1;
  for (const auto& [fi, consts] : fields) {
    const Type& t = proc.fields[fi].type;
    std::vector<Val> vals;
    switch (t.kind) {
      case TypeKind::Bool:
        vals = {Val::boolean(false), Val::boolean(true)};
        break;
      case TypeKind::Enum:
        for (uint32_t v = 0; v < p.enums[t.enum_id].values.size(); ++v) vals.push_back(Val::en(v));
        break;
      case TypeKind::Int:
      case TypeKind::Dec:
      case TypeKind::Money:
      case TypeKind::Area:
      case TypeKind::WorkingDays:
      case TypeKind::WorkingHours:
      case TypeKind::CalendarDays:
      case TypeKind::Date:
      case TypeKind::DateTime: {
        // Int fields step by whole units, fixed-point fields by 0.001.
        int64_t step = t.kind == TypeKind::Int                                      ? ast::kScale
                       : (t.kind == TypeKind::Date || t.kind == TypeKind::DateTime) ? 1
                                                                                    : 1;
        std::set<int64_t> cands;
        for (int64_t c : consts) {
          cands.insert(c - step);
          cands.insert(c);
          cands.insert(c + step);
        }
        if (consts.empty()) cands.insert(0);
        cands.insert(*cands.begin() - 1000 * step);
        cands.insert(*cands.rbegin() + 1000 * step);
        for (int64_t c : cands) vals.push_back(Val::num(c));
        break;
      }
      default:
        continue;  // not enumerable: conditions on it stay Unknown
    }
    total *= vals.size();
    if (total > 50000) return std::nullopt;
    axes.emplace_back(fi, std::move(vals));
  }
  Points out;
  out.nfields = proc.fields.size();
  out.total = total;
  out.axes = std::move(axes);
  return out;
}

std::string describe_point(const Program& p, const ProcedureInfo& proc, const Point& pt) {
  std::string s;
  for (size_t fi = 0; fi < pt.size() && fi < proc.fields.size(); ++fi) {
    const Val& v = pt[fi];
    const FieldInfo& f = proc.fields[fi];
    std::string val;
    switch (v.k) {
      case Val::K::Bool:
        val = v.b ? "true" : "false";
        break;
      case Val::K::Enum:
        val = p.enums[f.type.enum_id].values[v.e];
        break;
      case Val::K::Num:
        if (f.type.kind == TypeKind::Date) {
          val = ast::format_date(static_cast<int32_t>(v.n));
        } else if (f.type.kind == TypeKind::DateTime) {
          val = ast::format_datetime(v.n);
        } else {
          val = ast::format_number(v.n, false);
          if (f.type.kind == TypeKind::Area) val += " m2";
          if (f.type.kind == TypeKind::Money) val += " VND";
        }
        break;
      case Val::K::Unknown:
        continue;
    }
    s += (s.empty() ? "" : ", ") + f.name + " = " + val;
  }
  return s.empty() ? "every dossier" : s;
}

class Domain {
 public:
  Domain(Program& p, diag::Diagnostics& d) : p_(p), diags_(d) {}

  void run() {
    for (const auto& proc : p_.procedures) {
      if (!proc.duplicate) procedure(proc);
    }
    authority_overlaps();
    recursion();
  }

 private:
  void procedure(const ProcedureInfo& info) {
    const ast::Procedure& pr = *info.decl;
    if (pr.basis.empty()) {
      diags_
          .report(Kind::MissingLegalBasis, pr.loc, "procedure `" + pr.name + "` has no legal basis")
          .suggestion = "add `basis \"Luật ..., Điều ...\"`: the six clears need a clear authority";
    }
    if (!pr.deadline) {
      diags_.report(Kind::MissingClause, pr.loc, "procedure `" + pr.name + "` has no deadline")
          .suggestion = "add `deadline N working days` (the statutory time limit)";
    }
    if (!pr.level && !pr.has_route) {
      diags_
          .report(Kind::MissingClause, pr.loc,
                  "procedure `" + pr.name + "` names no competent level and has no route")
          .suggestion = "add `level commune` or `level province`, or a `route` block";
    }
    steps(info);
    route(info);
    escalation(info);
  }

  void steps(const ProcedureInfo& info) {
    const ast::Procedure& pr = *info.decl;
    int64_t sum = 0;
    bool all_known = true;
    Loc last_budget;
    for (const auto& s : pr.steps) {
      if (!s.handler) {
        diags_.report(Kind::StepMissingHandler, s.loc, "step `" + s.name + "` has no handler")
            .suggestion = "add `by <unit or role>`, e.g. `by competent` or `by receiving.one_stop`";
      }
      if (!s.budget) {
        diags_.report(Kind::StepMissingBudget, s.loc, "step `" + s.name + "` has no time budget")
            .suggestion = "add `within N working days`";
        all_known = false;
      } else {
        auto m = constant_working_minutes(p_, info.file, *s.budget);
        if (m) {
          sum += *m;
          last_budget = p_.files[info.file]->expr(*s.budget).loc;
        } else {
          all_known = false;
        }
      }
      if (!s.result) {
        diags_.report(Kind::StepMissingResult, s.loc, "step `" + s.name + "` yields no result")
            .suggestion = "add `yields <result>`, e.g. `yields appraisal`";
      }
      if (s.cond) unreachable_step(info, s);
    }
    if (!pr.deadline) return;
    auto deadline = constant_working_minutes(p_, info.file, pr.deadline->value);
    // A deadline in calendar days or one that depends on the dossier: its
    // smallest value bounds the working time available (n calendar days hold
    // at most n working days), so steps longer than that are too long on
    // some dossier.
    std::string how = "";
    auto bound = deadline;
    if (!bound) {
      bound = smallest_deadline_minutes(info.file, pr.deadline->value);
      how = " at most";
    }
    if (bound && all_known && !pr.steps.empty() && sum > *bound) {
      auto& d = diags_.report(
          Kind::BudgetExceedsDeadline, pr.steps_loc,
          fmt::format("the steps of `{}` take {} but the statutory deadline allows{} {}", pr.name,
                      days_text(sum), how, days_text(*bound)));
      d.notes.push_back({pr.deadline->loc, "the deadline is set here"});
      d.notes.push_back({last_budget, "the last step budget is here"});
      d.suggestion = fmt::format("cut the step budgets by {}", days_text(sum - *bound));
    }
    if (pr.warn) {
      auto w = constant_working_minutes(p_, info.file, pr.warn->value);
      if (w && deadline && *w >= *deadline) {
        diags_
            .report(Kind::WarnExceedsDeadline, pr.warn->loc,
                    fmt::format("a warning {} before a deadline of {} fires at receipt",
                                days_text(*w), days_text(*deadline)))
            .suggestion = "warn fewer working days before the due date";
      }
    }
  }

  std::optional<int64_t> smallest_deadline_minutes(uint32_t file, ExprId id) {
    const ast::Expr& e = p_.files[file]->expr(id);
    if (e.kind == ExprKind::Number && e.unit == ast::UnitSuffix::CalendarDays) {
      return e.milli * kMinutesPerWorkingDay / ast::kScale;
    }
    if (e.kind == ExprKind::If) {
      auto a = smallest_deadline_minutes(file, e.kids[1]);
      auto b = smallest_deadline_minutes(file, e.kids[2]);
      if (a && b) return std::min(*a, *b);
      return std::nullopt;
    }
    return constant_working_minutes(p_, file, id);
  }

  void unreachable_step(const ProcedureInfo& info, const ast::Step& s) {
    Abstract abs(p_, info.file);
    std::map<uint32_t, std::set<int64_t>> fields;
    abs.collect(*s.cond, fields);
    for (const auto& r : info.decl->requires_) abs.collect(r.cond, fields);
    auto pts = points(p_, info, fields);
    if (!pts) return;
    Point pt;
    for (size_t k = 0; k < pts->total; ++k) {
      pts->fill(k, pt);
      if (!admissible(abs, info, pt)) continue;
      Val v = abs.eval(*s.cond, pt);
      if (v.k != Val::K::Bool || v.b) return;  // may hold
    }
    diags_
        .report(Kind::UnreachableStep, s.loc,
                "step `" + s.name + "` never runs: its condition `" +
                    ast::expr_to_string(*p_.files[info.file], *s.cond) +
                    "` is false for every dossier the `require` clauses accept")
        .suggestion = "fix the condition, or remove the step";
  }

  bool admissible(const Abstract& abs, const ProcedureInfo& info, const Point& pt) {
    for (const auto& r : info.decl->requires_) {
      Val v = abs.eval(r.cond, pt);
      if (v.k == Val::K::Bool && !v.b) return false;
    }
    return true;
  }

  void route(const ProcedureInfo& info) {
    const ast::Procedure& pr = *info.decl;
    if (!pr.has_route) return;
    // Arms after `otherwise` never run.
    bool has_otherwise = false;
    for (size_t i = 0; i < pr.route.size(); ++i) {
      if (has_otherwise) {
        auto& d = diags_.report(Kind::RouteArmsOverlap, pr.route[i].loc,
                                "this arm never matches: `otherwise` above takes every dossier");
        d.suggestion = "move `otherwise` to the end of the route";
        return;
      }
      if (!pr.route[i].cond) has_otherwise = true;
    }
    Abstract abs(p_, info.file);
    std::map<uint32_t, std::set<int64_t>> fields;
    for (const auto& a : pr.route) {
      if (a.cond) abs.collect(*a.cond, fields);
    }
    for (const auto& r : pr.requires_) abs.collect(r.cond, fields);
    auto pts = points(p_, info, fields);
    if (!pts) {
      if (!has_otherwise) {
        diags_
            .report(Kind::RouteNotExhaustive, pr.route_loc,
                    "cannot show that every dossier matches an arm of this route")
            .suggestion = "add `otherwise -> <unit>` as the last arm";
      }
      return;
    }
    std::vector<std::vector<Val>> vals(pr.route.size());
    std::vector<size_t> admitted;  // point numbers the requires accept
    Point pt;
    for (size_t k = 0; k < pts->total; ++k) {
      pts->fill(k, pt);
      if (!admissible(abs, info, pt)) continue;
      admitted.push_back(k);
      for (size_t i = 0; i < pr.route.size(); ++i) {
        vals[i].push_back(pr.route[i].cond ? abs.eval(*pr.route[i].cond, pt) : Val::boolean(true));
      }
    }
    // Shadowed arms: wherever arm i can match, an earlier arm surely matched.
    for (size_t i = 1; i < pr.route.size(); ++i) {
      if (!pr.route[i].cond) continue;
      bool can_win = false;
      bool known = true;
      size_t shadow = 0;
      for (size_t k = 0; k < admitted.size() && !can_win; ++k) {
        const Val& v = vals[i][k];
        if (v.k == Val::K::Unknown) known = false;
        if (v.k == Val::K::Bool && !v.b) continue;
        bool earlier = false;
        for (size_t j = 0; j < i; ++j) {
          if (vals[j][k].k == Val::K::Bool && vals[j][k].b) {
            earlier = true;
            shadow = j;
            break;
          }
          if (vals[j][k].k == Val::K::Unknown) known = false;
        }
        if (!earlier) can_win = true;
      }
      if (!can_win && known) {
        auto& d = diags_.report(Kind::RouteArmsOverlap, pr.route[i].loc,
                                "this arm never matches: earlier arms take every dossier it "
                                "would take");
        d.notes.push_back({pr.route[shadow].loc, "for example this arm, which wins first"});
        d.suggestion = "arms are tried in order; move this arm up or narrow the earlier one";
      }
    }
    if (has_otherwise) return;
    for (size_t k = 0; k < admitted.size(); ++k) {
      bool all_false = true;
      for (size_t i = 0; i < pr.route.size(); ++i) {
        if (!(vals[i][k].k == Val::K::Bool && !vals[i][k].b)) all_false = false;
      }
      if (all_false || pr.route.empty()) {
        pts->fill(admitted[k], pt);
        auto& d = diags_.report(
            Kind::RouteNotExhaustive, pr.route_loc,
            "this route sends some dossiers nowhere, e.g. " + describe_point(p_, info, pt));
        d.suggestion = "add `otherwise -> <unit>` or an arm for these dossiers";
        return;
      }
    }
    bool any_unknown = false;
    for (size_t i = 0; i < pr.route.size(); ++i) {
      for (const auto& v : vals[i]) any_unknown = any_unknown || v.k == Val::K::Unknown;
    }
    if (any_unknown || admitted.empty()) {
      diags_
          .report(Kind::RouteNotExhaustive, pr.route_loc,
                  "cannot show that every dossier matches an arm of this route")
          .suggestion = "add `otherwise -> <unit>` as the last arm";
    }
  }

  Level path_level(uint32_t up) const {
    if (up == UINT32_MAX) return Level::Any;
    return p_.unit_paths[up].level;
  }

  void escalation(const ProcedureInfo& info) {
    const ast::Procedure& pr = *info.decl;
    bool reaches_province = pr.level && pr.level->value == "province";
    for (uint32_t t : info.route_targets) reaches_province |= path_level(t) == Level::Province;
    for (size_t i = 0; i < pr.late.size() && i < info.late_targets.size(); ++i) {
      const ast::LateAction& a = pr.late[i];
      if (a.kind != ast::LateAction::Kind::Escalate) continue;
      uint32_t up = info.late_targets[i];
      if (up == UINT32_MAX) continue;
      const UnitPath& u = p_.unit_paths[up];
      if (u.base == UnitBase::Competent && u.role.empty()) {
        diags_
            .report(Kind::EscalationWrongLevel, a.target.loc,
                    "escalating to `competent` sends the dossier back to the unit that is late")
            .suggestion = "escalate to its head (`competent.head`) or to the level above";
      } else if (u.level == Level::Commune && reaches_province) {
        diags_
            .report(Kind::EscalationWrongLevel, a.target.loc,
                    "`" + u.text + "` is a commune unit, but `" + pr.name +
                        "` can be handled at the province level: escalation goes up, not down")
            .suggestion =
            "escalate to a province unit, e.g. `province.people_committee.chairman` "
            "or `province.home_affairs`";
      }
    }
  }

  // Two rules moving the same competence (procedure/step, from the same
  // holder) over overlapping periods, with no condition telling them apart.
  void authority_overlaps() {
    for (size_t i = 0; i < p_.rules.size(); ++i) {
      for (size_t j = i + 1; j < p_.rules.size(); ++j) {
        const RuleInfo& a = p_.rules[i];
        const RuleInfo& b = p_.rules[j];
        if (a.decl->kind != b.decl->kind || a.procedure < 0 || a.procedure != b.procedure ||
            a.step != b.step || !a.decl->effective || !b.decl->effective) {
          continue;
        }
        if (a.decl->kind == ast::AuthorityRule::Kind::Delegate &&
            (a.from == UINT32_MAX || b.from == UINT32_MAX ||
             p_.unit_paths[a.from].text != p_.unit_paths[b.from].text)) {
          continue;
        }
        std::string ca = a.decl->when ? ast::expr_to_string(*p_.files[a.file], *a.decl->when) : "";
        std::string cb = b.decl->when ? ast::expr_to_string(*p_.files[b.file], *b.decl->when) : "";
        if (ca != cb) continue;
        int32_t a0 = a.decl->effective->value, b0 = b.decl->effective->value;
        int32_t a1 = a.decl->until ? a.decl->until->value : INT32_MAX;
        int32_t b1 = b.decl->until ? b.decl->until->value : INT32_MAX;
        if (a1 < a0 || b1 < b0) continue;  // an empty period is D0014
        if (a0 <= b1 && b0 <= a1) {
          int32_t from = std::max(a0, b0), to = std::min(a1, b1);
          std::string period = "from " + ast::format_date(from) +
                               (to == INT32_MAX ? " on" : " until " + ast::format_date(to));
          const char* word =
              a.decl->kind == ast::AuthorityRule::Kind::Decentralise ? "decentralise" : "delegate";
          auto& d = diags_.report(Kind::OverlappingAuthority, b.decl->loc,
                                  fmt::format("two {} rules move `{}` {}", word,
                                              a.decl->kind == ast::AuthorityRule::Kind::Decentralise
                                                  ? a.decl->subject.str()
                                                  : a.decl->for_->str(),
                                              period));
          d.notes.push_back({a.decl->loc, "the other rule is here"});
          d.suggestion = "end the first with `until` the day before the second takes effect";
        }
      }
    }
  }

  void recursion() {
    // Call graph between user functions; a cycle is an error on each member.
    size_t n = p_.functions.size();
    std::vector<std::vector<uint32_t>> calls(n);
    for (size_t i = 0; i < n; ++i) {
      const FunctionInfo& fn = p_.functions[i];
      std::function<void(ExprId)> walk = [&](ExprId id) {
        const ast::Expr& e = p_.files[fn.file]->expr(id);
        const Resolution& r = p_.resolved(fn.file, id);
        if (e.kind == ExprKind::Call && r.kind == Resolution::Kind::Function) {
          calls[i].push_back(r.index);
        }
        for (ExprId k : e.kids) walk(k);
      };
      walk(fn.decl->body);
    }
    std::vector<int> state(n, 0);  // 0 new, 1 on stack, 2 done
    std::vector<uint32_t> stack;
    std::set<uint32_t> reported;
    std::function<void(uint32_t)> dfs = [&](uint32_t u) {
      state[u] = 1;
      stack.push_back(u);
      for (uint32_t v : calls[u]) {
        if (state[v] == 1) {
          auto it = std::find(stack.begin(), stack.end(), v);
          std::string cycle;
          for (auto k = it; k != stack.end(); ++k) cycle += p_.functions[*k].decl->name + " -> ";
          cycle += p_.functions[v].decl->name;
          if (reported.insert(v).second) {
            diags_
                .report(Kind::RecursiveFunction, p_.functions[v].decl->loc,
                        "function `" + p_.functions[v].decl->name + "` calls itself: " + cycle)
                .suggestion =
                "Hoso functions may not recurse, so every rule terminates; "
                "write the cases out";
          }
        } else if (state[v] == 0) {
          dfs(v);
        }
      }
      stack.pop_back();
      state[u] = 2;
    };
    for (uint32_t i = 0; i < n; ++i) {
      if (state[i] == 0) dfs(i);
    }
  }

  Program& p_;
  diag::Diagnostics& diags_;
};

}  // namespace

std::optional<int64_t> constant_working_minutes(const Program& p, uint32_t file, ExprId id) {
  const ast::Expr& e = p.files[file]->expr(id);
  if (e.kind == ExprKind::Number) {
    if (e.unit == ast::UnitSuffix::WorkingDays) {
      return e.milli * kMinutesPerWorkingDay / ast::kScale;
    }
    if (e.unit == ast::UnitSuffix::WorkingHours) return e.milli * 60 / ast::kScale;
    return std::nullopt;
  }
  if (e.kind == ExprKind::Binary && (e.op == ast::BinOp::Add || e.op == ast::BinOp::Sub)) {
    auto a = constant_working_minutes(p, file, e.kids[0]);
    auto b = constant_working_minutes(p, file, e.kids[1]);
    if (a && b) return e.op == ast::BinOp::Add ? *a + *b : *a - *b;
  }
  return std::nullopt;
}

void run_domain_checks(Program& p, const base::SourceManager&, diag::Diagnostics& diags) {
  Domain(p, diags).run();
}

}  // namespace hoso::check
