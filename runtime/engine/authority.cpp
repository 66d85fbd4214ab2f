#include "authority.h"

#include <algorithm>
#include <climits>
#include <set>

namespace hoso::engine::authority {

StepSamples::StepSamples(const rules::Decider& rules, const rules::Dossier& d,
                         const hoso_rt_ctx& ctx, uint32_t step, const std::vector<int32_t>& days)
    : step_(step) {
  const rules::PackMeta& meta = rules.meta();
  if (d.procedure >= meta.procedures.size() || step >= HOSO_MAX_STEPS) return;
  proc_ = &meta.procedures[d.procedure];
  // The days on which the step's rules come into force or lapse cut time
  // into stretches with the same rules in force: one day of each will do.
  const auto s = static_cast<int32_t>(step);
  std::set<int64_t> bounds;
  for (size_t i = 0; i < proc_->rules.size(); ++i) {
    const rules::RuleMeta& r = proc_->rules[i];
    // The whole procedure's decentralisation moves `competent`, which a
    // step's handler may name; a delegation is always of one step.
    const bool moves = r.kind == "decentralise" && (r.step < 0 || r.step == s);
    const bool delegates = r.kind == "delegate" && r.step == s;
    if (!moves && !delegates) continue;
    (moves ? decentralise_ : delegate_).push_back(static_cast<int32_t>(i));
    bounds.insert(r.effective);
    if (r.until < INT32_MAX) bounds.insert(int64_t{r.until} + 1);
  }
  std::set<int32_t> when(days.begin(), days.end());
  if (!bounds.empty() && *bounds.begin() > INT32_MIN) {
    when.insert(static_cast<int32_t>(*bounds.begin() - 1));  // before every rule
  }
  for (int64_t b : bounds) when.insert(static_cast<int32_t>(b));
  // One record for every day: only the receipt date changes.
  const std::vector<uint64_t> record = rules::to_record(*proc_, d.slots.data());
  for (int32_t day : when) {
    hoso_rt_ctx c = ctx;
    c.receipt_date = day;
    hoso_decision dec{};
    rules.decide_record(d.procedure, record.data(), &c, &dec);
    Sample sample;
    sample.regime = regime(day);
    sample.included = s < dec.nsteps && ((dec.steps_included >> step) & 1U) != 0;
    if (sample.included) {
      sample.handler.unit = dec.step_unit[step];
      const int32_t role = dec.step_role[step];
      if (role >= 0 && static_cast<size_t>(role) < meta.roles.size()) {
        sample.handler.role = meta.roles[static_cast<size_t>(role)];
      }
      sample.rule = dec.step_rule[step];
      sample.delegated = sample.rule >= 0 &&
                         static_cast<size_t>(sample.rule) < proc_->rules.size() &&
                         proc_->rules[static_cast<size_t>(sample.rule)].kind == "delegate";
    }
    samples_.emplace(day, std::move(sample));
  }
}

bool StepSamples::in_force(int32_t rule, int32_t day) const {
  const rules::RuleMeta& r = proc_->rules[static_cast<size_t>(rule)];
  return r.effective <= day && day <= r.until;
}

std::string StepSamples::regime(int32_t day) const {
  std::string key;
  for (int32_t r : decentralise_) key += in_force(r, day) ? '1' : '0';
  return key;
}

std::vector<std::string> StepSamples::regimes_of(const Handler& holder) const {
  std::vector<std::string> out;
  for (const auto& [day, s] : samples_) {
    if (s.included && !s.delegated && s.handler == holder &&
        std::find(out.begin(), out.end(), s.regime) == out.end()) {
      out.push_back(s.regime);
    }
  }
  return out;
}

std::optional<Handler> StepSamples::holder(int32_t day) const {
  if (proc_ == nullptr) return std::nullopt;
  const std::string r = regime(day);
  auto it = samples_.find(day);
  if (it != samples_.end() && it->second.included && !it->second.delegated) {
    return it->second.handler;
  }
  for (const auto& [d, s] : samples_) {
    if (s.regime == r && s.included && !s.delegated) return s.handler;
  }
  return std::nullopt;
}

std::optional<Delegation> StepSamples::delegation(const Handler& holder, int32_t day) const {
  if (proc_ == nullptr) return std::nullopt;
  const std::vector<std::string> regimes = regimes_of(holder);
  auto known = [&](const std::string& r) {
    return std::find(regimes.begin(), regimes.end(), r) != regimes.end();
  };
  auto at = samples_.find(day);
  if (at == samples_.end()) return std::nullopt;
  if (known(at->second.regime)) {
    // The step is the holder's under that day's rules too: the decision of
    // the day says which delegation, if any, applies.
    const Sample& s = at->second;
    if (s.delegated) return Delegation{s.handler, s.rule};
    return std::nullopt;
  }
  // The decentralisation changed since receipt: a delegation in force that
  // day counts if it applied to the holder on a day the step was the
  // holder's. One the rules never showed applying to the holder does not.
  for (int32_t rule : delegate_) {
    if (!in_force(rule, day)) continue;
    for (const auto& [d, s] : samples_) {
      if (known(s.regime) && s.delegated && s.rule == rule) return Delegation{s.handler, rule};
    }
  }
  return std::nullopt;
}

std::vector<Delegation> StepSamples::delegations_elsewhere(const Handler& holder,
                                                           int32_t day) const {
  std::vector<Delegation> out;
  if (proc_ == nullptr) return out;
  const std::vector<std::string> regimes = regimes_of(holder);
  for (const auto& [d, s] : samples_) {
    if (!s.delegated || in_force(s.rule, day) ||
        std::find(regimes.begin(), regimes.end(), s.regime) == regimes.end()) {
      continue;
    }
    const int32_t rule = s.rule;
    if (std::none_of(out.begin(), out.end(), [&](const Delegation& x) { return x.rule == rule; })) {
      out.push_back({s.handler, rule});
    }
  }
  return out;
}

}  // namespace hoso::engine::authority
