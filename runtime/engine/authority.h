// Who may act on a step of a dossier (internal to the engine).
//
// The holder of a step is fixed at receipt: the route and the decentralise
// rules in force on the day the dossier was received decide it, so a dossier
// received before a decentralisation date finishes under the old rules. A
// delegation (ủy quyền) counts on the day of the action: its delegate may act
// on the days it is in force, whenever the dossier came in, and the holder
// keeps the power meanwhile.
//
// The compiled rules decide with one date for everything (hoso_rt_ctx's
// receipt_date), and the engine does not evaluate rules itself. It reads the
// answer off the rules' own decisions instead: a decision depends on the date
// only through which rules are in force (`effective`..`until`, in the pack
// metadata), so deciding once on a day of every stretch in which the same
// rules of the step are in force shows what each rule does to the step. Days
// with the receipt day's decentralisation, on which no delegation applied,
// show the holder; on those days a delegation that applied is one of the
// holder's.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hoso/abi.h"
#include "hoso/rules.h"

namespace hoso::engine::authority {

struct Handler {
  int64_t unit = HOSO_NO_UNIT;
  std::string role;  // "" = any officer of the unit
  bool operator==(const Handler&) const = default;
};

struct Delegation {
  Handler to;
  int32_t rule = -1;  // index into ProcedureMeta::rules
};

class StepSamples {
 public:
  // Decides dossier `d` (context `ctx`) once per stretch of days in which the
  // same rules of step `step` are in force, and on each of `days`.
  StepSamples(const rules::Decider& rules, const rules::Dossier& d, const hoso_rt_ctx& ctx,
              uint32_t step, const std::vector<int32_t>& days);

  // The holder of the step under the rules in force on `day` (route and
  // decentralisation), before any delegation; nullopt when a delegation
  // applies on every day with that day's decentralisation, so the rules never
  // show the holder itself.
  std::optional<Handler> holder(int32_t day) const;
  // The delegation in force on `day` that passes `holder`'s power on the step
  // to someone else, if any.
  std::optional<Delegation> delegation(const Handler& holder, int32_t day) const;
  // Delegations of `holder`'s power on the step that are not in force on `day`.
  std::vector<Delegation> delegations_elsewhere(const Handler& holder, int32_t day) const;

 private:
  struct Sample {
    std::string regime;  // in force ('1') or not ('0'): the step's decentralise rules
    bool included = false;
    Handler handler;         // after delegation
    int32_t rule = -1;       // the rule that moved or delegated the step, -1: none
    bool delegated = false;  // `rule` is a delegation
  };
  bool in_force(int32_t rule, int32_t day) const;
  std::string regime(int32_t day) const;
  // Regimes (decentralisations) under which the step is `holder`'s.
  std::vector<std::string> regimes_of(const Handler& holder) const;

  const rules::ProcedureMeta* proc_ = nullptr;
  uint32_t step_ = 0;
  std::vector<int32_t> decentralise_, delegate_;  // the step's rules, by kind
  std::map<int32_t, Sample> samples_;             // by day
};

}  // namespace hoso::engine::authority
