// The dossier engine integrators embed: it takes dossiers in at any one-stop
// desk, routes each with the compiled rules in force on the day of receipt,
// runs its steps, keeps its clock on the working calendar, warns, apologises
// and escalates when deadlines slip, lets only the right officials act (the
// desk for intake and return; the holder of the current step, fixed at
// receipt, or the delegate of a delegation in force on the day of the action),
// and records every action (allowed or refused) in the store's hash-chained
// journal. Errors from the store keep their code and name the call and the
// dossier they met.
//
// Everything is injected: rules (any rules::Decider: interpreter, JIT or a
// pack), store, calendar, registry, clock. No global state; two engines in
// one process work. A simulator runs this same engine with a simulated clock
// and an in-memory store; a service puts it behind HTTP.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hoso/calendar.h"
#include "hoso/result.h"
#include "hoso/rules.h"
#include "hoso/store.h"

namespace hoso::engine {

// An official with a role at a unit. Written "commune Bắc Hà/one_stop#nva",
// "province Lào Cai/construction/head#tt", "commune Sa Pa/chairman#ct".
struct Actor {
  int64_t unit = HOSO_NO_UNIT;
  std::string role;  // "" = an officer of the unit
  std::string id;    // the official
};

Result<Actor> parse_actor(std::string_view text, const rules::PackMeta& meta,
                          const rules::Registry& registry);
std::string actor_text(const Actor& a, const rules::PackMeta& meta,
                       const rules::Registry& registry);

// Decree 118/2025 and Circular 01/2018 states.
enum class State {
  kSupplementRequested,  // form 02: incomplete at intake or during processing; clock per rule
  kRefusedAtIntake,      // form 03
  kInProcess,            // at step `step` of the route; transferred between units as steps move
  kAwaitingPayment,      // financial obligation; clock paused
  kRejected,             // rejected on the merits
  kWithdrawn,
  kResultReady,
  kReturned,
  kNotCollected,
};
std::string_view state_name(State s);

enum class Action {
  kComplete,           // the current step's handler finishes the step
  kRequestSupplement,  // the handler (or the desk) asks the citizen for more
  kSupplement,         // the desk records the citizen's supplement (payload: new fields)
  kAwaitPayment,       // the handler waits for a fee or tax
  kPaid,               // the desk records the payment
  kReject,             // the handler rejects on the merits (payload: reason)
  kWithdraw,           // the desk records the citizen's withdrawal
  kRefuseIntake,       // the desk refuses a dossier outside its scope
  kReturn,             // the desk hands the result over
  kNotCollected,       // the desk records that nobody came for it
};
Result<Action> parse_action(std::string_view name);
std::string_view action_name(Action a);

struct DossierView {
  std::string id;
  std::string procedure;
  State state = State::kInProcess;
  int64_t version = 0;
  std::string json;  // the whole state, as stored
};

struct AdvanceReport {
  size_t fired = 0;  // deadline events fired (warnings, overdue, apologies, escalations)
  std::vector<std::string> events;  // "HS000012 overdue", for a quick look
  size_t taken_elsewhere = 0;       // deadlines another engine on the store fired first
};

struct UnitKpi {
  std::string unit;  // unit text
  int64_t unit_id = HOSO_NO_UNIT;
  std::string level;
  int64_t received = 0, closed = 0, early = 0, on_time = 0, late = 0;
  int64_t in_process_late = 0;  // still open and past due
  int64_t supplements = 0;
  int64_t online = 0;
  int64_t late_receipts = 0;  // online dossiers taken in more than 8 working hours after submission
  double on_time_rate = 1.0;  // 1 - late / to-process (Gia Lai formula)
  double supplements_per_dossier = 0;
  double online_share = 0;
};

struct Kpi {
  std::vector<UnitKpi> units;   // per competent unit
  std::vector<UnitKpi> levels;  // "province", "commune"
};

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now() const = 0;  // minutes, UTC+7
};

// The wall clock of this machine, in Vietnam's local time.
std::unique_ptr<Clock> system_clock();

struct Config {
  std::shared_ptr<const rules::Decider> rules;   // required
  store::Store* store = nullptr;                 // required
  const calendar::Calendar* calendar = nullptr;  // default: the embedded calendar
  const rules::Registry* registry = nullptr;     // default: the embedded registry
  const Clock* clock = nullptr;                  // default: actions carry no time -> error
  // Notified after each committed event (apology letters, escalations...).
  std::function<void(const store::Event&)> on_event;
  int32_t online_receipt_sla_hours = 8;
  // This engine's name when several engines share one store: advance() then
  // leases the due deadlines it is about to fire for lease_ms, and skips
  // those another node holds a lease on, so nodes do not all work on every
  // deadline. Each deadline fires once either way (the store refuses a
  // second firing). Empty: no leases.
  std::string node;
  int64_t lease_ms = 60000;
  // Wall-clock milliseconds for the leases, which are compared across
  // processes; default: the system clock.
  std::function<int64_t()> lease_clock;
};

struct Submission {
  std::string dossier_json;          // as rules::marshal reads it
  std::string channel = "desk";      // "desk" | "online" | "post"
  std::optional<int64_t> submitted;  // online: when the citizen submitted
  std::string idempotency_key;       // retries with the same key return the same dossier
};

class Engine {
 public:
  static Result<std::unique_ptr<Engine>> create(Config config);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Intake at the actor's desk. Incomplete dossiers (a failed `require`) get
  // the one-time written guidance (supplement requested), their clock not
  // started.
  Result<DossierView> submit(const Actor& actor, const Submission& s);
  Result<DossierView> act(const Actor& actor, std::string_view dossier_id, Action action,
                          std::string_view payload = "{}", std::string_view idempotency_key = "");
  // Fires every deadline due at `now` exactly once (across restarts too).
  Result<AdvanceReport> advance(int64_t now);
  Result<DossierView> show(const Actor& actor, std::string_view dossier_id) const;
  Result<Kpi> kpi() const;
  // Hot swap: dossiers already received keep the decisions they got.
  void replace_rules(std::shared_ptr<const rules::Decider> rules);

  struct Impl;

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  Result<DossierView> submit_unguarded(const Actor& actor, const Submission& s);
  Result<DossierView> act_unguarded(const Actor& actor, std::string_view dossier_id, Action action,
                                    std::string_view payload, std::string_view idempotency_key);
  Result<AdvanceReport> advance_unguarded(int64_t now);
  Result<DossierView> show_unguarded(const Actor& actor, std::string_view dossier_id) const;
  Result<Kpi> kpi_unguarded() const;
  // Liên thông: submits the next procedure of a chain for a dossier whose
  // result is ready (idempotent); records handed_on or chain_blocked.
  bool hand_on(const store::Deadline& dl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hoso::engine
