// Name resolution and typing. Domain checks (budgets, routes, authority
// periods, recursion...) run afterwards in domain.cpp on the typed Program.
#include "check/check.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "check/domain.h"

namespace hoso::check {

using ast::ExprId;
using ast::ExprKind;
using base::Loc;
using diag::Kind;

bool Type::is_quantity() const {
  switch (kind) {
    case TypeKind::Int:
    case TypeKind::Dec:
    case TypeKind::Money:
    case TypeKind::Area:
    case TypeKind::WorkingDays:
    case TypeKind::WorkingHours:
    case TypeKind::CalendarDays:
      return true;
    default:
      return false;
  }
}

const AgencyInfo* LevelInfo::agency(const std::string& n) const {
  for (const auto& a : agencies) {
    if (a.name == n) return &a;
  }
  return nullptr;
}
const RoleInfo* LevelInfo::role(const std::string& n) const {
  for (const auto& r : roles) {
    if (r.name == n) return &r;
  }
  return nullptr;
}

const LevelInfo* Program::level(const std::string& name) const {
  for (const auto& l : levels) {
    if (l.name == name) return &l;
  }
  return nullptr;
}

std::optional<uint32_t> ProcedureInfo::field_index(const std::string& n) const {
  for (uint32_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == n) return i;
  }
  return std::nullopt;
}

std::string type_name(const Program& p, const Type& t) {
  switch (t.kind) {
    case TypeKind::Error:
      return "<error>";
    case TypeKind::Int:
      return "Int";
    case TypeKind::Dec:
      return "Dec";
    case TypeKind::Bool:
      return "Bool";
    case TypeKind::Text:
      return "Text";
    case TypeKind::Date:
      return "Date";
    case TypeKind::DateTime:
      return "DateTime";
    case TypeKind::Money:
      return "VND";
    case TypeKind::Area:
      return "m2";
    case TypeKind::WorkingDays:
      return "working days";
    case TypeKind::WorkingHours:
      return "working hours";
    case TypeKind::CalendarDays:
      return "calendar days";
    case TypeKind::Person:
      return "Person";
    case TypeKind::Unit: {
      std::string s = t.role ? "role" : "unit";
      if (t.level == Level::Province) return "province " + s;
      if (t.level == Level::Commune) return "commune " + s;
      return s;
    }
    case TypeKind::Enum:
      return t.enum_id < p.enums.size() ? p.enums[t.enum_id].name : "enum";
  }
  return "?";
}

namespace {

bool same_family(const Type& a, const Type& b) {
  auto textual = [](TypeKind k) { return k == TypeKind::Text || k == TypeKind::Person; };
  if (textual(a.kind) && textual(b.kind)) return true;
  if (a.kind == b.kind) {
    return a.kind != TypeKind::Enum || a.enum_id == b.enum_id;
  }
  return a.is_numeric() && b.is_numeric();
}

Type numeric_join(const Type& a, const Type& b) {
  if (a.kind == TypeKind::Dec || b.kind == TypeKind::Dec) return Type::of(TypeKind::Dec);
  return Type::of(TypeKind::Int);
}

struct Symbol {
  enum class Kind { Procedure, Enum, Function, Policy, Chain, Test, Scenario };
  Kind kind;
  uint32_t index;
  uint32_t file;
  std::string module;
  Loc loc;
};

const char* symbol_word(Symbol::Kind k) {
  switch (k) {
    case Symbol::Kind::Procedure:
      return "procedure";
    case Symbol::Kind::Enum:
      return "enum";
    case Symbol::Kind::Function:
      return "function";
    case Symbol::Kind::Policy:
      return "policy";
    case Symbol::Kind::Chain:
      return "chain";
    case Symbol::Kind::Test:
      return "test";
    case Symbol::Kind::Scenario:
      return "scenario";
  }
  return "name";
}

struct Ctx {
  uint32_t file = 0;
  const ProcedureInfo* proc = nullptr;
  const FunctionInfo* fn = nullptr;
  bool test = false;  // expect expressions: outputs are visible
};

class Checker {
 public:
  Checker(Program& p, const std::vector<ast::File>& files, diag::Diagnostics& diags,
          const rules::Registry& registry)
      : p_(p), files_(files), diags_(diags), registry_(registry) {}

  void run() {
    for (const auto& f : files_) {
      p_.files.push_back(&f);
      p_.types.emplace_back(f.exprs.size());
      p_.resolution.emplace_back(f.exprs.size());
      modules_.push_back(f.module ? f.module->str() : std::string());
    }
    check_uses();
    collect();
    for (uint32_t fi = 0; fi < files_.size(); ++fi) {
      for (const auto& d : files_[fi].decls) {
        if (const auto* pr = std::get_if<ast::Procedure>(&d)) procedure_fields(fi, *pr);
      }
    }
    for (auto& fn : p_.functions) function_body(fn);
    for (auto& pr : p_.procedures) {
      if (!pr.duplicate) procedure_body(pr);
    }
    for (uint32_t fi = 0; fi < files_.size(); ++fi) {
      for (const auto& d : files_[fi].decls) {
        if (const auto* r = std::get_if<ast::AuthorityRule>(&d)) rule(fi, *r);
        if (const auto* t = std::get_if<ast::Test>(&d)) test(fi, *t);
        if (const auto* s = std::get_if<ast::Scenario>(&d)) scenario(fi, *s);
        if (const auto* c = std::get_if<ast::Chain>(&d)) chain(fi, *c);
        if (const auto* po = std::get_if<ast::Policy>(&d)) policy(fi, *po);
      }
    }
  }

 private:
  // ------------------------------------------------------------ modules

  void check_uses() {
    std::set<std::string> loaded(modules_.begin(), modules_.end());
    for (uint32_t fi = 0; fi < files_.size(); ++fi) {
      for (const auto& u : files_[fi].uses) {
        if (loaded.count(u.str()) == 0) {
          std::vector<std::string> names(loaded.begin(), loaded.end());
          auto& d = diags_.report(Kind::UnknownModule, u.loc,
                                  "no loaded file declares `module " + u.str() + "`");
          std::string near = base::closest(u.str(), names);
          d.suggestion = near.empty() ? "pass the file or folder that holds it to hoso"
                                      : "did you mean `" + near + "`?";
        }
      }
    }
  }

  // Files see their own module, the modules they use, and files with no
  // module line (scripts and tests) see everything they use plus each other.
  bool visible(uint32_t from_file, const std::string& module) const {
    if (modules_[from_file] == module) return true;
    for (const auto& u : files_[from_file].uses) {
      if (u.str() == module) return true;
    }
    return false;
  }

  // ------------------------------------------------------------ declarations

  void define(const std::string& name, Symbol sym) {
    auto range = symbols_.equal_range(name);
    for (auto it = range.first; it != range.second; ++it) {
      if (it->second.module == sym.module && it->second.kind != Symbol::Kind::Test) {
        auto& d = diags_.report(
            Kind::DuplicateDefinition, sym.loc,
            fmt::format("`{}` is already defined as a {} in module `{}`", name,
                        symbol_word(it->second.kind), sym.module.empty() ? "(none)" : sym.module));
        d.notes.push_back({it->second.loc, "first defined here"});
        d.suggestion = "rename one of them";
        return;
      }
    }
    symbols_.emplace(name, sym);
  }

  void collect() {
    for (uint32_t fi = 0; fi < files_.size(); ++fi) {
      const std::string& mod = modules_[fi];
      for (const auto& d : files_[fi].decls) {
        if (const auto* l = std::get_if<ast::LevelDecl>(&d)) {
          level(*l);
        } else if (const auto* e = std::get_if<ast::EnumDecl>(&d)) {
          EnumInfo info{e->name, mod, {}};
          std::set<std::string> seen;
          for (const auto& v : e->values) {
            if (!seen.insert(v.value).second) {
              diags_.report(Kind::DuplicateDefinition, v.loc,
                            "`" + v.value + "` appears twice in enum `" + e->name + "`");
            }
            info.values.push_back(v.value);
          }
          define(e->name,
                 {Symbol::Kind::Enum, static_cast<uint32_t>(p_.enums.size()), fi, mod, e->loc});
          p_.enums.push_back(std::move(info));
        } else if (const auto* fn = std::get_if<ast::Function>(&d)) {
          define(fn->name, {Symbol::Kind::Function, static_cast<uint32_t>(p_.functions.size()), fi,
                            mod, fn->loc});
          FunctionInfo info;
          info.decl = fn;
          info.file = fi;
          p_.functions.push_back(info);
        } else if (const auto* pr = std::get_if<ast::Procedure>(&d)) {
          define(pr->name, {Symbol::Kind::Procedure, static_cast<uint32_t>(p_.procedures.size()),
                            fi, mod, pr->loc});
          ProcedureInfo info;
          info.decl = pr;
          info.file = fi;
          info.module = mod;
          info.duplicate =
              !p_.procedure_index.emplace(pr->name, static_cast<uint32_t>(p_.procedures.size()))
                   .second;
          const ProcedureInfo* first =
              info.duplicate ? &p_.procedures[p_.procedure_index.at(pr->name)] : nullptr;
          if (first != nullptr && first->module != mod) {
            // define() reports a clash within one module; procedure names
            // are global, since a dossier names its procedure.
            auto& diag = diags_.report(
                Kind::DuplicateDefinition, pr->loc,
                fmt::format("procedure `{}` is already defined in module `{}`; procedure names "
                            "are global (a dossier names its procedure)",
                            pr->name, first->module.empty() ? "(none)" : first->module));
            diag.notes.push_back({first->decl->loc, "first defined here"});
            diag.suggestion = "rename one of them";
          }
          p_.procedures.push_back(std::move(info));
        } else if (const auto* po = std::get_if<ast::Policy>(&d)) {
          define(po->name, {Symbol::Kind::Policy, 0, fi, mod, po->loc});
          policies_.emplace(po->name, po);
        } else if (const auto* c = std::get_if<ast::Chain>(&d)) {
          define(c->name, {Symbol::Kind::Chain, 0, fi, mod, c->loc});
        }
      }
    }
    // Signatures need enums, so they come after the first pass.
    for (auto& fn : p_.functions) {
      for (const auto& prm : fn.decl->params) fn.params.push_back(type_ref(fn.file, prm.type));
      fn.result = type_ref(fn.file, fn.decl->result);
    }
  }

  void level(const ast::LevelDecl& l) {
    for (const auto& existing : p_.levels) {
      if (existing.name == l.name) {
        auto& d = diags_.report(Kind::DuplicateDefinition, l.loc,
                                "level `" + l.name + "` is declared twice");
        d.notes.push_back({existing.loc, "first declared here"});
        return;
      }
    }
    LevelInfo info{l.name, l.title, l.loc, {}, {}};
    std::set<std::string> seen;
    auto unique = [&](const std::string& n, const Loc& loc) {
      if (!seen.insert(n).second) {
        diags_.report(Kind::DuplicateDefinition, loc,
                      "`" + n + "` is declared twice in level `" + l.name + "`");
        return false;
      }
      return true;
    };
    for (const auto& a : l.agencies) {
      if (!unique(a.name, a.loc)) continue;
      AgencyInfo ai{a.name, a.title, a.loc, {}};
      for (const auto& r : a.roles) ai.roles.push_back({r.name, r.title, r.loc});
      info.agencies.push_back(std::move(ai));
    }
    for (const auto& r : l.roles) {
      if (unique(r.name, r.loc)) info.roles.push_back({r.name, r.title, r.loc});
    }
    p_.levels.push_back(std::move(info));
  }

  // Finds a visible symbol of one of `kinds`; reports N0001 when missing.
  const Symbol* lookup(uint32_t file, const ast::QName& q,
                       std::initializer_list<Symbol::Kind> kinds, bool report = true,
                       Kind missing = Kind::UnknownName) {
    std::string name = q.parts.empty() ? "" : q.parts.back();
    std::string module;
    for (size_t i = 0; i + 1 < q.parts.size(); ++i) module += (i ? "." : "") + q.parts[i];
    const Symbol* hidden = nullptr;
    auto range = symbols_.equal_range(name);
    for (auto it = range.first; it != range.second; ++it) {
      const Symbol& s = it->second;
      if (std::find(kinds.begin(), kinds.end(), s.kind) == kinds.end()) continue;
      if (!module.empty() && s.module != module) continue;
      if (visible(file, s.module) || !module.empty()) return &s;
      hidden = &s;
    }
    if (!report) return nullptr;
    if (hidden != nullptr) {
      auto& d = diags_.report(missing, q.loc,
                              "`" + name + "` is defined in module `" + hidden->module +
                                  "`, which this file does not use");
      d.suggestion = "add `use " + hidden->module + "` at the top of the file";
      return nullptr;
    }
    std::vector<std::string> cands;
    for (const auto& [n, s] : symbols_) {
      if (std::find(kinds.begin(), kinds.end(), s.kind) != kinds.end()) cands.push_back(n);
    }
    std::string what = symbol_word(*kinds.begin());
    auto& d = diags_.report(missing, q.loc, "unknown " + what + " `" + q.str() + "`");
    std::string near = base::closest(name, cands);
    if (!near.empty()) d.suggestion = "did you mean `" + near + "`?";
    return nullptr;
  }

  Type type_ref(uint32_t file, const ast::TypeRef& t) {
    switch (t.kind) {
      case ast::TypeRef::Kind::WorkingDays:
        return Type::of(TypeKind::WorkingDays);
      case ast::TypeRef::Kind::WorkingHours:
        return Type::of(TypeKind::WorkingHours);
      case ast::TypeRef::Kind::CalendarDays:
        return Type::of(TypeKind::CalendarDays);
      case ast::TypeRef::Kind::Named:
        break;
    }
    static const std::vector<std::pair<std::string, Type>> builtins = {
        {"Int", Type::of(TypeKind::Int)},          {"Dec", Type::of(TypeKind::Dec)},
        {"Bool", Type::of(TypeKind::Bool)},        {"Text", Type::of(TypeKind::Text)},
        {"Date", Type::of(TypeKind::Date)},        {"DateTime", Type::of(TypeKind::DateTime)},
        {"VND", Type::of(TypeKind::Money)},        {"m2", Type::of(TypeKind::Area)},
        {"Person", Type::of(TypeKind::Person)},    {"Commune", Type::unit(Level::Commune)},
        {"Province", Type::unit(Level::Province)}, {"Unit", Type::unit(Level::Any)},
    };
    std::string n = t.name.str();
    for (const auto& [bn, bt] : builtins) {
      if (bn == n) return bt;
    }
    if (const Symbol* s = lookup(file, t.name, {Symbol::Kind::Enum}, false)) {
      Type et = Type::of(TypeKind::Enum);
      et.enum_id = s->index;
      return et;
    }
    std::vector<std::string> cands;
    for (const auto& [bn, bt] : builtins) cands.push_back(bn);
    for (const auto& e : p_.enums) cands.push_back(e.name);
    auto& d = diags_.report(Kind::UnknownType, t.loc, "unknown type `" + n + "`");
    std::string near = base::closest(n, cands);
    if (n == "days" || n == "day") {
      d.suggestion = "did you mean `working days` or `calendar days`?";
    } else if (!near.empty()) {
      d.suggestion = "did you mean `" + near + "`?";
    } else {
      d.suggestion =
          "types are Int, Dec, Bool, Text, Date, DateTime, VND, m2, Person, Commune, "
          "Province, Unit, working days, working hours, calendar days, or an enum";
    }
    return Type{};
  }

  // ------------------------------------------------------------ unit paths

  // Resolves `province.construction`, `site.economy`, `competent.head`...
  std::optional<uint32_t> unit_path(const Ctx& ctx, const std::vector<std::string>& parts, Loc loc,
                                    Kind missing = Kind::UnknownUnit) {
    UnitPath up;
    for (size_t i = 0; i < parts.size(); ++i) up.text += (i ? "." : "") + parts[i];
    if (parts.empty()) return std::nullopt;
    const std::string& b = parts[0];
    std::vector<const LevelInfo*> levels;
    if (b == "province" || b == "commune") {
      up.base = b == "province" ? UnitBase::Province : UnitBase::Commune;
      up.level = b == "province" ? Level::Province : Level::Commune;
      if (const LevelInfo* l = p_.level(b)) levels.push_back(l);
    } else if (b == "competent" || b == "receiving") {
      up.base = b == "competent" ? UnitBase::Competent : UnitBase::Receiving;
      for (const auto& l : p_.levels) levels.push_back(&l);
    } else if (ctx.proc != nullptr && ctx.proc->field_index(b) &&
               ctx.proc->fields[*ctx.proc->field_index(b)].type.kind == TypeKind::Unit) {
      up.base = UnitBase::Field;
      up.field = *ctx.proc->field_index(b);
      up.level = ctx.proc->fields[up.field].type.level;
      if (up.level == Level::Province) {
        if (const LevelInfo* l = p_.level("province")) levels.push_back(l);
      } else if (up.level == Level::Commune) {
        if (const LevelInfo* l = p_.level("commune")) levels.push_back(l);
      } else {
        for (const auto& l : p_.levels) levels.push_back(&l);
      }
    } else if (ctx.proc != nullptr && ctx.proc->field_index(b)) {
      const Type& t = ctx.proc->fields[*ctx.proc->field_index(b)].type;
      diags_
          .report(Kind::NotAUnit, loc,
                  "`" + b + "` is a " + type_name(p_, t) + " field, not a unit")
          .suggestion = "only fields of type Commune, Province or Unit name a unit";
      return std::nullopt;
    } else {
      std::vector<std::string> cands = {"province", "commune", "competent", "receiving"};
      if (ctx.proc != nullptr) {
        for (const auto& f : ctx.proc->fields) {
          if (f.type.kind == TypeKind::Unit) cands.push_back(f.name);
        }
      }
      auto& d = diags_.report(missing, loc, "`" + b + "` is not a unit");
      std::string near = base::closest(b, cands);
      d.suggestion = near.empty() ? "a unit path starts with province, commune, competent, "
                                    "receiving or a dossier field of type Commune or Province"
                                  : "did you mean `" + near + "`?";
      return std::nullopt;
    }
    if (p_.levels.empty() && parts.size() > 1) {
      auto& d = diags_.report(missing, loc, "no administrative levels are declared");
      d.suggestion = "add `use std.vn`, which declares the province and commune levels";
      return std::nullopt;
    }
    size_t i = 1;
    if (i < parts.size()) {
      const std::string& m = parts[i];
      bool found = false;
      for (const LevelInfo* l : levels) {
        if (l->agency(m) != nullptr) {
          up.agency = m;
          found = true;
          if (up.level == Level::Any && levels.size() > 1) {
            // competent.<agency>: the level is known only at run time
          }
          break;
        }
        if (l->role(m) != nullptr) {
          up.role = m;
          found = true;
          break;
        }
      }
      bool implicit =
          std::find(implicit_roles().begin(), implicit_roles().end(), m) != implicit_roles().end();
      if (!found && implicit) {
        up.role = m;
        found = true;
      }
      if (!found) {
        std::vector<std::string> cands = implicit_roles();
        for (const LevelInfo* l : levels) {
          for (const auto& a : l->agencies) cands.push_back(a.name);
          for (const auto& r : l->roles) cands.push_back(r.name);
        }
        std::string where = up.level == Level::Province  ? "province level"
                            : up.level == Level::Commune ? "commune level"
                                                         : "any level";
        auto& d = diags_.report(
            missing, loc, "`" + up.text + "`: `" + m + "` is no agency or role at the " + where);
        std::string near = base::closest(m, cands);
        d.suggestion = near.empty() ? "declare it in a `level` block (see stdlib/std/vn.hoso)"
                                    : "did you mean `" + near + "`?";
        return std::nullopt;
      }
      ++i;
    }
    if (i < parts.size()) {
      const std::string& r = parts[i];
      bool ok = up.role.empty() && !up.agency.empty();
      if (ok) {
        bool implicit = std::find(implicit_roles().begin(), implicit_roles().end(), r) !=
                        implicit_roles().end();
        bool declared = false;
        for (const LevelInfo* l : levels) {
          if (const AgencyInfo* a = l->agency(up.agency)) {
            for (const auto& ro : a->roles) declared = declared || ro.name == r;
          }
        }
        ok = implicit || declared;
      }
      if (!ok) {
        auto& d = diags_.report(missing, loc, "`" + up.text + "`: `" + r + "` is not a role here");
        d.suggestion =
            "every agency has the roles head, deputy and officer; others are declared "
            "inside the agency's block";
        return std::nullopt;
      }
      up.role = r;
      ++i;
    }
    if (i < parts.size()) {
      diags_.report(missing, loc, "`" + up.text + "` is too long for a unit path").suggestion =
          "a unit path is base[.agency][.role], e.g. province.construction.head";
      return std::nullopt;
    }
    p_.unit_paths.push_back(up);
    return static_cast<uint32_t>(p_.unit_paths.size() - 1);
  }

  std::optional<uint32_t> unit_path(const Ctx& ctx, const ast::QName& q,
                                    Kind missing = Kind::UnknownUnit) {
    return unit_path(ctx, q.parts, q.loc, missing);
  }

  // ------------------------------------------------------------ expressions

  Type set(const Ctx& ctx, ExprId id, Type t) {
    p_.types[ctx.file][id.v] = t;
    return t;
  }

  void mismatch(const Ctx& ctx, const ast::Expr& e, const std::string& what, const Type& a,
                const Type& b, const std::string& help = "") {
    if (a.is_error() || b.is_error()) return;
    auto& d = diags_.report(
        Kind::TypeMismatch, e.loc,
        fmt::format("{}: `{}` and `{}` do not mix", what, type_name(p_, a), type_name(p_, b)));
    if (!help.empty()) d.suggestion = help;
    (void)ctx;
  }

  // Flattens `a.b.c` into names when the chain starts at a plain name.
  bool member_chain(const ast::File& f, ExprId id, std::vector<std::string>& out) {
    const ast::Expr& e = f.expr(id);
    if (e.kind == ExprKind::Name) {
      out.push_back(e.text);
      return true;
    }
    if (e.kind == ExprKind::Member && member_chain(f, e.kids[0], out)) {
      out.push_back(e.text);
      return true;
    }
    return false;
  }

  Type expr(const Ctx& ctx, ExprId id) {
    const ast::File& f = files_[ctx.file];
    const ast::Expr& e = f.expr(id);
    switch (e.kind) {
      case ExprKind::Number:
        return set(ctx, id, number(e));
      case ExprKind::String:
        return set(ctx, id, Type::of(TypeKind::Text));
      case ExprKind::Date:
        return set(ctx, id, Type::of(TypeKind::Date));
      case ExprKind::DateTime:
        return set(ctx, id, Type::of(TypeKind::DateTime));
      case ExprKind::Bool:
        return set(ctx, id, Type::of(TypeKind::Bool));
      case ExprKind::UnitLit:
        place(e.text, e.text2, e.loc);
        return set(ctx, id, Type::unit(e.text == "province" ? Level::Province : Level::Commune));
      case ExprKind::Name:
        return set(ctx, id, name(ctx, id, e));
      case ExprKind::Member:
        return set(ctx, id, member(ctx, id, e));
      case ExprKind::Call:
        return set(ctx, id, call(ctx, id, e));
      case ExprKind::Neg: {
        Type t = expr(ctx, e.kids[0]);
        if (!t.is_error() && !t.is_quantity()) {
          diags_.report(Kind::TypeMismatch, e.loc, "cannot negate a " + type_name(p_, t));
          return set(ctx, id, Type{});
        }
        return set(ctx, id, t);
      }
      case ExprKind::Not: {
        Type t = expr(ctx, e.kids[0]);
        bool_operand(ctx, e.kids[0], t, "`not`");
        return set(ctx, id, Type::of(TypeKind::Bool));
      }
      case ExprKind::Binary:
        return set(ctx, id, binary(ctx, e));
      case ExprKind::InRange: {
        Type v = expr(ctx, e.kids[0]);
        Type lo = expr(ctx, e.kids[1]);
        Type hi = expr(ctx, e.kids[2]);
        if (!same_family(v, lo)) {
          mismatch(ctx, f.expr(e.kids[1]), "range bound", v, lo, unit_help(f, e.kids[1], v));
        } else if (!same_family(v, hi)) {
          mismatch(ctx, f.expr(e.kids[2]), "range bound", v, hi, unit_help(f, e.kids[2], v));
        }
        return set(ctx, id, Type::of(TypeKind::Bool));
      }
      case ExprKind::InSet: {
        Type v = expr(ctx, e.kids[0]);
        for (size_t i = 1; i < e.kids.size(); ++i) {
          Type m = expr(ctx, e.kids[i]);
          if (!same_family(v, m) && !(v.kind == TypeKind::Unit && m.kind == TypeKind::Unit)) {
            mismatch(ctx, f.expr(e.kids[i]), "set member", v, m);
          }
        }
        return set(ctx, id, Type::of(TypeKind::Bool));
      }
      case ExprKind::If: {
        Type c = expr(ctx, e.kids[0]);
        bool_operand(ctx, e.kids[0], c, "`if`");
        Type a = expr(ctx, e.kids[1]);
        Type b = expr(ctx, e.kids[2]);
        if (!same_family(a, b)) {
          mismatch(ctx, e, "the branches of `if`", a, b);
          return set(ctx, id, Type{});
        }
        return set(ctx, id, a.is_numeric() && b.is_numeric() ? numeric_join(a, b) : a);
      }
    }
    return Type{};
  }

  // `commune "Sa Pa"` must name a place of the registry.
  void place(const std::string& level, const std::string& name, const Loc& loc) {
    bool known = level == "province" ? registry_.find_province(name).has_value()
                                     : registry_.find_commune(name).has_value();
    if (!known) {
      diags_
          .report(Kind::UnknownPlace, loc,
                  "no " + level + " named \"" + name + "\" in the registry")
          .suggestion = "use a name from the registry of places (see docs/language.md)";
    }
  }

  Type number(const ast::Expr& e) {
    switch (e.unit) {
      case ast::UnitSuffix::None:
        return Type::of(e.is_decimal ? TypeKind::Dec : TypeKind::Int);
      case ast::UnitSuffix::WorkingDays:
        return Type::of(TypeKind::WorkingDays);
      case ast::UnitSuffix::WorkingHours:
        return Type::of(TypeKind::WorkingHours);
      case ast::UnitSuffix::CalendarDays:
        return Type::of(TypeKind::CalendarDays);
      case ast::UnitSuffix::VND:
        return Type::of(TypeKind::Money);
      case ast::UnitSuffix::M2:
        return Type::of(TypeKind::Area);
      case ast::UnitSuffix::BareDays: {
        std::string n = ast::format_number(e.milli, false);
        auto& d = diags_.report(Kind::AmbiguousDays, e.loc,
                                "`" + n + " days` does not say which days count");
        d.suggestion = "did you mean `" + n + " working days`? (or `" + n +
                       " calendar days`, which count weekends and holidays)";
        return Type{};
      }
      case ast::UnitSuffix::BareHours: {
        std::string n = ast::format_number(e.milli, false);
        auto& d = diags_.report(Kind::AmbiguousDays, e.loc,
                                "`" + n + " hours` does not say which hours count");
        d.suggestion = "did you mean `" + n + " working hours`?";
        return Type{};
      }
    }
    return Type{};
  }

  std::string unit_help(const ast::File& f, ExprId id, const Type& want) {
    const ast::Expr& e = f.expr(id);
    if (e.kind != ExprKind::Number || e.unit != ast::UnitSuffix::None) return "";
    std::string n = ast::format_number(e.milli, false);
    switch (want.kind) {
      case TypeKind::Area:
        return "did you mean `" + n + " m2`?";
      case TypeKind::Money:
        return "did you mean `" + n + " VND`?";
      case TypeKind::WorkingDays:
        return "did you mean `" + n + " working days`?";
      case TypeKind::WorkingHours:
        return "did you mean `" + n + " working hours`?";
      case TypeKind::CalendarDays:
        return "did you mean `" + n + " calendar days`?";
      default:
        return "";
    }
  }

  void bool_operand(const Ctx& ctx, ExprId id, const Type& t, const std::string& where) {
    if (t.is_error() || t.kind == TypeKind::Bool) return;
    const ast::Expr& e = files_[ctx.file].expr(id);
    diags_
        .report(Kind::ConditionNotBool, e.loc,
                where + " needs a Bool, but this is a " + type_name(p_, t))
        .suggestion = "compare it with something, e.g. `x > 0`";
  }

  Type name(const Ctx& ctx, ExprId id, const ast::Expr& e) {
    auto& res = p_.resolution[ctx.file][id.v];
    if (e.text == "<error>") return Type{};
    if (ctx.fn != nullptr) {
      for (uint32_t i = 0; i < ctx.fn->decl->params.size(); ++i) {
        if (ctx.fn->decl->params[i].name == e.text) {
          res = {Resolution::Kind::Param, i, 0};
          return ctx.fn->params[i];
        }
      }
    }
    if (ctx.proc != nullptr) {
      if (auto fi = ctx.proc->field_index(e.text)) {
        res = {Resolution::Kind::Field, *fi, 0};
        return ctx.proc->fields[*fi].type;
      }
    }
    if (ctx.test) {
      static const std::vector<std::pair<std::string, std::pair<TestOutput, Type>>> outs = {
          {"competent", {TestOutput::Competent, Type::unit(Level::Any)}},
          {"due", {TestOutput::Due, Type::of(TypeKind::DateTime)}},
          {"valid", {TestOutput::Valid, Type::of(TypeKind::Bool)}},
          {"fee", {TestOutput::Fee, Type::of(TypeKind::Money)}},
      };
      for (const auto& [n, o] : outs) {
        if (n == e.text) {
          res = {Resolution::Kind::TestOutput, 0, static_cast<uint32_t>(o.first)};
          return o.second;
        }
      }
    }
    if (ctx.fn == nullptr && (e.text == "province" || e.text == "commune" ||
                              e.text == "competent" || e.text == "receiving")) {
      if (auto up = unit_path(ctx, std::vector<std::string>{e.text}, e.loc)) {
        res = {Resolution::Kind::UnitPath, *up, 0};
        const UnitPath& u = p_.unit_paths[*up];
        return Type::unit(u.level);
      }
      return Type{};
    }
    // An enum value, written bare.
    int found = 0;
    Type t;
    for (uint32_t ei = 0; ei < p_.enums.size(); ++ei) {
      const auto& en = p_.enums[ei];
      if (!visible(ctx.file, en.module)) continue;
      for (uint32_t vi = 0; vi < en.values.size(); ++vi) {
        if (en.values[vi] == e.text) {
          ++found;
          res = {Resolution::Kind::EnumValue, ei, vi};
          t = Type::of(TypeKind::Enum);
          t.enum_id = ei;
        }
      }
    }
    if (found == 1) return t;
    if (found > 1) {
      diags_.report(Kind::UnknownName, e.loc, "`" + e.text + "` is a value of several enums")
          .suggestion = "write it as `EnumName." + e.text + "`";
      return Type{};
    }
    std::vector<std::string> cands;
    if (ctx.proc != nullptr) {
      for (const auto& fd : ctx.proc->fields) cands.push_back(fd.name);
    }
    if (ctx.fn != nullptr) {
      for (const auto& prm : ctx.fn->decl->params) cands.push_back(prm.name);
    }
    if (ctx.test) {
      for (const char* n : {"competent", "due", "valid", "fee"}) cands.emplace_back(n);
    }
    for (const auto& en : p_.enums) {
      for (const auto& v : en.values) cands.push_back(v);
    }
    auto& d = diags_.report(Kind::UnknownName, e.loc, "unknown name `" + e.text + "`");
    std::string near = base::closest(e.text, cands);
    if (!near.empty()) {
      d.suggestion = "did you mean `" + near + "`?";
    } else if (ctx.proc != nullptr) {
      d.suggestion = "declare it as a field in the procedure's `dossier` block";
    }
    return Type{};
  }

  Type member(const Ctx& ctx, ExprId id, const ast::Expr& e) {
    const ast::File& f = files_[ctx.file];
    std::vector<std::string> chain;
    auto& res = p_.resolution[ctx.file][id.v];
    if (member_chain(f, id, chain) && chain.size() == 2) {
      // EnumName.value
      ast::QName q;
      q.parts = {chain[0]};
      q.loc = e.loc;
      if (const Symbol* s = lookup(ctx.file, q, {Symbol::Kind::Enum}, false)) {
        const auto& en = p_.enums[s->index];
        for (uint32_t vi = 0; vi < en.values.size(); ++vi) {
          if (en.values[vi] == chain[1]) {
            res = {Resolution::Kind::EnumValue, s->index, vi};
            Type t = Type::of(TypeKind::Enum);
            t.enum_id = s->index;
            return t;
          }
        }
        auto& d = diags_.report(Kind::UnknownName, e.loc,
                                "enum `" + en.name + "` has no value `" + chain[1] + "`");
        std::string near = base::closest(chain[1], en.values);
        if (!near.empty()) d.suggestion = "did you mean `" + near + "`?";
        return Type{};
      }
    }
    if (chain.empty() && f.expr(e.kids[0]).kind == ExprKind::UnitLit) {
      // commune "Sa Pa".economy: an agency of a named place.
      const ast::Expr& lit = f.expr(e.kids[0]);
      bool prov = lit.text == "province";
      const LevelInfo* l = p_.level(lit.text);
      if (l == nullptr || (l->agency(e.text) == nullptr && l->role(e.text) == nullptr)) {
        diags_
            .report(Kind::UnknownUnit, e.loc,
                    "`" + e.text + "` is no agency or role at the " + lit.text + " level")
            .suggestion = "see the `level " + lit.text + "` block of std.vn";
        return Type{};
      }
      UnitPath up;
      up.base = UnitBase::Literal;
      up.level = prov ? Level::Province : Level::Commune;
      up.place = lit.text2;
      if (l->agency(e.text) != nullptr) {
        up.agency = e.text;
      } else {
        up.role = e.text;
      }
      up.text = lit.text + " \"" + lit.text2 + "\"." + e.text;
      up.loc = e.loc;
      place(lit.text, lit.text2, lit.loc);
      p_.unit_paths.push_back(up);
      res = {Resolution::Kind::UnitPath, static_cast<uint32_t>(p_.unit_paths.size() - 1), 0};
      return Type::unit(up.level, !up.role.empty());
    }
    if (!chain.empty() && ctx.fn == nullptr) {
      if (auto up = unit_path(ctx, chain, e.loc)) {
        res = {Resolution::Kind::UnitPath, *up, 0};
        const UnitPath& u = p_.unit_paths[*up];
        return Type::unit(u.level, !u.role.empty());
      }
      return Type{};
    }
    Type base_t = expr(ctx, e.kids[0]);
    if (!base_t.is_error()) {
      diags_.report(Kind::UnknownName, e.loc,
                    "a " + type_name(p_, base_t) + " has no member `" + e.text + "`");
    }
    return Type{};
  }

  Type call(const Ctx& ctx, ExprId id, const ast::Expr& e) {
    auto& res = p_.resolution[ctx.file][id.v];
    std::vector<Type> args;
    for (ExprId k : e.kids) args.push_back(expr(ctx, k));
    auto arity = [&](size_t n) {
      if (args.size() == n) return true;
      diags_.report(Kind::WrongArgumentCount, e.loc,
                    fmt::format("`{}` takes {} argument{}, not {}", e.text, n, n == 1 ? "" : "s",
                                args.size()));
      return false;
    };
    auto builtin = [&](Builtin b) {
      res = {Resolution::Kind::Builtin, 0, static_cast<uint32_t>(b)};
    };
    if (e.text == "min" || e.text == "max") {
      builtin(e.text == "min" ? Builtin::Min : Builtin::Max);
      if (!arity(2)) return Type{};
      if (!same_family(args[0], args[1]) || !args[0].is_quantity()) {
        mismatch(ctx, e, "`" + e.text + "`", args[0], args[1]);
        return Type{};
      }
      return args[0].is_numeric() ? numeric_join(args[0], args[1]) : args[0];
    }
    if (e.text == "abs") {
      builtin(Builtin::Abs);
      if (!arity(1)) return Type{};
      return args[0];
    }
    if (e.text == "year") {
      builtin(Builtin::Year);
      if (!arity(1)) return Type{};
      if (!args[0].is_error() && args[0].kind != TypeKind::Date &&
          args[0].kind != TypeKind::DateTime) {
        mismatch(ctx, e, "`year` needs a Date", Type::of(TypeKind::Date), args[0]);
      }
      return Type::of(TypeKind::Int);
    }
    if (e.text == "len") {
      builtin(Builtin::Len);
      if (!arity(1)) return Type{};
      const ast::Expr& arg = files_[ctx.file].expr(e.kids[0]);
      const Resolution& ar = p_.resolution[ctx.file][e.kids[0].v];
      bool field = arg.kind == ExprKind::Name && ar.kind == Resolution::Kind::Field;
      if (!args[0].is_error() &&
          (args[0].kind != TypeKind::Text && args[0].kind != TypeKind::Person)) {
        mismatch(ctx, e, "`len` counts the characters of a text", Type::of(TypeKind::Text),
                 args[0]);
      } else if (!args[0].is_error() && !field && arg.kind != ExprKind::String) {
        diags_.report(Kind::TypeMismatch, arg.loc, "`len` takes a dossier field or a \"text\"")
            .suggestion = "write `len(field_name)`";
      }
      return Type::of(TypeKind::Int);
    }
    if (e.text == "at_province") {
      builtin(Builtin::AtProvince);
      if (!arity(1)) return Type{};
      if (!args[0].is_error() && args[0].kind != TypeKind::Unit) {
        mismatch(ctx, e, "`at_province` takes a unit", Type::unit(Level::Any), args[0]);
      }
      return Type::of(TypeKind::Bool);
    }
    if (e.text == "failed" && ctx.test) {
      builtin(Builtin::Failed);
      if (!arity(1)) return Type{};
      if (!args[0].is_error() && args[0].kind != TypeKind::Text) {
        mismatch(ctx, e, "`failed` takes the message of a `require`", Type::of(TypeKind::Text),
                 args[0]);
      }
      return Type::of(TypeKind::Bool);
    }
    ast::QName q;
    q.parts = {e.text};
    q.loc = e.loc;
    const Symbol* s = lookup(ctx.file, q, {Symbol::Kind::Function});
    if (s == nullptr) return Type{};
    res = {Resolution::Kind::Function, s->index, 0};
    const FunctionInfo& fn = p_.functions[s->index];
    if (!arity(fn.params.size())) return fn.result;
    for (size_t i = 0; i < args.size(); ++i) {
      if (!same_family(args[i], fn.params[i]) &&
          !(args[i].kind == TypeKind::Unit && fn.params[i].kind == TypeKind::Unit)) {
        mismatch(ctx, files_[ctx.file].expr(e.kids[i]),
                 fmt::format("argument {} of `{}`", i + 1, e.text), fn.params[i], args[i],
                 unit_help(files_[ctx.file], e.kids[i], fn.params[i]));
      }
    }
    return fn.result;
  }

  Type binary(const Ctx& ctx, const ast::Expr& e) {
    const ast::File& f = files_[ctx.file];
    Type a = expr(ctx, e.kids[0]);
    Type b = expr(ctx, e.kids[1]);
    if (a.is_error() || b.is_error()) return Type{};
    using ast::BinOp;
    switch (e.op) {
      case BinOp::And:
      case BinOp::Or:
        bool_operand(ctx, e.kids[0], a, e.op == BinOp::And ? "`and`" : "`or`");
        bool_operand(ctx, e.kids[1], b, e.op == BinOp::And ? "`and`" : "`or`");
        return Type::of(TypeKind::Bool);
      case BinOp::Eq:
      case BinOp::Ne:
        if (!same_family(a, b) && !(a.kind == TypeKind::Unit && b.kind == TypeKind::Unit)) {
          mismatch(ctx, e, "comparison", a, b, unit_help(f, e.kids[1], a));
        }
        return Type::of(TypeKind::Bool);
      case BinOp::Lt:
      case BinOp::Le:
      case BinOp::Gt:
      case BinOp::Ge: {
        bool ordered = a.is_quantity() || a.kind == TypeKind::Date || a.kind == TypeKind::DateTime;
        if (!same_family(a, b)) {
          std::string help = unit_help(f, e.kids[1], a);
          if (help.empty()) help = unit_help(f, e.kids[0], b);
          mismatch(ctx, e, "comparison", a, b, help);
        } else if (!ordered) {
          diags_.report(Kind::TypeMismatch, e.loc,
                        "values of type " + type_name(p_, a) + " have no order");
        }
        return Type::of(TypeKind::Bool);
      }
      case BinOp::Add:
      case BinOp::Sub:
        return additive(ctx, e, a, b);
      case BinOp::Mul:
        if (a.is_numeric() && b.is_numeric()) return numeric_join(a, b);
        if (a.is_quantity() && b.is_numeric()) return a;
        if (a.is_numeric() && b.is_quantity()) return b;
        mismatch(ctx, e, "multiplication", a, b,
                 "a quantity can be multiplied by a plain number only");
        return Type{};
      case BinOp::Div:
        if (a.is_numeric() && b.is_numeric()) return Type::of(TypeKind::Dec);
        if (a.is_quantity() && b.is_numeric()) return a;
        if (a.is_quantity() && a.kind == b.kind) return Type::of(TypeKind::Dec);
        mismatch(ctx, e, "division", a, b);
        return Type{};
    }
    return Type{};
  }

  Type additive(const Ctx& ctx, const ast::Expr& e, const Type& a, const Type& b) {
    const ast::File& f = files_[ctx.file];
    bool add = e.op == ast::BinOp::Add;
    if (a.is_numeric() && b.is_numeric()) return numeric_join(a, b);
    if (a.kind == b.kind && a.is_quantity()) return a;
    // Dates move by calendar days; date-times by working time (on the
    // working calendar) or by calendar days.
    if (a.kind == TypeKind::Date && b.kind == TypeKind::CalendarDays) return a;
    if (a.kind == TypeKind::DateTime && b.is_duration()) return a;
    if (add && b.kind == TypeKind::Date && a.kind == TypeKind::CalendarDays) return b;
    if (!add && a.kind == TypeKind::Date && b.kind == TypeKind::Date) {
      return Type::of(TypeKind::CalendarDays);
    }
    std::string help = unit_help(f, e.kids[1], a);
    if (help.empty()) help = unit_help(f, e.kids[0], b);
    if (help.empty() && a.is_duration() && b.is_duration()) {
      help = "working and calendar time do not convert; use one kind";
    }
    mismatch(ctx, e, add ? "addition" : "subtraction", a, b, help);
    return Type{};
  }

  void expect_type(const Ctx& ctx, ExprId id, const Type& want, const std::string& what) {
    Type got = expr(ctx, id);
    if (got.is_error() || want.is_error()) return;
    bool ok = same_family(got, want) || (got.kind == TypeKind::Unit && want.kind == TypeKind::Unit);
    if (want.kind == TypeKind::Dec && got.kind == TypeKind::Int) ok = true;
    if (want.kind == TypeKind::Int && got.kind == TypeKind::Dec) ok = false;
    if (!ok) {
      const ast::Expr& e = files_[ctx.file].expr(id);
      auto& d = diags_.report(Kind::TypeMismatch, e.loc,
                              fmt::format("{} is a {}, but this is a {}", what, type_name(p_, want),
                                          type_name(p_, got)));
      std::string help = unit_help(files_[ctx.file], id, want);
      if (!help.empty()) d.suggestion = help;
    }
  }

  Type duration(const Ctx& ctx, ExprId id, const std::string& what) {
    Type t = expr(ctx, id);
    if (!t.is_error() && !t.is_duration()) {
      const ast::Expr& e = files_[ctx.file].expr(id);
      auto& d = diags_.report(Kind::NotADuration, e.loc,
                              what +
                                  " must be working days, working hours or calendar days, "
                                  "not " +
                                  type_name(p_, t));
      std::string help = unit_help(files_[ctx.file], id, Type::of(TypeKind::WorkingDays));
      d.suggestion = help.empty() ? "write e.g. `15 working days`" : help;
      return Type{};
    }
    return t;
  }

  // ------------------------------------------------------------ procedures

  void procedure_fields(uint32_t fi, const ast::Procedure& pr) {
    ProcedureInfo& info = p_.procedures[p_.procedure_index.at(pr.name)];
    if (info.decl != &pr) return;  // a duplicate; already reported
    std::set<std::string> seen;
    for (const auto& fd : pr.fields) {
      if (!seen.insert(fd.name).second) {
        diags_.report(Kind::DuplicateDefinition, fd.loc,
                      "field `" + fd.name + "` is declared twice in `" + pr.name + "`");
      }
      info.fields.push_back({fd.name, type_ref(fi, fd.type)});
    }
  }

  void procedure_body(ProcedureInfo& info) {
    const ast::Procedure& pr = *info.decl;
    Ctx ctx{info.file, &info, nullptr, false};
    for (size_t i = 0; i < pr.fields.size(); ++i) {
      if (pr.fields[i].init) {
        expect_type(ctx, *pr.fields[i].init, info.fields[i].type,
                    "the default of `" + pr.fields[i].name + "`");
      }
    }
    for (const auto& r : pr.requires_) {
      Type t = expr(ctx, r.cond);
      bool_operand(ctx, r.cond, t, "`require`");
    }
    if (pr.level && pr.level->value != "province" && pr.level->value != "commune") {
      diags_.report(Kind::UnknownName, pr.level->loc, "`" + pr.level->value + "` is not a level")
          .suggestion = "a competent level is `province` or `commune`";
    }
    if (pr.online && pr.online->value != "full" && pr.online->value != "partial" &&
        pr.online->value != "none") {
      diags_
          .report(Kind::UnknownName, pr.online->loc,
                  "`" + pr.online->value + "` is not an online service level")
          .suggestion = "Decree 42/2022 has two levels: `full` and `partial` (or `none`)";
    }
    if (pr.supplement && pr.supplement->value != "pauses" && pr.supplement->value != "restarts" &&
        pr.supplement->value != "counts") {
      diags_
          .report(Kind::UnknownName, pr.supplement->loc,
                  "`" + pr.supplement->value + "` is not a supplement clock rule")
          .suggestion = "write `supplement pauses`, `supplement restarts` or `supplement counts`";
    }
    if (pr.deadline) duration(ctx, pr.deadline->value, "a deadline");
    if (pr.fee) expect_type(ctx, pr.fee->value, Type::of(TypeKind::Money), "a fee");
    if (pr.warn) duration(ctx, pr.warn->value, "a warning");
    if (pr.receive_at) unit_path(ctx, *pr.receive_at);
    for (const auto& arm : pr.route) {
      if (arm.cond) {
        Type t = expr(ctx, *arm.cond);
        bool_operand(ctx, *arm.cond, t, "a route arm");
      }
      auto up = unit_path(ctx, arm.target);
      info.route_targets.push_back(up.value_or(UINT32_MAX));
    }
    std::set<std::string> step_names;
    for (const auto& s : pr.steps) {
      if (!step_names.insert(s.name).second) {
        diags_.report(Kind::DuplicateDefinition, s.loc,
                      "step `" + s.name + "` appears twice in `" + pr.name + "`");
      }
      std::optional<uint32_t> h;
      if (s.handler) h = unit_path(ctx, *s.handler);
      info.step_handlers.push_back(h.value_or(UINT32_MAX));
      if (s.budget) duration(ctx, *s.budget, "a step budget");
      if (s.cond) {
        Type t = expr(ctx, *s.cond);
        bool_operand(ctx, *s.cond, t, "a step condition");
      }
    }
    if (pr.late_policy) {
      ast::QName q = *pr.late_policy;
      if (lookup(info.file, q, {Symbol::Kind::Policy}) == nullptr) {
        // reported by lookup
      }
    }
    for (const auto& a : pr.late) {
      std::optional<uint32_t> t;
      if (a.kind != ast::LateAction::Kind::Apologise) t = unit_path(ctx, a.target);
      info.late_targets.push_back(t.value_or(UINT32_MAX));
      if (a.after) duration(ctx, *a.after, "an escalation delay");
    }
  }

  void function_body(FunctionInfo& fn) {
    Ctx ctx{fn.file, nullptr, &fn, false};
    expect_type(ctx, fn.decl->body, fn.result, "the result of `" + fn.decl->name + "`");
  }

  // ------------------------------------------------------------ rules

  int32_t procedure_ref(uint32_t fi, const ast::QName& q, std::string& step, Kind missing) {
    // Procedure or Procedure.step (or module.Procedure[.step]).
    for (size_t n = q.parts.size(); n >= 1; --n) {
      ast::QName head;
      head.parts.assign(q.parts.begin(), q.parts.begin() + static_cast<long>(n));
      head.loc = q.loc;
      const Symbol* s = lookup(fi, head, {Symbol::Kind::Procedure}, false);
      if (s == nullptr) continue;
      const ProcedureInfo& info = p_.procedures[s->index];
      if (n + 1 == q.parts.size()) {
        step = q.parts.back();
        bool found = false;
        std::vector<std::string> names;
        for (const auto& st : info.decl->steps) {
          names.push_back(st.name);
          found = found || st.name == step;
        }
        if (!found) {
          auto& d = diags_.report(missing, q.loc,
                                  "procedure `" + info.decl->name + "` has no step `" + step + "`");
          std::string near = base::closest(step, names);
          if (!near.empty()) d.suggestion = "did you mean `" + near + "`?";
          return -1;
        }
      } else if (n != q.parts.size()) {
        continue;
      }
      return static_cast<int32_t>(s->index);
    }
    ast::QName last;
    last.parts = {q.parts.empty() ? "" : q.parts.front()};
    last.loc = q.loc;
    lookup(fi, last, {Symbol::Kind::Procedure}, true, missing);
    return -1;
  }

  void rule(uint32_t fi, const ast::AuthorityRule& r) {
    RuleInfo info;
    info.decl = &r;
    info.file = fi;
    Ctx ctx{fi, nullptr, nullptr, false};
    bool dec = r.kind == ast::AuthorityRule::Kind::Decentralise;
    const char* word = dec ? "decentralise" : "delegate";
    if (dec) {
      info.procedure = procedure_ref(fi, r.subject, info.step, Kind::UnknownProcedure);
      if (info.procedure >= 0) ctx.proc = &p_.procedures[static_cast<size_t>(info.procedure)];
      if (r.from) info.from = unit_path(ctx, *r.from).value_or(UINT32_MAX);
      if (r.to) info.to = unit_path(ctx, *r.to).value_or(UINT32_MAX);
      if (r.for_) {
        diags_.report(Kind::MissingClause, r.for_->loc, "`for` belongs to `delegate` rules")
            .suggestion = "a decentralise rule names its procedure right after `decentralise`";
      }
    } else {
      info.from = unit_path(ctx, r.subject, Kind::DelegateToUnknown).value_or(UINT32_MAX);
      if (r.to) info.to = unit_path(ctx, *r.to, Kind::DelegateToUnknown).value_or(UINT32_MAX);
      if (r.for_) {
        info.procedure = procedure_ref(fi, *r.for_, info.step, Kind::UnknownProcedure);
        if (info.procedure >= 0) ctx.proc = &p_.procedures[static_cast<size_t>(info.procedure)];
      } else {
        diags_
            .report(Kind::MissingClause, r.loc,
                    "this delegation does not say which competence it delegates")
            .suggestion = "add `for Procedure.step` (or `for Procedure`)";
      }
    }
    if (r.when) {
      Type t = expr(ctx, *r.when);
      bool_operand(ctx, *r.when, t, "a rule condition");
    }
    if (!r.to) {
      diags_
          .report(Kind::MissingClause, r.loc,
                  std::string("this ") + word + " rule does not say to whom")
          .suggestion = dec ? "add `from <unit> to <unit>`" : "add `to <unit or role>`";
    }
    if (dec && !r.from) {
      diags_.report(Kind::MissingClause, r.loc, "this decentralise rule does not say from whom")
          .suggestion = "add `from <unit>`: the unit that held the competence before";
    }
    if (!r.has_effective) {
      diags_
          .report(Kind::MissingClause, r.loc,
                  std::string("this ") + word + " rule has no `effective` date")
          .suggestion = "add e.g. `effective 2025-07-01`";
    }
    if (r.basis.empty()) {
      diags_
          .report(Kind::MissingLegalBasis, r.loc,
                  std::string("this ") + word + " rule has no legal basis")
          .suggestion = "add `basis \"Nghị định .../2025/NĐ-CP, Điều ...\"`";
    }
    if (r.effective && r.until && r.until->value < r.effective->value) {
      auto& d =
          diags_.report(Kind::EmptyPeriod, r.until->loc,
                        "`until " + ast::format_date(r.until->value) + "` is before `effective " +
                            ast::format_date(r.effective->value) + "`");
      d.suggestion = "swap the dates, or fix the year";
    }
    p_.rules.push_back(info);
  }

  void test(uint32_t fi, const ast::Test& t) {
    const ProcedureInfo* proc = nullptr;
    bool given = false;
    for (const auto& item : t.items) {
      if (item.kind == ast::TestItem::Kind::Given) {
        given = true;
        std::string step;
        int32_t pi = procedure_ref(fi, item.procedure, step, Kind::UnknownProcedure);
        if (pi < 0) continue;
        proc = &p_.procedures[static_cast<size_t>(pi)];
        Ctx ctx{fi, nullptr, nullptr, false};
        for (const auto& init : item.inits) {
          auto idx = proc->field_index(init.name);
          if (!idx) {
            std::vector<std::string> names;
            for (const auto& fd : proc->fields) names.push_back(fd.name);
            auto& d = diags_.report(
                Kind::UnknownField, init.loc,
                "procedure `" + proc->decl->name + "` has no field `" + init.name + "`");
            std::string near = base::closest(init.name, names);
            if (!near.empty()) d.suggestion = "did you mean `" + near + "`?";
            expr(ctx, init.value);
            continue;
          }
          expect_type(ctx, init.value, proc->fields[*idx].type, "field `" + init.name + "`");
        }
        if (item.received_at) {
          expect_type(ctx, *item.received_at, Type::unit(Level::Any), "the receiving desk");
        }
      } else {
        if (!given) {
          diags_.report(Kind::MissingClause, item.loc, "`expect` before any `given`").suggestion =
              "start the test with `given Procedure { ... } received ...`";
        }
        Ctx ctx{fi, proc, nullptr, true};
        Type ty = expr(ctx, item.expect);
        bool_operand(ctx, item.expect, ty, "`expect`");
      }
    }
  }

  void scenario(uint32_t fi, const ast::Scenario& s) {
    Ctx ctx{fi, nullptr, nullptr, false};
    for (const auto& it : s.items) {
      switch (it.kind) {
        case ast::ScenarioItem::Kind::Period:
          if (it.until < it.from) {
            diags_.report(Kind::EmptyPeriod, it.loc, "the scenario period ends before it starts");
          }
          break;
        case ast::ScenarioItem::Kind::Arrivals: {
          std::string step;
          procedure_ref(fi, it.subject, step, Kind::UnknownProcedure);
          if (it.amount) expect_type(ctx, *it.amount, Type::of(TypeKind::Dec), "an arrival rate");
          break;
        }
        case ast::ScenarioItem::Kind::Capacity:
          unit_path(ctx, it.subject);
          if (it.amount) expect_type(ctx, *it.amount, Type::of(TypeKind::Int), "a staff count");
          if (it.per_officer) {
            expect_type(ctx, *it.per_officer, Type::of(TypeKind::Dec), "a daily throughput");
          }
          break;
        case ast::ScenarioItem::Kind::Compare:
        case ast::ScenarioItem::Kind::Report:
          break;
      }
    }
  }

  void chain(uint32_t fi, const ast::Chain& c) {
    for (const auto& q : c.procedures) {
      std::string step;
      procedure_ref(fi, q, step, Kind::UnknownProcedure);
    }
  }

  void policy(uint32_t fi, const ast::Policy& po) {
    Ctx ctx{fi, nullptr, nullptr, false};
    for (const auto& a : po.actions) {
      if (a.kind != ast::LateAction::Kind::Apologise) unit_path(ctx, a.target);
      if (a.after) duration(ctx, *a.after, "an escalation delay");
    }
  }

  Program& p_;
  const std::vector<ast::File>& files_;
  diag::Diagnostics& diags_;
  const rules::Registry& registry_;
  std::vector<std::string> modules_;
  std::multimap<std::string, Symbol> symbols_;
  std::map<std::string, const ast::Policy*> policies_;
};

}  // namespace

Program check(const std::vector<ast::File>& files, const base::SourceManager& sm,
              diag::Diagnostics& diags, const rules::Registry& registry) {
  Program p;
  Checker(p, files, diags, registry).run();
  run_domain_checks(p, sm, diags);
  return p;
}

}  // namespace hoso::check
