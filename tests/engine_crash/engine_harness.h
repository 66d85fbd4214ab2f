// Shared by the engine crash test, its load generator and the engine fault
// tests: the rules the engine runs, building an engine on a store, and the
// invariants a store written by the engine must satisfy after any crash or
// fault (journal, states and deadline queue agree; no deadline fired twice).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "driver/driver.h"
#include "hoso/calendar.h"
#include "hoso/engine.h"
#include "hoso/store.h"
#include "ir/interp_decider.h"

namespace hoso::engine_crash {

using nlohmann::json;

// Two procedures: one with every late path (warn, apologise, notify,
// escalate) and a clock that pauses for supplements; one whose clock keeps
// counting during a supplement request (its deadlines are removed and put back).
inline const char* kRules = R"(
module crash
use std.vn

procedure Permit {
  basis    "Luật Xây dựng 2014, Điều 102"
  level    commune
  deadline 5 working days
  supplement pauses
  dossier {
    site   : Commune
    floors : Int
    require floors in 1..30 else "Số tầng không hợp lệ"
  }
  route {
    when floors > 7 -> province.construction
    otherwise       -> site.economy
  }
  steps {
    receive  by receiving.one_stop  within 1 working days  yields receipt
    appraise by competent           within 3 working days  yields appraisal
    deliver  by receiving.one_stop  within 1 working days  yields result
  }
  warn 1 working days before due
  on late {
    apologise
    notify competent.head
    escalate to province.people_committee.chairman after 2 working days
  }
}

procedure Notice {
  basis    "Nghị định 118/2025/NĐ-CP"
  level    commune
  deadline 2 working days
  supplement counts
  dossier {
    site   : Commune
    floors : Int
  }
  route {
    otherwise -> site.economy
  }
  steps {
    receive  by receiving.one_stop  within 1 working days  yields receipt
    decide   by competent           within 1 working days  yields result
  }
  warn 4 working hours before due
  on late {
    apologise
  }
}
)";

struct Rules {
  std::unique_ptr<driver::Compilation> comp;
  std::shared_ptr<rules::Decider> decider;
  std::string error;  // non-empty: the rules did not compile
};

inline Rules compile_rules() {
  Rules r;
  r.comp = driver::compile_sources({{"crash.hoso", kRules}});
  if (r.comp->diags.has_errors() || !r.comp->module) {
    r.error = diag::render_console(r.comp->diags, r.comp->sm, false);
    return r;
  }
  r.decider = std::make_shared<ir::InterpDecider>(*r.comp->module);
  return r;
}

class SimClock final : public engine::Clock {
 public:
  explicit SimClock(int64_t start) : t_(start) {}
  int64_t now() const override { return t_.load(); }
  void set(int64_t t) { t_.store(t); }
  int64_t add(int64_t d) { return t_.fetch_add(d) + d; }

 private:
  std::atomic<int64_t> t_;
};

inline Result<std::unique_ptr<engine::Engine>> make_engine(const Rules& r, store::Store* s,
                                                           const engine::Clock* clock) {
  engine::Config cfg;
  cfg.rules = r.decider;
  cfg.store = s;
  cfg.clock = clock;
  return engine::Engine::create(cfg);
}

inline int64_t instant(const char* text) {
  return *calendar::parse_instant(text);
}

// ------------------------------------------------------------------ checks

// The state an action's event leads to ("" when the event leaves it as is).
inline std::string state_after(const store::Event& e) {
  static const std::map<std::string, std::string> kTo = {
      {"step_done", "in_process"},
      {"transferred", "in_process"},
      {"result_ready", "result_ready"},
      {"request_supplement", "supplement_requested"},
      {"supplement", "in_process"},
      {"received_complete", "in_process"},
      {"refused_at_intake", "refused_at_intake"},
      {"await_payment", "awaiting_payment"},
      {"paid", "in_process"},
      {"reject", "rejected"},
      {"withdraw", "withdrawn"},
      {"refuse_intake", "refused_at_intake"},
      {"return", "returned"},
      {"not_collected", "not_collected"},
  };
  if (e.kind == "received") {
    json p = json::parse(e.payload, nullptr, false);
    bool incomplete = p.is_object() && p.contains("guidance") && !p["guidance"].empty();
    return incomplete ? "supplement_requested" : "in_process";
  }
  auto it = kTo.find(e.kind);
  return it == kTo.end() ? "" : it->second;
}

// Deadline events and the queue kind they come from.
inline std::string fired_kind(const std::string& event_kind) {
  if (event_kind == "warned") return "warn";
  if (event_kind == "step_late") return "step";
  if (event_kind == "overdue") return "due";
  if (event_kind == "escalated") return "escalate";
  return "";
}

struct StoreReport {
  std::vector<std::string> problems;           // empty: consistent
  std::map<std::string, store::Event> by_key;  // idempotency key -> event
  // dossier -> 1-based version reached by the event with this key
  std::map<std::string, int64_t> version_of_key;
  int64_t events = 0, dossiers = 0, deadline_events = 0, overdue_dossiers = 0;
  std::map<std::string, int64_t> kinds;  // event kind -> count
};

// Checks every invariant the engine promises about its store: per dossier,
// version = number of state-changing events, the stored state is the one the
// journal leads to, no (dossier, deadline kind, fire_at) fired twice, overdue
// dossiers are flagged, and the deadline queue holds exactly what the state
// still owes; the hash chain is intact.
inline StoreReport check_store(const store::Store& s) {
  StoreReport rep;
  auto bad = [&](const std::string& what) {
    if (rep.problems.size() < 50) rep.problems.push_back(what);
  };
  std::map<std::string, std::vector<store::Event>> per_dossier;
  for (store::Sequence from = 1;;) {
    auto page = s.read_journal(from, 4096);
    if (!page.ok()) {
      bad("read_journal: " + page.error().message);
      return rep;
    }
    if (page->empty()) break;
    for (auto& e : *page) {
      ++rep.events;
      ++rep.kinds[e.kind];
      if (!e.idempotency_key.empty()) {
        if (!rep.by_key.emplace(e.idempotency_key, e).second) {
          bad("idempotency key " + e.idempotency_key + " twice in the journal");
        }
      }
      if (!e.dossier_id.empty()) per_dossier[e.dossier_id].push_back(e);
    }
    from = page->back().seq + 1;
  }
  for (const auto& [id, events] : per_dossier) {
    auto ds = s.get_dossier(id);
    if (!ds.ok()) {
      // Only refusals may name a dossier that was never written.
      for (const auto& e : events) {
        if (e.kind != "refused") bad(id + ": journal has " + e.kind + " but no state");
      }
      continue;
    }
    ++rep.dossiers;
    json st = json::parse(ds->state_json, nullptr, false);
    if (!st.is_object()) {
      bad(id + ": state is not JSON");
      continue;
    }
    int64_t version = 0;
    std::string derived;
    int64_t steps_done = 0;
    std::set<std::tuple<std::string, int64_t>> fired;
    bool overdue_event = false;
    std::map<int64_t, bool> escalations;  // escalate fire_at -> fired
    for (const auto& e : events) {
      if (e.kind == "refused") continue;
      ++version;
      if (!e.idempotency_key.empty()) rep.version_of_key[e.idempotency_key] = version;
      std::string to = state_after(e);
      if (!to.empty()) derived = to;
      if (e.kind == "received" || e.kind == "received_complete") steps_done = 0;
      if (e.kind == "step_done" || e.kind == "transferred" || e.kind == "result_ready") {
        ++steps_done;
      }
      std::string fk = fired_kind(e.kind);
      if (fk.empty()) continue;
      ++rep.deadline_events;
      json p = json::parse(e.payload, nullptr, false);
      int64_t at = p.is_object() && p.contains("deadline") ? p["deadline"].get<int64_t>() : -1;
      if (!fired.emplace(fk, at).second) {
        bad(id + ": deadline " + fk + " at " + calendar::format_instant(at) + " fired twice");
      }
      if (fk == "due") {
        overdue_event = true;
        for (const auto& a : p.value("late_handling", json::array())) {
          if (a.contains("escalate")) {
            escalations[*calendar::parse_instant(a["at"].get<std::string>())] = false;
          }
        }
      }
      if (fk == "escalate") escalations[at] = true;
    }
    if (version != ds->version) {
      bad(id + ": version " + std::to_string(ds->version) + " but " + std::to_string(version) +
          " state-changing events in the journal");
    }
    if (derived != ds->state_name || st.value("state", "") != ds->state_name) {
      bad(id + ": stored state " + ds->state_name + " / " + st.value("state", "") +
          ", the journal leads to " + derived);
    }
    if (st.value("step", int64_t{-1}) != steps_done) {
      bad(id + ": at step " + std::to_string(st.value("step", int64_t{-1})) + " but " +
          std::to_string(steps_done) + " steps done in the journal");
    }
    bool overdue = st.value("overdue", false);
    if (overdue != overdue_event) {
      bad(id + ": overdue flag " + std::to_string(overdue) + " but overdue event " +
          std::to_string(overdue_event));
    }
    if (overdue) ++rep.overdue_dossiers;
    // What the queue must hold.
    std::map<std::string, int64_t> want;
    bool running = ds->state_name == "in_process" && st["paused_since"].is_null();
    if (running) {
      int64_t due = st["due"];
      if (due >= 0 && !overdue) {
        want["due"] = due;
        int64_t warn = st["warn_at"];
        if (warn >= 0 && fired.count({"warn", warn}) == 0) want["warn"] = warn;
      }
      size_t step = st["step"];
      if (step < st["steps"].size()) {
        int64_t sd = st["steps"][step]["due"];
        if (sd >= 0 && fired.count({"step", sd}) == 0) want["step"] = sd;
      }
    }
    // A pending escalation is owed only while the dossier is still open: the
    // engine drops it when the result is ready or the dossier closes.
    bool open = ds->state_name == "in_process" || ds->state_name == "supplement_requested" ||
                ds->state_name == "awaiting_payment";
    for (const auto& [at, done] : escalations) {
      if (!done && open) want["escalate"] = at;
    }
    auto dl = s.dossier_deadlines(id);
    if (!dl.ok()) {
      bad(id + ": dossier_deadlines: " + dl.error().message);
      continue;
    }
    std::map<std::string, int64_t> have;
    for (const auto& d : *dl) have[d.kind] = d.fire_at;
    if (have != want) {
      std::string h, w;
      for (const auto& [k, t] : have) h += " " + k + "@" + calendar::format_instant(t);
      for (const auto& [k, t] : want) w += " " + k + "@" + calendar::format_instant(t);
      bad(id + " (" + ds->state_name + "): deadline queue {" + h + " } but the state owes {" + w +
          " }");
    }
  }
  auto chain = s.verify_chain();
  if (!chain.ok()) {
    bad("verify_chain: " + chain.error().message);
  } else if (!chain->intact) {
    bad("hash chain broken at " + std::to_string(chain->first_broken) + ": " + chain->reason);
  }
  return rep;
}

inline std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += "  " + s + "\n";
  return out;
}

}  // namespace hoso::engine_crash
