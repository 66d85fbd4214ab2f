// Hoso's abstract syntax tree: plain data, produced by parse/ and read by
// check/, fmt and the dumps. No ANTLR type appears here. Expressions live in
// one arena per file and are named by ExprId.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/source.h"

namespace hoso::ast {

using base::Loc;

struct ExprId {
  uint32_t v = UINT32_MAX;
  bool valid() const { return v != UINT32_MAX; }
  friend bool operator==(ExprId a, ExprId b) { return a.v == b.v; }
};

// Numbers are fixed point with three decimals: every literal a rule may
// hold (0.5 working days, 154.93 m2, 75_000 VND) is exact, and compiled and
// interpreted rules agree bit for bit.
inline constexpr int64_t kScale = 1000;

enum class UnitSuffix {
  None,
  WorkingDays,
  WorkingHours,
  CalendarDays,
  BareDays,   // `days` alone: an error the checker explains
  BareHours,  // `hours` alone: read as working hours
  VND,
  M2,
};

enum class ExprKind {
  Number,    // milli, unit
  String,    // text
  Date,      // date (days since 1970-01-01)
  DateTime,  // minutes since 1970-01-01 00:00 local time
  Bool,      // bool_value
  UnitLit,   // `commune "Sa Pa"`: level in text, name in text2
  Name,      // text
  Member,    // kids[0].text
  Call,      // text(kids...)
  Neg,
  Not,
  Binary,   // op, kids[0], kids[1]
  InRange,  // kids[0] in kids[1]..kids[2]
  InSet,    // kids[0] in {kids[1..]}
  If,       // if kids[0] then kids[1] else kids[2]
};

enum class BinOp { Mul, Div, Add, Sub, Eq, Ne, Lt, Le, Gt, Ge, And, Or };

struct Expr {
  ExprKind kind = ExprKind::Number;
  Loc loc;
  BinOp op = BinOp::Add;
  UnitSuffix unit = UnitSuffix::None;
  bool bool_value = false;
  bool is_decimal = false;  // the literal was written with a decimal point
  int64_t milli = 0;        // Number: value * kScale
  int64_t time = 0;         // Date: days; DateTime: minutes
  std::string text;
  std::string text2;
  std::vector<ExprId> kids;
};

struct QName {
  std::vector<std::string> parts;
  Loc loc;
  std::string str() const;
  bool empty() const { return parts.empty(); }
};

struct TypeRef {
  enum class Kind { Named, WorkingDays, WorkingHours, CalendarDays };
  Kind kind = Kind::Named;
  QName name;
  Loc loc;
};

struct Field {
  std::string name;
  Loc loc;
  TypeRef type;
  std::optional<ExprId> init;
};

struct Require {
  ExprId cond;
  std::string message;
  Loc loc;
};

struct RouteArm {
  std::optional<ExprId> cond;  // none for `otherwise`
  QName target;
  Loc loc;
};

struct Step {
  std::string name;
  Loc loc;
  std::optional<QName> handler;
  std::optional<ExprId> budget;
  std::optional<ExprId> cond;
  std::optional<std::string> result;
  Loc result_loc;
};

struct LateAction {
  enum class Kind { Apologise, Notify, Escalate };
  Kind kind = Kind::Apologise;
  QName target;
  std::optional<ExprId> after;
  Loc loc;
};

template <class T>
struct Located {
  T value;
  Loc loc;
};

struct Procedure {
  std::string name;
  Loc loc;
  std::string doc;
  std::optional<Located<std::string>> code, title, sector, level, online, supplement;
  std::vector<Located<std::string>> basis;
  std::optional<Located<ExprId>> deadline, fee, warn;
  // receive anywhere in <scope> | receive at <unit>
  std::optional<Located<std::string>> receive_anywhere;
  std::optional<QName> receive_at;
  std::vector<Field> fields;
  std::vector<Require> requires_;
  bool has_route = false;
  Loc route_loc;
  std::vector<RouteArm> route;
  bool has_steps = false;
  Loc steps_loc;
  std::vector<Step> steps;
  bool has_late = false;
  Loc late_loc;
  std::vector<LateAction> late;
  std::optional<QName> late_policy;  // on late use std.vn.standard_late
};

struct AuthorityRule {
  enum class Kind { Decentralise, Delegate };
  Kind kind = Kind::Decentralise;
  Loc loc;
  std::string doc;
  QName subject;  // decentralise: Procedure[.step]; delegate: the delegating unit/role
  std::optional<QName> from, to, for_;
  std::optional<ExprId> when;
  std::optional<Located<int32_t>> effective, until;  // dates
  bool has_effective = false;  // the clause was written (its date may be invalid)
  std::vector<Located<std::string>> basis;
};

struct EnumDecl {
  std::string name;
  Loc loc;
  std::string doc;
  std::vector<Located<std::string>> values;
};

struct Param {
  std::string name;
  Loc loc;
  TypeRef type;
};

struct Function {
  std::string name;
  Loc loc;
  std::string doc;
  std::vector<Param> params;
  TypeRef result;
  ExprId body;
};

struct FieldInit {
  std::string name;
  Loc loc;
  ExprId value;
};

struct TestItem {
  enum class Kind { Given, Expect };
  Kind kind = Kind::Expect;
  Loc loc;
  // given
  QName procedure;
  std::vector<FieldInit> inits;
  std::optional<Located<int64_t>> received;  // minutes since epoch
  std::optional<ExprId> received_at;
  // expect
  ExprId expect;
};

struct Test {
  std::string name;
  Loc loc;
  std::vector<TestItem> items;
};

struct ScenarioItem {
  enum class Kind { Period, Arrivals, Capacity, Compare, Report };
  Kind kind = Kind::Period;
  Loc loc;
  int32_t from = 0, until = 0;                    // period
  QName subject;                                  // arrivals procedure / capacity unit
  std::optional<ExprId> amount;                   // arrivals rate / officers
  std::vector<std::string> words;                 // "per month per commune", metric words
  std::optional<ExprId> per_officer;              // capacity dossiers per officer per day
  std::string left, right;                        // compare rules "a" with rules "b"
  std::vector<std::vector<std::string>> metrics;  // report
};

struct Scenario {
  std::string name;
  Loc loc;
  std::vector<ScenarioItem> items;
};

struct Role {
  std::string name;
  std::string title;
  Loc loc;
};

struct Agency {
  std::string name;
  std::string title;
  Loc loc;
  std::vector<Role> roles;
};

struct LevelDecl {
  std::string name;
  std::string title;
  Loc loc;
  std::string doc;
  std::vector<Agency> agencies;
  std::vector<Role> roles;
  // Source order of members (agency index >= 0, role index encoded as ~i),
  // so fmt keeps the author's order.
  std::vector<int32_t> order;
};

struct Chain {
  std::string name;
  std::string title;
  Loc loc;
  std::string doc;
  std::vector<QName> procedures;
};

struct Policy {
  std::string name;
  Loc loc;
  std::string doc;
  std::vector<LateAction> actions;
};

using Decl = std::variant<Procedure, AuthorityRule, EnumDecl, Function, Test, Scenario, LevelDecl,
                          Chain, Policy>;

struct Comment {
  Loc loc;
  std::string text;  // with its `//`, `///` or `/* */`
};

struct File {
  uint32_t file_id = 0;
  std::optional<QName> module;
  std::vector<QName> uses;
  std::vector<Decl> decls;
  std::vector<Expr> exprs;
  std::vector<Comment> comments;  // in source order

  const Expr& expr(ExprId id) const { return exprs[id.v]; }
  ExprId add(Expr e) {
    exprs.push_back(std::move(e));
    return ExprId{static_cast<uint32_t>(exprs.size() - 1)};
  }
};

// Stable text dump for tests (`hoso check --dump-ast`).
std::string dump(const File& f);
// Canonical layout (`hoso fmt`), keeping comments.
std::string format(const File& f, const base::SourceFile& src);
// The source text of an expression in canonical form (also used by messages).
std::string expr_to_string(const File& f, ExprId id);
// A string literal with its quotes and escapes, as written in rules files.
std::string quote(const std::string& s);
// `apologise`, `notify x`, `escalate to x after n working days`.
std::string late_text(const File& f, const LateAction& a);
// `working days`, `Commune`...: a type as written.
std::string type_text(const TypeRef& t);

// Formats a fixed-point number (kScale) without trailing zeros, with `_`
// thousands separators for integers of five digits or more when `group`.
std::string format_number(int64_t milli, bool group);
std::string format_date(int32_t days);
std::string format_datetime(int64_t minutes);

}  // namespace hoso::ast
