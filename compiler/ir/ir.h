// Hoso's typed intermediate representation: what runs per dossier.
//
// Every value is an int64: numbers are fixed point x1000 (Int too), Bool
// 0/1, Date days, DateTime minutes, enums their index, Text an index in the
// pack's string table, units the ids of hoso/abi.h. Expressions are trees
// of Nodes in an arena, named by NodeId. A Procedure lists, in evaluation
// order, what decide() computes: requires, route, competence rules,
// deadline, fee, warning, steps. The interpreter (interp.cpp) and the LLVM
// back end (compiler/jit) give it the same meaning; the differential tests
// hold them to it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hoso/rules.h"

namespace hoso::ir {

struct NodeId {
  uint32_t v = UINT32_MAX;
  bool valid() const { return v != UINT32_MAX; }
};

enum class Op : uint8_t {
  Const,      // imm
  Slot,       // dossier slot `index`
  Param,      // function parameter `index`
  Competent,  // the competent unit decided so far
  Receiving,  // the receiving desk's unit
  Not,
  Neg,
  And,  // short-circuit
  Or,   // short-circuit
  Add,
  Sub,
  Mul,  // fixed point: a * b / 1000
  Div,  // fixed point: a * 1000 / b (0 when b == 0)
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  Select,  // a ? b : c
  Min,
  Max,
  Abs,
  Call,        // function `index`, args
  DaysToInt,   // calendar days (x1000) to whole days: a / 1000
  AddWorking,  // instant a + b working minutes on the calendar (ABI call)
  Year,        // the year of date a, x1000 (ABI call)
  ProvinceAt,  // the province unit of a's place, agency `index`
  CommuneAt,   // the commune unit of a's place, agency `index`
  UnitAt,      // a's level and place, agency `index` (province) / `index2` (commune)
  IsProvince,  // 1 if unit a is a province unit
};

struct Node {
  Op op = Op::Const;
  int64_t imm = 0;
  int32_t index = 0;
  int32_t index2 = 0;
  std::vector<NodeId> args;
};

struct Arena {
  std::vector<Node> nodes;
  NodeId add(Node n) {
    nodes.push_back(std::move(n));
    return NodeId{static_cast<uint32_t>(nodes.size() - 1)};
  }
  const Node& at(NodeId id) const { return nodes[id.v]; }
};

struct UnitTarget {
  NodeId unit;
  int32_t role = -1;  // index in Module::roles, -1 = the unit itself
};

struct Require {
  NodeId cond;
};

struct Arm {
  std::optional<NodeId> cond;  // none: otherwise
  UnitTarget target;
};

struct Rule {
  bool decentralise = true;
  int32_t step = -1;  // -1: the whole procedure's competence
  int32_t effective = 0;
  int32_t until = INT32_MAX;
  UnitTarget from, to;
  std::optional<NodeId> when;
};

struct Step {
  UnitTarget handler;
  std::optional<NodeId> budget;  // working minutes
  std::optional<NodeId> cond;
};

struct Procedure {
  Arena arena;
  std::vector<Require> requires_;
  bool has_route = false;
  std::vector<Arm> arms;
  UnitTarget default_unit;  // when there is no route: the `level` unit
  std::vector<Rule> rules;
  std::optional<NodeId> deadline;  // working minutes
  std::optional<NodeId> fee;       // VND x 1000
  std::optional<NodeId> warn;      // working minutes
  std::vector<Step> steps;
};

struct Function {
  std::string name;
  uint32_t params = 0;
  Arena arena;
  NodeId body;
};

struct Module {
  rules::PackMeta meta;  // layouts, messages, names: what the runtime reads
  std::vector<Procedure> procedures;
  std::vector<Function> functions;
};

// Stable text form for tests and `hoso check --dump-ir`.
std::string dump(const Module& m);

}  // namespace hoso::ir
