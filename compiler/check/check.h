// The checker: resolves names across modules, types every expression and
// runs the domain checks. Its output, a checked Program, is what the IR is
// lowered from; nothing after this phase looks at unresolved names.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ast/ast.h"
#include "diagnostics/diagnostic.h"
#include "hoso/rules.h"

namespace hoso::check {

enum class TypeKind : uint8_t {
  Error,  // already reported; suppresses follow-on errors
  Int,
  Dec,
  Bool,
  Text,
  Date,
  DateTime,
  Money,  // VND
  Area,   // m2
  WorkingDays,
  WorkingHours,
  CalendarDays,
  Person,
  Unit,  // a unit or role of the administrative registry
  Enum,
};

enum class Level : uint8_t { Any, Province, Commune };

struct Type {
  TypeKind kind = TypeKind::Error;
  uint32_t enum_id = 0;      // Enum: index into Program::enums
  Level level = Level::Any;  // Unit: the level, when known
  bool role = false;         // Unit: names a role rather than a unit

  static Type of(TypeKind k) { return Type{k, 0, Level::Any, false}; }
  static Type unit(Level l, bool is_role = false) { return Type{TypeKind::Unit, 0, l, is_role}; }
  bool is_error() const { return kind == TypeKind::Error; }
  bool is_numeric() const { return kind == TypeKind::Int || kind == TypeKind::Dec; }
  bool is_quantity() const;  // numeric or a quantity with a unit
  bool is_duration() const {
    return kind == TypeKind::WorkingDays || kind == TypeKind::WorkingHours ||
           kind == TypeKind::CalendarDays;
  }
};

// What a name in an expression stands for.
struct Resolution {
  enum class Kind : uint8_t {
    None,
    Field,       // index: dossier field of the current procedure
    Param,       // index: function parameter
    EnumValue,   // index: enum, sub: value
    UnitBase,    // sub: UnitBase
    TestOutput,  // sub: TestOutput
    Function,    // index: function (calls)
    Builtin,     // sub: Builtin (calls)
    UnitPath,    // index: into Program::unit_paths (member chains like province.construction)
  };
  Kind kind = Kind::None;
  uint32_t index = 0;
  uint32_t sub = 0;
};

enum class UnitBase : uint32_t { Province, Commune, Competent, Receiving, Field, Literal };
enum class TestOutput : uint32_t { Competent, Due, Valid, Fee, Level };
enum class Builtin : uint32_t { Min, Max, Abs, Year, Failed, AtProvince, Len };

// A resolved unit path: base, then an agency and/or a role.
struct UnitPath {
  UnitBase base = UnitBase::Province;
  uint32_t field = 0;  // UnitBase::Field: the dossier field holding a commune/province
  std::string agency;  // "" = the level's People's Committee
  std::string role;    // "" = the unit itself
  Level level = Level::Any;
  std::string text;   // as written, for messages and dumps
  std::string place;  // UnitBase::Literal: the place's name (`commune "Sa Pa"`)
  base::Loc loc;
};

struct RoleInfo {
  std::string name, title;
  base::Loc loc;
};
struct AgencyInfo {
  std::string name, title;
  base::Loc loc;
  std::vector<RoleInfo> roles;
};
struct LevelInfo {
  std::string name, title;
  base::Loc loc;
  std::vector<AgencyInfo> agencies;
  std::vector<RoleInfo> roles;
  const AgencyInfo* agency(const std::string& n) const;
  const RoleInfo* role(const std::string& n) const;
};

// Every agency has these roles without declaring them.
inline const std::vector<std::string>& implicit_roles() {
  static const std::vector<std::string> r = {"head", "deputy", "officer"};
  return r;
}

struct FieldInfo {
  std::string name;
  Type type;
};

struct EnumInfo {
  std::string name;
  std::string module;
  std::vector<std::string> values;
};

struct FunctionInfo {
  const ast::Function* decl = nullptr;
  uint32_t file = 0;  // index into Program::files
  std::vector<Type> params;
  Type result;
};

struct ProcedureInfo {
  const ast::Procedure* decl = nullptr;
  uint32_t file = 0;
  std::string module;
  std::vector<FieldInfo> fields;
  std::vector<uint32_t> route_targets;      // unit path per route arm
  std::vector<uint32_t> step_handlers;      // unit path per step (UINT32_MAX if none)
  std::vector<uint32_t> late_targets;       // unit path per late action (UINT32_MAX if none)
  std::optional<int64_t> deadline_minutes;  // working minutes (8 h days), when in working time
  // A second procedure of a name already taken (reported as such): its name
  // resolves to the first, so its body and clauses are not checked again.
  bool duplicate = false;
  std::optional<uint32_t> field_index(const std::string& n) const;
};

struct RuleInfo {
  const ast::AuthorityRule* decl = nullptr;
  uint32_t file = 0;
  int32_t procedure = -1;  // decentralise: the procedure moved; delegate: the `for` procedure
  std::string step;        // the step moved or delegated, "" = the whole procedure
  uint32_t from = UINT32_MAX, to = UINT32_MAX;  // unit paths
};

struct Program {
  std::vector<const ast::File*> files;
  std::vector<std::vector<Type>> types;             // per file, per ExprId
  std::vector<std::vector<Resolution>> resolution;  // per file, per ExprId
  std::vector<LevelInfo> levels;
  std::vector<EnumInfo> enums;
  std::vector<FunctionInfo> functions;
  std::vector<ProcedureInfo> procedures;
  std::vector<RuleInfo> rules;
  std::vector<UnitPath> unit_paths;
  std::map<std::string, uint32_t> procedure_index;

  const LevelInfo* level(const std::string& name) const;
  const Type& type_of(uint32_t file, ast::ExprId id) const { return types[file][id.v]; }
  const Resolution& resolved(uint32_t file, ast::ExprId id) const { return resolution[file][id.v]; }
};

std::string type_name(const Program& p, const Type& t);

// Checks every file together (they may use each other's modules). Reports
// problems to `diags`; never throws. The Program refers into `files`, which
// must outlive it.
// Unit literals (`commune "Sa Pa"`) are checked against `registry`.
Program check(const std::vector<ast::File>& files, const base::SourceManager& sm,
              diag::Diagnostics& diags,
              const rules::Registry& registry = rules::Registry::default_registry());

}  // namespace hoso::check
