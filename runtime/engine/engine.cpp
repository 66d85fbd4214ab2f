// The dossier engine: intake, steps, clock, deadlines, authority, audit.
// Each action is one atomic store batch: the event (hash-chained journal),
// the new state and the deadline changes, guarded by the dossier's version.
#include "hoso/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "authority.h"

namespace hoso::engine {

using nlohmann::json;

namespace {

constexpr int64_t kDay = 480;

struct StateName {
  State s;
  std::string_view name;
};
constexpr StateName kStates[] = {
    {State::kSupplementRequested, "supplement_requested"},
    {State::kRefusedAtIntake, "refused_at_intake"},
    {State::kInProcess, "in_process"},
    {State::kAwaitingPayment, "awaiting_payment"},
    {State::kRejected, "rejected"},
    {State::kWithdrawn, "withdrawn"},
    {State::kResultReady, "result_ready"},
    {State::kReturned, "returned"},
    {State::kNotCollected, "not_collected"},
};

struct ActionName {
  Action a;
  std::string_view name;
};
constexpr ActionName kActions[] = {
    {Action::kComplete, "complete"},
    {Action::kRequestSupplement, "request_supplement"},
    {Action::kSupplement, "supplement"},
    {Action::kAwaitPayment, "await_payment"},
    {Action::kPaid, "paid"},
    {Action::kReject, "reject"},
    {Action::kWithdraw, "withdraw"},
    {Action::kRefuseIntake, "refuse_intake"},
    {Action::kReturn, "return"},
    {Action::kNotCollected, "not_collected"},
};

State state_from(std::string_view n) {
  for (const auto& s : kStates) {
    if (s.name == n) return s.s;
  }
  return State::kInProcess;
}

class SystemClock final : public Clock {
 public:
  int64_t now() const override {
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
    return secs / 60 + 7 * 60;  // UTC+7
  }
};

bool closed(State s) {
  return s == State::kRefusedAtIntake || s == State::kRejected || s == State::kWithdrawn ||
         s == State::kReturned || s == State::kNotCollected;
}

// An error passed through from the store, saying which call on which dossier
// met it; the code stays the store's.
Error in_context(const std::string& what, Error e) {
  e.message = what + ": " + e.message;
  return e;
}

// A failed write to the store: `what` met it, nothing was applied, and the
// same call with the same idempotency key is the safe retry.
Error store_failure(const std::string& what, Error e, std::string_view key) {
  e = in_context(what, std::move(e));
  if (e.code == ErrorCode::kIo && !key.empty()) {
    e.message += " (retry with the same idempotency key, `" + std::string(key) + "`)";
  }
  return e;
}

bool may_act(const Actor& a, const authority::Handler& h) {
  return a.unit == h.unit && (h.role.empty() || a.role == h.role);
}

std::string basis_text(const rules::RuleMeta& r) {
  std::string s;
  for (const auto& b : r.basis) s += (s.empty() ? "" : ", ") + b;
  return s.empty() ? "a delegation" : s;
}

std::string period_text(const rules::RuleMeta& r) {
  std::string s = "from " + calendar::format_date(r.effective);
  if (r.until < INT32_MAX) s += " to " + calendar::format_date(r.until);
  return s;
}

}  // namespace

std::string_view state_name(State s) {
  for (const auto& x : kStates) {
    if (x.s == s) return x.name;
  }
  return "?";
}

std::string_view action_name(Action a) {
  for (const auto& x : kActions) {
    if (x.a == a) return x.name;
  }
  return "?";
}

Result<Action> parse_action(std::string_view name) {
  std::string all;
  for (const auto& x : kActions) {
    if (x.name == name) return x.a;
    all += (all.empty() ? "" : ", ") + std::string(x.name);
  }
  return make_error(ErrorCode::kInvalidArgument,
                    "unknown action `" + std::string(name) + "` (one of: " + all + ")");
}

std::unique_ptr<Clock> system_clock() {
  return std::make_unique<SystemClock>();
}

// ------------------------------------------------------------------ actors

Result<Actor> parse_actor(std::string_view text, const rules::PackMeta& meta,
                          const rules::Registry& reg) {
  auto fail = [&](const std::string& why) {
    return make_error(ErrorCode::kInvalidArgument,
                      "actor \"" + std::string(text) + "\": " + why +
                          "; write e.g. \"commune Bắc Hà/one_stop#nva\" or "
                          "\"province Lào Cai/construction/head#tt\"");
  };
  Actor a;
  std::string s(text);
  auto hash = s.find('#');
  if (hash != std::string::npos) {
    a.id = s.substr(hash + 1);
    s = s.substr(0, hash);
  }
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    auto slash = s.find('/', start);
    parts.push_back(s.substr(start, slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  const std::string& place = parts[0];
  auto space = place.find(' ');
  if (space == std::string::npos) return fail("no level before the place name");
  std::string level = place.substr(0, space);
  std::string name = place.substr(space + 1);
  bool province = level == "province";
  if (!province && level != "commune") return fail("the level is `commune` or `province`");
  int32_t where = -1;
  if (province) {
    where = reg.find_province(name).value_or(-1);
  } else {
    where = reg.find_commune(name).value_or(-1);
  }
  if (where < 0) return fail("no " + level + " named \"" + name + "\" in the registry");
  const auto& agencies = province ? meta.province_agencies : meta.commune_agencies;
  int32_t agency = 0;
  size_t next = 1;
  if (parts.size() > 1) {
    auto it = std::find(agencies.begin(), agencies.end(), parts[1]);
    if (it != agencies.end()) {
      agency = static_cast<int32_t>(it - agencies.begin());
      next = 2;
    }
  }
  if (next < parts.size()) a.role = parts[next++];
  if (next < parts.size()) return fail("too many parts");
  a.unit = province ? hoso_province_unit(where, agency) : hoso_commune_unit(where, agency);
  return a;
}

std::string actor_text(const Actor& a, const rules::PackMeta& meta, const rules::Registry& reg) {
  std::string s = rules::unit_text(a.unit, meta, reg);
  if (!a.role.empty()) s += " / " + a.role;
  if (!a.id.empty()) s += " #" + a.id;
  return s;
}

// ------------------------------------------------------------------ engine

struct Engine::Impl {
  Config cfg;
  std::shared_ptr<const rules::Decider> rules;
  mutable std::mutex rules_mu;

  std::shared_ptr<const rules::Decider> current_rules() const {
    std::lock_guard<std::mutex> lock(rules_mu);
    return rules;
  }
  const rules::Registry& reg() const { return *cfg.registry; }
  const calendar::Calendar& cal() const { return *cfg.calendar; }

  Result<int64_t> now() const {
    if (cfg.clock == nullptr) {
      return make_error(ErrorCode::kFailedPrecondition, "the engine has no clock configured");
    }
    return cfg.clock->now();
  }

  std::string unit_text(int64_t u, const rules::PackMeta& m) const {
    return rules::unit_text(u, m, reg());
  }

  std::string handler_text(const authority::Handler& h, const rules::PackMeta& m) const {
    return unit_text(h.unit, m) + (h.role.empty() ? "" : " / " + h.role);
  }

  // The delegations of `holder`'s power on step `step` of a dossier, as the
  // rules in force now say: the one in force on `day`, and the others.
  struct StepDelegations {
    const rules::ProcedureMeta* procedure = nullptr;
    std::optional<authority::Delegation> in_force;
    std::vector<authority::Delegation> elsewhere;
  };
  StepDelegations delegations(const rules::Decider& decider, const json& st,
                              const std::string& step, const authority::Handler& holder,
                              int32_t day) const {
    StepDelegations out;
    const rules::PackMeta& meta = decider.meta();
    auto pi = meta.procedure_index(st["procedure"].get<std::string>());
    if (!pi) return out;
    const rules::ProcedureMeta& p = meta.procedures[*pi];
    auto si = std::find_if(p.steps.begin(), p.steps.end(),
                           [&](const rules::StepMeta& m) { return m.name == step; });
    if (si == p.steps.end()) return out;
    // The dossier as received (its receipt day picks the decentralisation).
    auto d = rules::marshal(meta, st["dossier"].dump(), reg());
    if (!d || d->procedure != *pi) return out;
    hoso_rt_ctx c = rules::make_context(*d, reg(), cfg.calendar);
    authority::StepSamples samples(decider, *d, c, static_cast<uint32_t>(si - p.steps.begin()),
                                   {c.receipt_date, day});
    out.procedure = &p;
    out.in_force = samples.delegation(holder, day);
    out.elsewhere = samples.delegations_elsewhere(holder, day);
    return out;
  }

  int64_t add_working(int64_t start, int64_t minutes) const {
    return rules::add_working(cal(), start, minutes).value_or(-1);
  }

  Result<store::CommitResult> commit(const store::Batch& b) const {
    auto r = cfg.store->commit(b);
    if (r && cfg.on_event) {
      for (const auto& e : b.events) cfg.on_event(e);
    }
    return r;
  }

  // Records a refused action in the audit trail and returns the error.
  Error refuse(const Actor& actor, std::string_view dossier, std::string_view action, Error err,
               int64_t at, const rules::PackMeta& meta) const {
    store::Batch b;
    store::Event e;
    e.dossier_id = std::string(dossier);
    e.kind = "refused";
    e.instant = at;
    e.actor = actor_text(actor, meta, reg());
    e.payload = json{{"action", action}, {"reason", err.message}}.dump();
    b.events.push_back(std::move(e));
    auto r = cfg.store->commit(b);
    if (!r) {
      // The refusal stands, but the audit trail could not record it: say so.
      err.message +=
          " (and the refusal could not be recorded in the audit trail: " + r.error().message + ")";
    }
    return err;
  }

  // -------------------------------------------------------------- deadlines

  void schedule(json& st, store::Batch& b) const {
    const std::string id = st["id"];
    for (const char* k : {"due", "warn", "step"}) b.remove_deadlines.push_back({id, k, {}});
    State s = state_from(st["state"].get<std::string>());
    // A dossier with its result, or closed, has nothing left to escalate.
    if (closed(s) || s == State::kResultReady) b.remove_deadlines.push_back({id, "escalate", {}});
    if (s != State::kInProcess || !st["paused_since"].is_null()) return;
    int64_t due = st["due"];
    if (due >= 0 && !st["overdue"].get<bool>()) {
      b.add_deadlines.push_back({id, "due", due, "{}", ""});
      int64_t warn = st["warn_at"];
      // A warning or step deadline that already fired is not queued again.
      if (warn >= 0 && st.value("warn_fired_at", int64_t{-1}) != warn) {
        b.add_deadlines.push_back({id, "warn", warn, "{}", ""});
      }
    }
    size_t step = st["step"];
    const auto& steps = st["steps"];
    if (step < steps.size()) {
      int64_t sd = steps[step]["due"];
      if (sd >= 0 && steps[step].value("late_fired_at", int64_t{-1}) != sd) {
        b.add_deadlines.push_back({id, "step", sd, json{{"step", step}}.dump(), ""});
      }
    }
  }

  // Recomputes due dates after a pause of `paused` working minutes.
  void shift(json& st, int64_t paused) const {
    auto move = [&](json& v) {
      int64_t t = v;
      if (t >= 0) v = add_working(t, paused);
    };
    move(st["due"]);
    move(st["warn_at"]);
    for (auto& s : st["steps"]) move(s["due"]);
  }

  // Steps, due dates and the clock from a decision, clock starting at `start`.
  // Each step records its holder under the rules in force on the receipt
  // day, before delegation: delegations count on the day of each action.
  void plan(json& st, const rules::Decider& decider, const rules::ProcedureMeta& p,
            const rules::Dossier& d, const hoso_decision& dec, int64_t start) const {
    rules::Dossier shifted = d;
    shifted.received = start;
    rules::Due due = rules::compute_due(p, shifted, dec, cal());
    st["clock_start"] = due.start;
    st["due"] = due.due;
    st["original_due"] = due.due;
    st["warn_at"] = due.warn;
    json steps = json::array();
    const auto& roles = decider.meta().roles;
    for (size_t i = 0; i < p.steps.size() && i < HOSO_MAX_STEPS; ++i) {
      if (((dec.steps_included >> i) & 1U) == 0) continue;
      int32_t role = dec.step_role[i];
      authority::Handler holder{dec.step_unit[i],
                                role >= 0 && static_cast<size_t>(role) < roles.size()
                                    ? roles[static_cast<size_t>(role)]
                                    : ""};
      int32_t rule = dec.step_rule[i];
      if (rule >= 0 && static_cast<size_t>(rule) < p.rules.size() &&
          p.rules[static_cast<size_t>(rule)].kind == "delegate") {
        // Delegated on the receipt day: the holder is whom it was delegated
        // from. (Where the rules never show the holder undelegated, the
        // receipt day's handler stays; see authority.h.)
        hoso_rt_ctx c = rules::make_context(d, reg(), cfg.calendar);
        authority::StepSamples samples(decider, d, c, static_cast<uint32_t>(i), {c.receipt_date});
        if (auto h = samples.holder(c.receipt_date)) holder = *h;
      }
      steps.push_back({{"name", p.steps[i].name},
                       {"unit", holder.unit},
                       {"role", holder.role},
                       {"budget", dec.step_budget[i]},
                       {"due", due.step_due[i]},
                       {"yields", p.steps[i].result}});
    }
    st["steps"] = steps;
    st["step"] = 0;
  }

  store::DossierState to_store(const json& st) const {
    store::DossierState ds;
    ds.dossier_id = st["id"];
    ds.state_name = st["state"];
    ds.competent_unit = std::to_string(st["competent"].get<int64_t>());
    ds.receiving_unit = std::to_string(st["receiving"].get<int64_t>());
    int64_t due = st["due"];
    if (due >= 0) ds.due = due;
    ds.state_json = st.dump();
    return ds;
  }

  // Takes the state by value: callers move it in at their last use, so the
  // tree is not copied.
  DossierView view(json st, int64_t version) const {
    DossierView v;
    v.id = st["id"];
    v.procedure = st["procedure"];
    v.state = state_from(st["state"].get<std::string>());
    v.version = version;
    st["version"] = version;
    v.json = st.dump(2, ' ', false, json::error_handler_t::replace);
    return v;
  }

  store::Event event(const json& st, std::string kind, int64_t at, const std::string& actor,
                     json payload) const {
    store::Event e;
    e.dossier_id = st["id"];
    e.kind = std::move(kind);
    e.instant = at;
    e.actor = actor;
    e.payload = payload.dump();
    return e;
  }

  // Who may see a dossier: units of the places it touched (a commune sees
  // only dossiers it received or handles; a province sees its province's).
  bool may_see(const Actor& a, const json& st, const hoso_rt_ctx& ctx) const {
    std::vector<int64_t> units = {st["receiving"].get<int64_t>(), st["competent"].get<int64_t>()};
    for (const auto& s : st["steps"]) units.push_back(s["unit"].get<int64_t>());
    int32_t level = hoso_unit_level(a.unit);
    for (int64_t u : units) {
      if (level == 2 && hoso_unit_commune(u) == hoso_unit_commune(a.unit)) return true;
      if (level == 1 && hoso_unit_province(&ctx, u) == hoso_unit_province(&ctx, a.unit)) {
        return true;
      }
    }
    return false;
  }

  hoso_rt_ctx ctx() const {
    hoso_rt_ctx c{};
    c.province_of = reg().province_table();
    c.communes = reg().communes();
    c.calendar = cfg.calendar;
    return c;
  }

  // The desk of the dossier: the one-stop unit (or People's Committee) of the
  // place that received it.
  bool is_desk(const Actor& a, int64_t receiving) const {
    hoso_rt_ctx c = ctx();
    if (hoso_unit_level(a.unit) != hoso_unit_level(receiving)) return false;
    if (hoso_unit_level(a.unit) == 2) {
      return hoso_unit_commune(a.unit) == hoso_unit_commune(receiving);
    }
    return hoso_unit_province(&c, a.unit) == hoso_unit_province(&c, receiving);
  }
};

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::create(Config config) {
  if (!config.rules) return make_error(ErrorCode::kInvalidArgument, "engine: no rules given");
  if (config.store == nullptr) return make_error(ErrorCode::kInvalidArgument, "engine: no store");
  if (config.calendar == nullptr) config.calendar = &calendar::default_calendar();
  if (config.registry == nullptr) config.registry = &rules::Registry::default_registry();
  auto impl = std::make_unique<Impl>();
  impl->rules = config.rules;
  impl->cfg = std::move(config);
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

void Engine::replace_rules(std::shared_ptr<const rules::Decider> rules) {
  std::lock_guard<std::mutex> lock(impl_->rules_mu);
  impl_->rules = std::move(rules);
}

Result<DossierView> Engine::submit_unguarded(const Actor& actor, const Submission& s) {
  Impl& I = *impl_;
  auto rules = I.current_rules();
  const auto& meta = rules->meta();
  auto now = I.now();
  if (!now) return now.error();
  if (!s.idempotency_key.empty()) {
    const std::string what = "submit with idempotency key `" + s.idempotency_key + "`";
    auto prev = I.cfg.store->find_event_by_key(s.idempotency_key);
    if (!prev) return in_context(what, prev.error());
    if (prev->has_value()) {
      auto ds = I.cfg.store->get_dossier((*prev)->dossier_id);
      if (!ds) return in_context(what + " (dossier " + (*prev)->dossier_id + ")", ds.error());
      return I.view(json::parse(ds->state_json), ds->version);
    }
  }
  auto d = rules::marshal(meta, s.dossier_json, I.reg());
  if (!d) return d.error();
  std::string who = actor_text(actor, meta, I.reg());
  if (!I.is_desk(actor, d->receiving_unit)) {
    return I.refuse(actor, "", "submit",
                    make_error(ErrorCode::kPermissionDenied,
                               "only the desk of " + I.unit_text(d->receiving_unit, meta) +
                                   " may take this dossier in; you are " + who),
                    *now, meta);
  }
  const rules::ProcedureMeta& p = meta.procedures[d->procedure];
  hoso_rt_ctx ctx = rules::make_context(*d, I.reg(), I.cfg.calendar);
  hoso_decision dec{};
  rules->decide(d->procedure, d->slots.data(), &ctx, &dec);
  if (dec.overflow != 0) {
    // The wrapped numbers would become a wrong deadline or fee on record. A
    // dossier that also fails a `require` (perhaps the one guarding the very
    // value that overflows) gets its guidance instead, with no deadline.
    if (dec.failed_requires == 0) {
      return make_error(ErrorCode::kInvalidArgument, rules::overflow_message(p));
    }
    dec.deadline_minutes = 0;
  }

  json st;
  st["procedure"] = p.name;
  st["rules_version"] = p.version;
  st["received"] = d->received;
  st["receiving"] = d->receiving_unit;
  st["channel"] = s.channel;
  st["submitted"] = s.submitted ? json(*s.submitted) : json(nullptr);
  st["dossier"] = json::parse(s.dossier_json);
  st["competent"] = dec.unit;
  st["level"] = hoso_unit_level(dec.unit) == 1 ? "province" : "commune";
  st["deadline_minutes"] = dec.deadline_minutes;
  st["supplements"] = 0;
  st["paused_since"] = nullptr;
  st["paused_minutes"] = 0;
  st["overdue"] = false;
  st["apologies"] = 0;
  st["result_at"] = nullptr;
  st["closed_at"] = nullptr;
  st["outcome"] = nullptr;
  st["late_receipt"] = false;
  if (s.channel == "online" && s.submitted) {
    auto worked = I.cal().working_minutes_between(*s.submitted, d->received).value_or(0);
    st["late_receipt"] = worked > int64_t{I.cfg.online_receipt_sla_hours} * 60;
  }
  json guidance = json::array();
  for (size_t i = 0; i < p.requires_.size(); ++i) {
    if ((dec.failed_requires >> i) & 1U) guidance.push_back(p.requires_[i].message);
  }
  if (!guidance.empty()) {
    st["state"] = state_name(State::kSupplementRequested);
    st["intake_incomplete"] = true;
    st["guidance"] = guidance;
    st["supplements"] = 1;
    st["steps"] = json::array();
    st["step"] = 0;
    st["clock_start"] = -1;
    st["due"] = -1;
    st["original_due"] = -1;
    st["warn_at"] = -1;
  } else {
    st["state"] = state_name(State::kInProcess);
    st["intake_incomplete"] = false;
    I.plan(st, *rules, p, *d, dec, d->received);
  }
  // The number comes from the store (a sequence shared by every engine on
  // it); a number already taken (a dossier stored under it some other way)
  // costs one more.
  for (int attempt = 0; attempt < 20; ++attempt) {
    auto n = I.cfg.store->next_dossier_number();
    if (!n) {
      return store_failure("submit " + p.name + ": allocating a dossier number", n.error(),
                           s.idempotency_key);
    }
    st["id"] = fmt::format("HS{:08}", *n);
    store::Batch b;
    b.expect.push_back({st["id"], 0});
    store::Event e = I.event(st, "received", d->received, who,
                             {{"procedure", p.name},
                              {"competent", dec.unit},
                              {"due", st["due"]},
                              {"guidance", guidance},
                              {"channel", s.channel}});
    e.idempotency_key = s.idempotency_key;
    b.events.push_back(std::move(e));
    b.states.push_back(I.to_store(st));
    I.schedule(st, b);
    auto r = I.commit(b);
    if (r) {
      if (r->duplicate) {
        auto prev = I.cfg.store->find_event_by_key(s.idempotency_key);
        if (prev && prev->has_value()) {
          auto ds = I.cfg.store->get_dossier((*prev)->dossier_id);
          if (ds) return I.view(json::parse(ds->state_json), ds->version);
        }
      }
      return I.view(std::move(st), r->versions.empty() ? 1 : r->versions[0]);
    }
    if (r.error().code != ErrorCode::kFailedPrecondition) {
      return store_failure("submit " + p.name + " dossier " + st["id"].get<std::string>(),
                           r.error(), s.idempotency_key);
    }
  }
  return make_error(ErrorCode::kInternal,
                    "submit " + p.name +
                        ": could not allocate a dossier number in 20 attempts (other engines on "
                        "this store keep taking them); retry the submission with the same "
                        "idempotency key");
}

Result<DossierView> Engine::act_unguarded(const Actor& actor, std::string_view dossier_id,
                                          Action action, std::string_view payload_text,
                                          std::string_view idempotency_key) {
  Impl& I = *impl_;
  auto rules = I.current_rules();
  const auto& meta = rules->meta();
  auto now_r = I.now();
  if (!now_r) return now_r.error();
  int64_t now = *now_r;
  std::string aname(action_name(action));
  const std::string what = "act `" + aname + "` on dossier " + std::string(dossier_id);
  if (!idempotency_key.empty()) {
    auto prev = I.cfg.store->find_event_by_key(idempotency_key);
    if (!prev) return in_context(what, prev.error());
    if (prev->has_value()) {
      auto ds = I.cfg.store->get_dossier(dossier_id);
      if (!ds) return in_context(what, ds.error());
      return I.view(json::parse(ds->state_json), ds->version);
    }
  }
  if (rules::json_nesting_exceeds(payload_text, 32)) {
    return make_error(ErrorCode::kInvalidArgument, "the action's payload nests more than 32 deep");
  }
  json payload = json::parse(payload_text, nullptr, false);
  if (payload.is_discarded() || !payload.is_object()) {
    return make_error(ErrorCode::kInvalidArgument, "the action's payload must be a JSON object");
  }
  auto ds = I.cfg.store->get_dossier(dossier_id);
  if (!ds) return in_context(what, ds.error());
  json st = json::parse(ds->state_json, nullptr, false);
  if (st.is_discarded()) {
    return make_error(ErrorCode::kInternal, what + ": stored state is damaged");
  }
  std::string who = actor_text(actor, meta, I.reg());
  State s = state_from(st["state"].get<std::string>());
  int64_t receiving = st["receiving"];
  size_t step = st["step"];
  auto& steps = st["steps"];
  json delegation;  // set when a delegate acts in the holder's stead
  bool desk_action = action == Action::kSupplement || action == Action::kPaid ||
                     action == Action::kWithdraw || action == Action::kRefuseIntake ||
                     action == Action::kReturn || action == Action::kNotCollected;
  // Authority.
  if (desk_action || (action == Action::kRequestSupplement && I.is_desk(actor, receiving))) {
    if (!I.is_desk(actor, receiving)) {
      return I.refuse(actor, dossier_id, aname,
                      make_error(ErrorCode::kPermissionDenied,
                                 "only the receiving desk (" + I.unit_text(receiving, meta) +
                                     ") may " + aname + " this dossier; you are " + who),
                      now, meta);
    }
  } else {
    if (step >= steps.size()) {
      return I.refuse(actor, dossier_id, aname,
                      make_error(ErrorCode::kFailedPrecondition,
                                 "dossier " + std::string(dossier_id) + " has no step in progress"),
                      now, meta);
    }
    // The holder fixed at receipt, or the delegate of a delegation in force
    // on the day of the action; the holder keeps the power it delegated.
    authority::Handler holder{steps[step]["unit"].get<int64_t>(),
                              steps[step]["role"].get<std::string>()};
    if (!may_act(actor, holder)) {
      const std::string sname = steps[step]["name"];
      const int32_t day = calendar::date_of(now);
      auto del = I.delegations(*rules, st, sname, holder, day);
      if (del.in_force && may_act(actor, del.in_force->to)) {
        const auto& r = del.procedure->rules[static_cast<size_t>(del.in_force->rule)];
        delegation = {{"holder", I.handler_text(holder, meta)},
                      {"basis", r.basis},
                      {"in_force", period_text(r)}};
      } else {
        std::string need = I.handler_text(holder, meta);
        if (del.in_force) {
          const auto& r = del.procedure->rules[static_cast<size_t>(del.in_force->rule)];
          need += " and, by delegation (" + basis_text(r) + ") in force on " +
                  calendar::format_date(day) + ", of " + I.handler_text(del.in_force->to, meta);
        }
        std::string msg = "step `" + sname + "` is in the hands of " + need + "; you are " + who;
        for (const auto& e : del.elsewhere) {
          const auto& r = del.procedure->rules[static_cast<size_t>(e.rule)];
          msg += "; the delegation to " + I.handler_text(e.to, meta) + " (" + basis_text(r) +
                 ") is in force " + period_text(r) + ", not on " + calendar::format_date(day);
        }
        return I.refuse(actor, dossier_id, aname, make_error(ErrorCode::kPermissionDenied, msg),
                        now, meta);
      }
    }
  }
  auto wrong_state = [&](const std::string& needs) {
    return I.refuse(actor, dossier_id, aname,
                    make_error(ErrorCode::kFailedPrecondition,
                               "dossier " + std::string(dossier_id) + " is " +
                                   std::string(state_name(s)) + "; `" + aname + "` needs " + needs),
                    now, meta);
  };
  std::string kind = aname;
  json ev = payload;
  if (!delegation.is_null()) ev["delegation"] = delegation;
  const rules::ProcedureMeta* p = nullptr;
  for (const auto& pm : meta.procedures) {
    if (pm.name == st["procedure"]) p = &pm;
  }
  auto pause = [&]() {
    std::string rule = p != nullptr ? p->supplement : "pauses";
    if (rule != "counts" && st["paused_since"].is_null()) st["paused_since"] = now;
  };
  auto resume = [&]() {
    if (st["paused_since"].is_null()) return;
    int64_t since = st["paused_since"];
    std::string rule = p != nullptr ? p->supplement : "pauses";
    if (rule == "restarts") {
      int64_t d = st["deadline_minutes"];
      int64_t start = I.cal().intake(now).value_or(now);
      int64_t old_due = st["due"];
      int64_t new_due = I.add_working(start, d);
      st["due"] = new_due;
      int64_t delta = I.cal().working_minutes_between(old_due, new_due).value_or(0);
      for (auto& sd : st["steps"]) {
        int64_t t = sd["due"];
        if (t >= 0) sd["due"] = I.add_working(t, delta);
      }
      int64_t w = st["warn_at"];
      if (w >= 0) st["warn_at"] = I.add_working(w, delta);
    } else {
      int64_t paused = I.cal().working_minutes_between(since, now).value_or(0);
      st["paused_minutes"] = st["paused_minutes"].get<int64_t>() + paused;
      I.shift(st, paused);
      ev["paused_working_minutes"] = paused;
    }
    st["paused_since"] = nullptr;
  };
  switch (action) {
    case Action::kComplete: {
      if (s != State::kInProcess || !st["paused_since"].is_null()) return wrong_state("in_process");
      ev["step"] = steps[step]["name"];
      ++step;
      st["step"] = step;
      if (step >= steps.size()) {
        st["state"] = state_name(State::kResultReady);
        st["result_at"] = now;
        int64_t due = st["due"];
        std::string outcome = "late";
        if (due < 0 || now <= due) {
          outcome = calendar::date_of(now) < calendar::date_of(due) ? "early" : "on_time";
        }
        st["outcome"] = outcome;
        ev["outcome"] = outcome;
        kind = "result_ready";
      } else {
        int64_t prev_unit = steps[step - 1]["unit"], next_unit = steps[step]["unit"];
        if (prev_unit != next_unit) {
          ev["transferred_to"] = I.unit_text(next_unit, meta);
          kind = "transferred";
        } else {
          kind = "step_done";
        }
      }
      break;
    }
    case Action::kRequestSupplement:
      if (s != State::kInProcess) return wrong_state("in_process");
      st["state"] = state_name(State::kSupplementRequested);
      st["supplements"] = st["supplements"].get<int64_t>() + 1;
      pause();
      break;
    case Action::kSupplement: {
      if (s != State::kSupplementRequested) return wrong_state("supplement_requested");
      if (st["intake_incomplete"].get<bool>()) {
        // The citizen completes the dossier: check again, start the clock.
        json dossier = st["dossier"];
        if (payload.contains("fields") && payload["fields"].is_object()) {
          for (const auto& [k, v] : payload["fields"].items()) dossier["fields"][k] = v;
        }
        auto d = rules::marshal(meta, dossier.dump(), I.reg());
        if (!d) return d.error();
        hoso_rt_ctx c = rules::make_context(*d, I.reg(), I.cfg.calendar);
        hoso_decision dec{};
        rules->decide(d->procedure, d->slots.data(), &c, &dec);
        json guidance = json::array();
        const auto& pm = meta.procedures[d->procedure];
        for (size_t i = 0; i < pm.requires_.size(); ++i) {
          if ((dec.failed_requires >> i) & 1U) guidance.push_back(pm.requires_[i].message);
        }
        if (guidance.empty() && dec.overflow != 0) {
          // Refused, the dossier stays incomplete: the citizen may correct it.
          return make_error(ErrorCode::kInvalidArgument, rules::overflow_message(pm));
        }
        st["dossier"] = dossier;
        if (!guidance.empty()) {
          // Decree 118: written guidance is given once; a dossier still
          // incomplete is refused.
          st["state"] = state_name(State::kRefusedAtIntake);
          st["closed_at"] = now;
          ev["guidance"] = guidance;
          kind = "refused_at_intake";
          break;
        }
        st["intake_incomplete"] = false;
        st["competent"] = dec.unit;
        st["level"] = hoso_unit_level(dec.unit) == 1 ? "province" : "commune";
        st["deadline_minutes"] = dec.deadline_minutes;
        st["state"] = state_name(State::kInProcess);
        I.plan(st, *rules, pm, *d, dec, now);
        kind = "received_complete";
        break;
      }
      st["state"] = state_name(State::kInProcess);
      resume();
      break;
    }
    case Action::kAwaitPayment:
      if (s != State::kInProcess) return wrong_state("in_process");
      st["state"] = state_name(State::kAwaitingPayment);
      if (st["paused_since"].is_null()) st["paused_since"] = now;
      break;
    case Action::kPaid:
      if (s != State::kAwaitingPayment) return wrong_state("awaiting_payment");
      st["state"] = state_name(State::kInProcess);
      {
        int64_t since = st["paused_since"];
        int64_t paused = I.cal().working_minutes_between(since, now).value_or(0);
        st["paused_minutes"] = st["paused_minutes"].get<int64_t>() + paused;
        I.shift(st, paused);
        st["paused_since"] = nullptr;
      }
      break;
    case Action::kReject:
      if (s != State::kInProcess) return wrong_state("in_process");
      st["state"] = state_name(State::kRejected);
      st["closed_at"] = now;
      break;
    case Action::kWithdraw:
      if (closed(s) || s == State::kResultReady) return wrong_state("an open dossier");
      st["state"] = state_name(State::kWithdrawn);
      st["closed_at"] = now;
      break;
    case Action::kRefuseIntake:
      if (s != State::kSupplementRequested || !st["intake_incomplete"].get<bool>()) {
        if (!(s == State::kInProcess && step == 0)) {
          return wrong_state("a dossier still at intake");
        }
      }
      st["state"] = state_name(State::kRefusedAtIntake);
      st["closed_at"] = now;
      break;
    case Action::kReturn:
      if (s != State::kResultReady) return wrong_state("result_ready");
      st["state"] = state_name(State::kReturned);
      st["closed_at"] = now;
      break;
    case Action::kNotCollected:
      if (s != State::kResultReady) return wrong_state("result_ready");
      st["state"] = state_name(State::kNotCollected);
      st["closed_at"] = now;
      break;
  }
  store::Batch b;
  b.expect.push_back({std::string(dossier_id), ds->version});
  store::Event e = I.event(st, kind, now, who, ev);
  e.idempotency_key = std::string(idempotency_key);
  b.events.push_back(std::move(e));
  b.states.push_back(I.to_store(st));
  I.schedule(st, b);
  // Liên thông: a result hands on to the next procedure of its chain. The
  // hand-off is a deadline due now, in the same batch, so a crash before it
  // happens leaves it for advance(); it runs right after the commit too.
  std::optional<store::Deadline> hand_off;
  if (kind == "result_ready" && p != nullptr) {
    auto pi = meta.procedure_index(p->name);
    for (const auto& c : meta.chains) {
      for (size_t k = 0; pi && k + 1 < c.procedures.size(); ++k) {
        if (c.procedures[k] != *pi) continue;
        store::Deadline d{
            std::string(dossier_id), "chain", now,
            json{{"chain", c.name}, {"next", meta.procedures[c.procedures[k + 1]].name}}.dump(),
            ""};
        b.add_deadlines.push_back(d);
        hand_off = d;
      }
    }
  }
  auto r = I.commit(b);
  if (!r) {
    if (r.error().code == ErrorCode::kFailedPrecondition) {
      return make_error(ErrorCode::kFailedPrecondition,
                        what + ": the dossier changed while this action was prepared; " +
                            "read it again and retry (" + r.error().message + ")");
    }
    return store_failure(what, r.error(), idempotency_key);
  }
  int64_t version = r->versions.empty() ? ds->version + 1 : r->versions[0];
  if (hand_off) {
    // Best effort now; advance() retries it if this fails or the process dies.
    if (hand_on(*hand_off)) ++version;
  }
  return I.view(std::move(st), version);
}

bool Engine::hand_on(const store::Deadline& dl) {
  Impl& I = *impl_;
  auto rules = I.current_rules();
  const auto& meta = rules->meta();
  auto ds = I.cfg.store->get_dossier(dl.dossier_id);
  if (!ds) return false;
  json st = json::parse(ds->state_json, nullptr, false);
  json pl = json::parse(dl.payload, nullptr, false);
  if (st.is_discarded() || pl.is_discarded()) return false;
  std::string next = pl.value("next", "");
  auto ni = meta.procedure_index(next);
  json ev = {{"chain", pl.value("chain", "")}, {"next", next}};
  std::string kind = "handed_on";
  if (!ni) {
    kind = "chain_blocked";
    ev["reason"] = "procedure " + next + " is not in the rules in force";
  } else {
    // The next dossier: the fields it shares by name with this one, taken in
    // at the same desk, now.
    const auto& np = meta.procedures[*ni];
    json fields = json::object();
    const json& prev = st["dossier"]["fields"];
    for (const auto& f : np.fields) {
      if (prev.is_object() && prev.contains(f.name)) fields[f.name] = prev[f.name];
    }
    int64_t desk = st["receiving"];
    hoso_rt_ctx c = I.ctx();
    std::string where = hoso_unit_level(desk) == 1
                            ? "province " + I.reg().province_name(hoso_unit_province(&c, desk))
                            : "commune " + I.reg().commune_name(hoso_unit_commune(desk));
    Submission s;
    s.dossier_json = json{
        {"procedure", next},
        {"received", calendar::format_instant(dl.fire_at)},
        {"receiving", where},
        {"fields",
         fields}}.dump();
    s.channel = "chain";
    s.idempotency_key = "chain:" + dl.dossier_id + ":" + next;
    Actor engine_actor{desk, "", "engine"};
    auto made = submit_unguarded(engine_actor, s);
    if (made) {
      ev["dossier"] = made->id;
    } else {
      kind = "chain_blocked";
      ev["reason"] = made.error().message;
    }
  }
  store::Batch b;
  b.expect.push_back({dl.dossier_id, ds->version});
  b.remove_deadlines.push_back({dl.dossier_id, dl.kind, dl.fire_at});
  b.events.push_back(I.event(st, kind, dl.fire_at, "engine", ev));
  b.states.push_back(I.to_store(st));
  return I.commit(b).ok();
}

Result<AdvanceReport> Engine::advance_unguarded(int64_t now) {
  Impl& I = *impl_;
  auto rules = I.current_rules();
  const auto& meta = rules->meta();
  AdvanceReport report;
  // Deadlines this call has already handled: a claim that returns only those
  // (one left in place, e.g. of a dossier whose stored state cannot be read)
  // ends the call instead of claiming them again and again.
  std::set<std::tuple<std::string, std::string, int64_t>> handled;
  for (int round = 0; round < 1000; ++round) {
    store::ClaimRequest req;
    req.now = now;
    req.limit = 256;
    if (!I.cfg.node.empty()) {
      req.owner = I.cfg.node;
      req.lease_now = I.cfg.lease_clock ? I.cfg.lease_clock()
                                        : std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count();
      req.lease_until = req.lease_now + I.cfg.lease_ms;
    }
    auto due = I.cfg.store->claim_due(req);
    if (!due) {
      return in_context("advance to " + calendar::format_instant(now) + ": claiming due deadlines",
                        due.error());
    }
    bool fresh = false;
    for (const auto& dl : *due) fresh |= handled.emplace(dl.dossier_id, dl.kind, dl.fire_at).second;
    if (!fresh) break;
    for (const auto& dl : *due) {
      if (dl.kind == "chain") {
        if (hand_on(dl)) {
          ++report.fired;
          report.events.push_back(dl.dossier_id + " handed on");
        }
        continue;
      }
      const std::string what = "advance to " + calendar::format_instant(now) + ": deadline `" +
                               dl.kind + "` of dossier " + dl.dossier_id;
      auto ds = I.cfg.store->get_dossier(dl.dossier_id);
      if (!ds) return in_context(what, ds.error());
      json st = json::parse(ds->state_json, nullptr, false);
      if (st.is_discarded()) continue;
      const rules::ProcedureMeta* p = nullptr;
      for (const auto& pm : meta.procedures) {
        if (pm.name == st["procedure"]) p = &pm;
      }
      store::Batch b;
      b.expect.push_back({dl.dossier_id, ds->version});
      b.remove_deadlines.push_back({dl.dossier_id, dl.kind, dl.fire_at});
      json ev = {{"deadline", dl.fire_at}};
      std::string kind;
      int64_t competent = st["competent"];
      if (dl.kind == "warn") {
        kind = "warned";
        ev["notify"] = I.unit_text(competent, meta);
        st["warn_fired_at"] = dl.fire_at;
      } else if (dl.kind == "step") {
        kind = "step_late";
        size_t step = st["step"];
        if (step < st["steps"].size()) {
          ev["step"] = st["steps"][step]["name"];
          st["steps"][step]["late_fired_at"] = dl.fire_at;
        }
      } else if (dl.kind == "due") {
        kind = "overdue";
        st["overdue"] = true;
        json actions = json::array();
        if (p != nullptr) {
          for (const auto& l : p->late) {
            if (l.kind == "apologise") {
              // Form 04: apology with a new appointment: the time the
              // remaining steps need, at least one working day.
              int64_t remaining = 0;
              size_t step = st["step"];
              for (size_t i = step; i < st["steps"].size(); ++i) {
                remaining += st["steps"][i]["budget"].get<int64_t>();
              }
              remaining = std::max<int64_t>(remaining, kDay);
              int64_t new_due = I.add_working(dl.fire_at, remaining);
              st["apologies"] = st["apologies"].get<int64_t>() + 1;
              st["new_appointment"] = new_due;
              actions.push_back(
                  {{"apologise", true}, {"new_appointment", calendar::format_instant(new_due)}});
            } else if (l.kind == "notify") {
              actions.push_back({{"notify", l.target}});
            } else if (l.kind == "escalate") {
              int64_t at = I.add_working(dl.fire_at, l.after_minutes);
              b.add_deadlines.push_back(
                  {dl.dossier_id, "escalate", at, json{{"to", l.target}}.dump(), ""});
              actions.push_back({{"escalate", l.target}, {"at", calendar::format_instant(at)}});
            }
          }
        }
        ev["late_handling"] = actions;
      } else if (dl.kind == "escalate") {
        kind = "escalated";
        json pl = json::parse(dl.payload, nullptr, false);
        ev["to"] = pl.is_object() ? pl["to"] : json("?");
        st["escalated"] = true;
      } else {
        kind = dl.kind;
      }
      State s = state_from(st["state"].get<std::string>());
      bool open = !(closed(s) || s == State::kResultReady);
      if (open) {
        b.events.push_back(I.event(st, kind, dl.fire_at, "engine", ev));
        b.states.push_back(I.to_store(st));
      }
      auto r = I.commit(b);
      if (!r) {
        if (r.error().code == ErrorCode::kFailedPrecondition) {  // fired elsewhere
          ++report.taken_elsewhere;
          continue;
        }
        return in_context(what, r.error());
      }
      if (!b.events.empty()) {
        ++report.fired;
        report.events.push_back(dl.dossier_id + " " + kind);
      }
    }
  }
  return report;
}

Result<DossierView> Engine::show_unguarded(const Actor& actor, std::string_view dossier_id) const {
  const Impl& I = *impl_;
  auto ds = I.cfg.store->get_dossier(dossier_id);
  if (!ds) return in_context("show dossier " + std::string(dossier_id), ds.error());
  json st = json::parse(ds->state_json, nullptr, false);
  if (st.is_discarded()) return make_error(ErrorCode::kInternal, "stored state is damaged");
  hoso_rt_ctx c = I.ctx();
  if (!I.may_see(actor, st, c)) {
    return make_error(ErrorCode::kPermissionDenied,
                      "dossier " + std::string(dossier_id) +
                          " was neither received nor handled by your commune or province");
  }
  return I.view(std::move(st), ds->version);
}

Result<Kpi> Engine::kpi_unguarded() const {
  const Impl& I = *impl_;
  const auto& meta = I.current_rules()->meta();
  std::set<std::string> ids;
  for (store::Sequence from = 1;;) {
    auto page = I.cfg.store->read_journal(from, 2048);
    if (!page) return in_context("kpi: reading the journal", page.error());
    if (page->empty()) break;
    for (const auto& e : *page) {
      if (!e.dossier_id.empty()) ids.insert(e.dossier_id);
    }
    from = page->back().seq + 1;
  }
  std::map<int64_t, UnitKpi> units;
  std::map<std::string, UnitKpi> levels;
  for (const auto& id : ids) {
    auto ds = I.cfg.store->get_dossier(id);
    if (!ds) continue;
    json st = json::parse(ds->state_json, nullptr, false);
    if (st.is_discarded()) continue;
    int64_t u = st["competent"];
    std::string level = st["level"];
    for (UnitKpi* k : {&units[u], &levels[level]}) {
      k->received++;
      State s = state_from(st["state"].get<std::string>());
      if (!st["outcome"].is_null()) {
        std::string o = st["outcome"];
        k->closed++;
        if (o == "early") k->early++;
        if (o == "on_time") k->on_time++;
        if (o == "late") k->late++;
      } else if (!closed(s) && st["overdue"].get<bool>()) {
        k->in_process_late++;
      }
      k->supplements += st["supplements"].get<int64_t>();
      if (st["channel"] == "online") k->online++;
      if (st["late_receipt"].get<bool>()) k->late_receipts++;
    }
  }
  auto finish = [](UnitKpi& k) {
    double late = static_cast<double>(k.late + k.in_process_late);
    k.on_time_rate = k.received > 0 ? 1.0 - late / static_cast<double>(k.received) : 1.0;
    k.supplements_per_dossier =
        k.received > 0 ? static_cast<double>(k.supplements) / static_cast<double>(k.received) : 0;
    k.online_share =
        k.received > 0 ? static_cast<double>(k.online) / static_cast<double>(k.received) : 0;
  };
  Kpi out;
  for (auto& [u, k] : units) {
    k.unit_id = u;
    k.unit = I.unit_text(u, meta);
    k.level = hoso_unit_level(u) == 1 ? "province" : "commune";
    finish(k);
    out.units.push_back(k);
  }
  for (auto& [l, k] : levels) {
    k.unit = l;
    k.level = l;
    finish(k);
    out.levels.push_back(k);
  }
  return out;
}

// nlohmann::json and the standard library may throw (a damaged state, an
// allocation failure); nothing crosses the engine's API as an exception.
namespace {
template <class F>
auto guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kInternal, std::string("engine: ") + e.what());
  } catch (...) {
    return make_error(ErrorCode::kInternal, "engine: unknown failure");
  }
}
}  // namespace

Result<DossierView> Engine::submit(const Actor& actor, const Submission& s) {
  return guarded([&] { return submit_unguarded(actor, s); });
}
Result<DossierView> Engine::act(const Actor& actor, std::string_view dossier_id, Action action,
                                std::string_view payload, std::string_view idempotency_key) {
  return guarded(
      [&] { return act_unguarded(actor, dossier_id, action, payload, idempotency_key); });
}
Result<AdvanceReport> Engine::advance(int64_t now) {
  return guarded([&] { return advance_unguarded(now); });
}
Result<DossierView> Engine::show(const Actor& actor, std::string_view dossier_id) const {
  return guarded([&] { return show_unguarded(actor, dossier_id); });
}
Result<Kpi> Engine::kpi() const {
  return guarded([&] { return kpi_unguarded(); });
}

}  // namespace hoso::engine
