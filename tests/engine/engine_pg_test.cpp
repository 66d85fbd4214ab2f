// Two engine nodes on one PostgreSQL database, at the engine level: two
// processes (this one and a forked child), each with its own Engine on its own
// PostgresStore (its own connections) opened on the same fresh schema, which
// is exactly what two engine processes are to the database. They race to take
// the same step of the same dossier and to fire the same deadlines; the
// journal must show every step taken once and every deadline fired once, the
// loser of each race must get a typed error, and the hash chain must verify.
//
// The two processes meet through a socket pair (Lockstep below): "begin" lets
// both start a race together, and while gating is on, each store commit waits
// until the other node has reached a commit too. A gated race is therefore a
// real conflict every time (both engines read the dossier before either
// commits), not a matter of timing; ungated races let the engines run freely.
//
// The PostgreSQL server comes from the ctest fixture hoso_pg
// (tests/store/pg_server.sh); see tests/store/test_util.h.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <iterator>
#include <map>
#include <new>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "engine_harness.h"  // tests/engine_crash: rules, SimClock, check_store
#include "hoso/engine.h"
#include "hoso/store.h"
#include "test_util.h"  // tests/store: pg_conninfo, fresh_pg_schema

namespace hoso::engine_pg {
namespace {

using engine_crash::check_store;
using engine_crash::instant;
using engine_crash::join;
using engine_crash::json;
using engine_crash::make_engine;
using engine_crash::Rules;
using engine_crash::SimClock;
using engine_crash::StoreReport;
using store::testing::fresh_pg_schema;
using store::testing::pg_conninfo;

const Rules& shared_rules() {
  static Rules r = engine_crash::compile_rules();
  return r;
}

// ------------------------------------------------------------ two processes

// A two-party rendezvous over one end of a socket pair. Messages: 's' begin a
// phase, 'g' a commit waiting at the gate, 'd' done with the phase. The nth
// gate of one node pairs with the nth gate of the other; once one node is done
// with the phase, the other's gates no longer wait. Any silence longer than
// two minutes, or the other node going away, breaks the lockstep (an error,
// never a hang). One thread per node uses it.
class Lockstep {
 public:
  explicit Lockstep(int fd) : fd_(fd) {}
  Lockstep(const Lockstep&) = delete;
  Lockstep& operator=(const Lockstep&) = delete;
  ~Lockstep() { ::close(fd_); }

  bool begin() {
    if (!error_.empty() || !put('s')) return false;
    partner_done_ = false;
    const int c = get();
    if (c != 's') return fail("begin: expected the other node to begin, got " + what(c));
    return true;
  }
  // Called by the store before each commit while gating is on.
  void gate() {
    if (!error_.empty() || partner_done_ || !put('g')) return;
    const int c = get();
    if (c == 'd') {
      partner_done_ = true;
    } else if (c != 'g') {
      fail("gate: got " + what(c));
    }
  }
  bool end() {
    if (!error_.empty() || !put('d')) return false;
    while (!partner_done_) {
      const int c = get();
      if (c == 'd') {
        partner_done_ = true;
      } else if (c != 'g') {
        return fail("end: got " + what(c));
      }
    }
    return true;
  }
  const std::string& error() const { return error_; }

 private:
  static std::string what(int c) {
    return c < 0 ? "nothing (the other node is gone or silent)" : std::string("'") + char(c) + "'";
  }
  bool fail(const std::string& why) {
    if (error_.empty()) error_ = "lockstep: " + why;
    return false;
  }
  bool put(char c) {
    if (::send(fd_, &c, 1, MSG_NOSIGNAL) == 1) return true;
    return fail(std::string("send: ") + std::strerror(errno));
  }
  int get() {
    pollfd p{fd_, POLLIN, 0};
    const int n = ::poll(&p, 1, 120'000);
    if (n <= 0) return -1;
    char c = 0;
    return ::recv(fd_, &c, 1, 0) == 1 ? c : -1;
  }

  int fd_;
  bool partner_done_ = false;
  std::string error_;
};

// A node's PostgresStore behind a wrapper that gates commits while `gating`
// is set and counts the commits the store refused with kFailedPrecondition
// (lost races). Everything else goes straight through.
class GatedStore final : public store::Store {
 public:
  GatedStore(std::unique_ptr<store::Store> inner, Lockstep* step)
      : inner_(std::move(inner)), step_(step) {}

  bool gating = false;
  int64_t lost = 0;

  Result<store::CommitResult> commit(const store::Batch& b) override {
    if (gating) step_->gate();
    auto r = inner_->commit(b);
    if (!r && r.error().code == ErrorCode::kFailedPrecondition) ++lost;
    return r;
  }
  Result<store::DossierState> get_dossier(std::string_view id) const override {
    return inner_->get_dossier(id);
  }
  Result<std::vector<store::DossierState>> list_dossiers_by_unit(
      const store::UnitQuery& q) const override {
    return inner_->list_dossiers_by_unit(q);
  }
  Result<std::vector<store::Event>> read_journal(store::Sequence from,
                                                 std::size_t limit) const override {
    return inner_->read_journal(from, limit);
  }
  Result<std::vector<store::Event>> dossier_journal(std::string_view id) const override {
    return inner_->dossier_journal(id);
  }
  Result<std::optional<store::Event>> find_event_by_key(std::string_view key) const override {
    return inner_->find_event_by_key(key);
  }
  Result<std::vector<store::Deadline>> dossier_deadlines(std::string_view id) const override {
    return inner_->dossier_deadlines(id);
  }
  Result<std::vector<store::Deadline>> claim_due(const store::ClaimRequest& req) override {
    return inner_->claim_due(req);
  }
  Result<std::optional<store::Instant>> next_deadline() const override {
    return inner_->next_deadline();
  }
  Result<store::Counts> counts() const override { return inner_->counts(); }
  Result<int64_t> next_dossier_number() override { return inner_->next_dossier_number(); }
  Result<store::ChainReport> verify_chain() const override { return inner_->verify_chain(); }

 private:
  std::unique_ptr<store::Store> inner_;
  Lockstep* step_;
};

// What the child reports back, in memory shared with the parent.
constexpr int kOk = -1;
struct Outcome {
  int code = kOk;  // kOk or an ErrorCode
  char message[240] = {};
};
constexpr size_t kMaxRaces = 512;
constexpr size_t kMaxPhases = 16;
struct Shared {
  Outcome race[kMaxRaces][2];
  int64_t fired[kMaxPhases][2];
  int64_t lost[kMaxPhases][2];
  char error[2][600];
};

class SharedMemory {
 public:
  SharedMemory() {
    void* p =
        ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) std::abort();
    shared_ = new (p) Shared();
  }
  SharedMemory(const SharedMemory&) = delete;
  SharedMemory& operator=(const SharedMemory&) = delete;
  ~SharedMemory() { ::munmap(shared_, sizeof(Shared)); }
  Shared* operator->() const { return shared_; }
  Shared* get() const { return shared_; }

 private:
  Shared* shared_;
};

void copy_text(char* to, size_t size, const std::string& from) {
  std::snprintf(to, size, "%s", from.c_str());
}

template <class T>
void record(Outcome& o, const Result<T>& r) {
  o.code = r.ok() ? kOk : static_cast<int>(r.error().code);
  copy_text(o.message, sizeof o.message, r.ok() ? "" : r.error().message);
}

// One node: returns "" or what went wrong. Must not use gtest assertions (it
// runs in the child too).
using NodeFn = std::function<std::string(int node, Lockstep& step)>;

// Runs node 1 in a forked child and node 0 here, at the same time. No store,
// thread or connection of this process may exist across the fork: callers
// close theirs first. Returns the errors of both nodes ("" if none).
std::string run_two_nodes(const NodeFn& fn, Shared* shared) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return "socketpair failed";
  const pid_t pid = ::fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    ::close(sv[0]);
    std::string err;
    try {
      Lockstep step(sv[1]);
      err = fn(1, step);
    } catch (const std::exception& e) {
      err = std::string("exception: ") + e.what();
    }
    copy_text(shared->error[1], sizeof shared->error[1], err);
    ::_exit(err.empty() ? 0 : 1);
  }
  ::close(sv[1]);
  std::string err0;
  try {
    Lockstep step(sv[0]);  // closed before waiting: a child still in lockstep sees EOF
    err0 = fn(0, step);
  } catch (const std::exception& e) {
    err0 = std::string("exception: ") + e.what();
  }
  int status = 0;
  std::string out;
  if (::waitpid(pid, &status, 0) != pid) {
    out += "waitpid failed; ";
  } else if (!WIFEXITED(status)) {
    out += "node 1 (child) died with signal " + std::to_string(WTERMSIG(status)) + "; ";
  } else if (WEXITSTATUS(status) != 0) {
    out += "node 1 (child): " + std::string(shared->error[1]) + "; ";
  }
  if (!err0.empty()) out += "node 0: " + err0;
  return out;
}

Result<std::unique_ptr<store::Store>> open_pg(const std::string& conninfo,
                                              const std::string& schema) {
  store::PostgresConfig config(conninfo);
  config.schema = schema;
  return store::open_postgres_store(config);
}

engine::Actor desk_actor(const std::string& id) {
  auto d = engine::parse_actor("commune Bắc Hà/one_stop#" + id, shared_rules().decider->meta(),
                               rules::Registry::default_registry());
  if (!d.ok()) std::abort();
  return *d;
}

// The official holding the dossier's current step, as the store says.
Result<engine::Actor> current_handler(const store::Store& s, const std::string& id,
                                      const std::string& who) {
  auto ds = s.get_dossier(id);
  if (!ds) return ds.error();
  json st = json::parse(ds->state_json);
  const size_t step = st["step"];
  if (step >= st["steps"].size()) {
    return make_error(ErrorCode::kFailedPrecondition, id + " has no step in progress");
  }
  const json& sd = st["steps"][step];
  engine::Actor a;
  a.unit = sd["unit"];
  a.role = sd["role"];
  a.id = who;
  return a;
}

std::string submission(const std::string& proc, int floors, int64_t received) {
  return json{{"procedure", proc},
              {"received", calendar::format_instant(received)},
              {"receiving", "commune Bắc Hà"},
              {"fields", {{"site", "Sa Pa"}, {"floors", floors}}}}
      .dump();
}

struct Intake {
  std::string proc;
  int floors;
  int64_t received;
};
// Submits `in` at the desk, each at its receipt time and with the key
// "submit-<i>"; the dossiers' views, or the first error.
Result<std::vector<engine::DossierView>> take_in(engine::Engine& eng, SimClock& clock,
                                                 const std::vector<Intake>& in) {
  std::vector<engine::DossierView> views;
  for (size_t i = 0; i < in.size(); ++i) {
    clock.set(in[i].received);
    engine::Submission sub;
    sub.dossier_json = submission(in[i].proc, in[i].floors, in[i].received);
    sub.idempotency_key = "submit-" + std::to_string(i);
    auto v = eng.submit(desk_actor("desk"), sub);
    if (!v) return v.error();
    views.push_back(*v);
  }
  return views;
}

bool is_completion(const std::string& kind) {
  return kind == "step_done" || kind == "transferred" || kind == "result_ready";
}

// ------------------------------------------------------------ same step

// Both nodes complete the same step of the same dossier as its handler (each
// with its own idempotency key), 50 dossiers x 3 steps, in three modes by
// dossier: gated (both engines read the dossier before either commits: a
// real conflict every time), free (started together, then on their own), and
// late (node 1 clicks again once node 0's call has returned, with the view it
// read before: it must be refused, and the refusal audited).
TEST(EnginePg, TwoEnginesNeverBothTakeTheSameStep) {
  ASSERT_TRUE(shared_rules().error.empty()) << shared_rules().error;
  const std::string conninfo = pg_conninfo();
  ASSERT_FALSE(conninfo.empty());
  const std::string schema = fresh_pg_schema();
  constexpr size_t kDossiers = 50;
  constexpr size_t kSteps = 3;  // Permit: receive, appraise, deliver
  static_assert(kDossiers * kSteps <= kMaxRaces);
  const std::vector<std::string> kStepNames = {"receive", "appraise", "deliver"};
  const int64_t t0 = instant("2026-03-02 09:00");

  std::vector<std::string> ids;
  {
    auto s = open_pg(conninfo, schema);
    ASSERT_TRUE(s.ok()) << s.error().message;
    SimClock clock(t0);
    auto eng = make_engine(shared_rules(), s->get(), &clock);
    ASSERT_TRUE(eng.ok()) << eng.error().message;
    // Every third one goes to the province, the others to Sa Pa.
    std::vector<Intake> in;
    for (size_t i = 0; i < kDossiers; ++i) in.push_back({"Permit", i % 3 == 0 ? 9 : 2, t0});
    auto taken = take_in(**eng, clock, in);
    ASSERT_TRUE(taken.ok()) << taken.error().message;
    for (const auto& v : *taken) {
      ASSERT_EQ(v.state, engine::State::kInProcess);
      ids.push_back(v.id);
    }
  }  // closed: no store thread or connection crosses the fork

  enum Mode { kGated, kFree, kLate };
  auto mode = [](size_t i) { return static_cast<Mode>(i % 3); };
  const char* kModeNames[] = {" (gated)", " (free)", " (late)"};
  size_t per_mode[3] = {0, 0, 0};
  for (size_t i = 0; i < kDossiers; ++i) ++per_mode[mode(i)];
  auto key = [](int node, size_t i, size_t k) {
    return "node" + std::to_string(node) + "-" + std::to_string(i) + "-" + std::to_string(k);
  };
  SharedMemory shared;
  const std::string errors = run_two_nodes(
      [&](int node, Lockstep& step) -> std::string {
        auto opened = open_pg(conninfo, schema);
        if (!opened) return "open: " + opened.error().message;
        GatedStore store(std::move(*opened), &step);
        SimClock clock(t0);
        auto eng = make_engine(shared_rules(), &store, &clock);
        if (!eng) return "engine: " + eng.error().message;
        const std::string who = "node" + std::to_string(node);
        for (size_t k = 0; k < kSteps; ++k) {
          for (size_t i = 0; i < kDossiers; ++i) {
            // Both read who holds the step before the race (the last race
            // on this dossier is over for both: its end() is behind us).
            auto handler = current_handler(store, ids[i], who);
            if (!handler) return "handler of " + ids[i] + ": " + handler.error().message;
            clock.set(t0 + 60 * static_cast<int64_t>(k + 1));
            // kLate: two rounds, node 0 acts in the first, node 1 in the second.
            for (int round = 0; round < (mode(i) == kLate ? 2 : 1); ++round) {
              if (!step.begin()) return step.error();
              if (mode(i) != kLate || round == node) {
                store.gating = mode(i) == kGated;
                auto v =
                    (*eng)->act(*handler, ids[i], engine::Action::kComplete, "{}", key(node, i, k));
                store.gating = false;
                record(shared->race[k * kDossiers + i][node], v);
              }
              if (!step.end()) return step.error();
            }
          }
        }
        return "";
      },
      shared.get());
  ASSERT_TRUE(errors.empty()) << errors;

  // Each race: exactly one winner; the loser got a typed error.
  int64_t wins[2] = {0, 0};
  int64_t conflicts = 0;              // the store refused the loser's commit (version moved)
  int64_t refusals = 0;               // the loser read the new state and was refused (audited)
  std::map<std::string, int> winner;  // key of the winning call -> node
  for (size_t k = 0; k < kSteps; ++k) {
    for (size_t i = 0; i < kDossiers; ++i) {
      SCOPED_TRACE(ids[i] + " step " + kStepNames[k] + kModeNames[mode(i)]);
      const Outcome* o = shared->race[k * kDossiers + i];
      const int oks = (o[0].code == kOk) + (o[1].code == kOk);
      ASSERT_EQ(oks, 1) << "node 0: " << o[0].message << "\nnode 1: " << o[1].message;
      const int w = o[0].code == kOk ? 0 : 1;
      if (mode(i) == kLate) {
        EXPECT_EQ(w, 0) << "the late call must not win";
      }
      ++wins[w];
      winner[key(w, i, k)] = w;
      const Outcome& lose = o[1 - w];
      const std::string msg = lose.message;
      const auto code = static_cast<ErrorCode>(lose.code);
      if (code == ErrorCode::kFailedPrecondition &&
          msg.find("changed while this action was prepared") != std::string::npos) {
        EXPECT_NE(mode(i), kLate) << "a late call reads the new state: " << msg;
        ++conflicts;
        continue;
      }
      // A free or late call may lose by reading the state the winner wrote:
      // the next step is someone else's, or there is no step left.
      EXPECT_NE(mode(i), kGated) << "a gated race must be a conflict: " << msg;
      const bool refused = (code == ErrorCode::kPermissionDenied &&
                            msg.find("is in the hands of") != std::string::npos) ||
                           (code == ErrorCode::kFailedPrecondition &&
                            msg.find("has no step in progress") != std::string::npos);
      EXPECT_TRUE(refused) << "code " << lose.code << ": " << msg;
      ++refusals;
    }
  }
  // Deterministic: every gated race is a conflict, every late one a refusal.
  EXPECT_GE(conflicts, static_cast<int64_t>(per_mode[kGated] * kSteps));
  EXPECT_GE(refusals, static_cast<int64_t>(per_mode[kLate] * kSteps));

  // The journal: per dossier each step completed once, in order, by the node
  // whose call succeeded; refusals audited; losers' keys absent.
  auto s = open_pg(conninfo, schema);
  ASSERT_TRUE(s.ok()) << s.error().message;
  int64_t completions = 0;
  int64_t refused_events = 0;
  for (size_t i = 0; i < kDossiers; ++i) {
    SCOPED_TRACE(ids[i]);
    auto j = (*s)->dossier_journal(ids[i]);
    ASSERT_TRUE(j.ok()) << j.error().message;
    std::vector<std::string> done;
    for (const auto& e : *j) {
      if (e.kind == "refused") ++refused_events;
      if (!is_completion(e.kind)) continue;
      ++completions;
      done.push_back(json::parse(e.payload).value("step", "?"));
      ASSERT_EQ(winner.count(e.idempotency_key), 1u)
          << e.kind << " with key `" << e.idempotency_key << "` is not a winning call";
      EXPECT_NE(e.actor.find("#node" + std::to_string(winner[e.idempotency_key])),
                std::string::npos)
          << e.actor;
    }
    EXPECT_EQ(done, kStepNames) << "each step completed exactly once, in order";
    auto ds = (*s)->get_dossier(ids[i]);
    ASSERT_TRUE(ds.ok()) << ds.error().message;
    EXPECT_EQ(ds->state_name, "result_ready");
    EXPECT_EQ(ds->version, 1 + static_cast<int64_t>(kSteps));
    for (size_t k = 0; k < kSteps; ++k) {
      for (int node = 0; node < 2; ++node) {
        auto e = (*s)->find_event_by_key(key(node, i, k));
        ASSERT_TRUE(e.ok()) << e.error().message;
        EXPECT_EQ(e->has_value(), winner.count(key(node, i, k)) == 1) << key(node, i, k);
      }
    }
  }
  EXPECT_EQ(completions, wins[0] + wins[1]);
  EXPECT_EQ(completions, static_cast<int64_t>(kDossiers * kSteps));
  EXPECT_EQ(refused_events, refusals);
  StoreReport rep = check_store(**s);  // states match the journal, queue, chain
  EXPECT_TRUE(rep.problems.empty()) << join(rep.problems);
  auto chain = (*s)->verify_chain();
  ASSERT_TRUE(chain.ok()) << chain.error().message;
  EXPECT_TRUE(chain->intact) << chain->reason;
  auto counts = (*s)->counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(chain->events_checked, counts->events);
  EXPECT_EQ(counts->events, static_cast<int64_t>(kDossiers) + completions + refused_events);
  RecordProperty("races", static_cast<int>(kDossiers * kSteps));
  RecordProperty("node0_wins", static_cast<int>(wins[0]));
  RecordProperty("node1_wins", static_cast<int>(wins[1]));
  RecordProperty("conflicts", static_cast<int>(conflicts));
  RecordProperty("refusals", static_cast<int>(refusals));
  RecordProperty("events", static_cast<int>(counts->events));
}

// ------------------------------------------------------------ deadlines

// A script of phases: at each time, the handlers of some dossiers complete
// their current step, then the engines advance the clock to that time.
struct Phase {
  const char* time;
  int acts_mod, acts_rem;  // dossiers i with i % mod == rem act first
  bool gated;              // both nodes' commits go in pairs during advance
};
constexpr Phase kPhases[] = {
    {"2026-03-02 16:00", 4, 1, true},   // nothing due yet
    {"2026-03-03 11:00", 4, 2, false},  // first steps late
    {"2026-03-04 12:00", 4, 1, true},   // Notice warned and overdue
    {"2026-03-06 12:00", 1, 1, false},  // (no acts) Permit warned
    {"2026-03-10 12:00", 8, 2, true},   // Permit overdue, apologies
    {"2026-04-30 09:00", 1, 1, true},   // (no acts) escalations, everything left
};
constexpr size_t kDeadlineDossiers = 40;
static_assert(std::size(kPhases) <= kMaxPhases);

std::vector<Intake> intakes() {
  const char* times[] = {"2026-03-02 09:00", "2026-03-02 10:30", "2026-03-02 14:00",
                         "2026-03-02 15:30"};
  std::vector<Intake> v;
  for (size_t i = 0; i < kDeadlineDossiers; ++i) {
    v.push_back({i % 3 == 2 ? "Notice" : "Permit", i % 5 == 0 ? 9 : 2, instant(times[i % 4])});
  }
  return v;
}
std::string act_key(size_t phase, size_t i) {
  return "act-" + std::to_string(phase) + "-" + std::to_string(i);
}
bool acts_in(const Phase& p, size_t i) {
  return p.acts_mod > 1 && static_cast<int>(i) % p.acts_mod == p.acts_rem;
}

// Everything one dossier's journal says, but its place in the global chain.
using EventRow = std::tuple<std::string, int64_t, std::string, std::string, std::string>;
std::multiset<EventRow> rows(const std::vector<store::Event>& events) {
  std::multiset<EventRow> out;
  for (const auto& e : events) {
    out.emplace(e.kind, e.instant, e.actor, e.payload, e.idempotency_key);
  }
  return out;
}
int64_t deadline_events(const std::vector<store::Event>& events) {
  int64_t n = 0;
  for (const auto& e : events) n += engine_crash::fired_kind(e.kind).empty() ? 0 : 1;
  return n;
}

// 40 dossiers (Permit to the commune or the province, Notice) whose warnings,
// step deadlines, due dates and escalations come due over six advances. Both
// nodes advance to the same times at once (four phases gated: each node's
// commits go in pairs with the other's); between advances each node
// completes steps of half the dossiers. The result must be exactly what one
// engine on an in-memory store does with the same script: the same events per
// dossier, each deadline fired once, the same states and queue.
TEST(EnginePg, TwoEnginesFireEachDeadlineOnce) {
  ASSERT_TRUE(shared_rules().error.empty()) << shared_rules().error;
  const std::string conninfo = pg_conninfo();
  ASSERT_FALSE(conninfo.empty());
  const std::string schema = fresh_pg_schema();
  const std::vector<Intake> in = intakes();

  // The reference: one engine, in memory.
  auto ref = store::make_memory_store();
  std::vector<std::string> ids;
  std::vector<int64_t> ref_fired;
  {
    SimClock clock(instant("2026-03-02 09:00"));
    auto eng = make_engine(shared_rules(), ref.get(), &clock);
    ASSERT_TRUE(eng.ok()) << eng.error().message;
    auto taken = take_in(**eng, clock, in);
    ASSERT_TRUE(taken.ok()) << taken.error().message;
    for (const auto& v : *taken) ids.push_back(v.id);
    for (size_t p = 0; p < std::size(kPhases); ++p) {
      const int64_t t = instant(kPhases[p].time);
      clock.set(t);
      for (size_t i = 0; i < in.size(); ++i) {
        if (!acts_in(kPhases[p], i)) continue;
        auto h = current_handler(*ref, ids[i], "h");
        ASSERT_TRUE(h.ok()) << h.error().message;
        auto v = (*eng)->act(*h, ids[i], engine::Action::kComplete, "{}", act_key(p, i));
        ASSERT_TRUE(v.ok()) << v.error().message;
      }
      auto r = (*eng)->advance(t);
      ASSERT_TRUE(r.ok()) << r.error().message;
      ref_fired.push_back(static_cast<int64_t>(r->fired));
    }
  }
  StoreReport ref_rep = check_store(*ref);
  ASSERT_TRUE(ref_rep.problems.empty()) << join(ref_rep.problems);

  // The same intake on PostgreSQL, through one engine, before the nodes start.
  {
    auto s = open_pg(conninfo, schema);
    ASSERT_TRUE(s.ok()) << s.error().message;
    SimClock clock(instant("2026-03-02 09:00"));
    auto eng = make_engine(shared_rules(), s->get(), &clock);
    ASSERT_TRUE(eng.ok()) << eng.error().message;
    auto taken = take_in(**eng, clock, in);
    ASSERT_TRUE(taken.ok()) << taken.error().message;
    ASSERT_EQ(taken->size(), ids.size());
    for (size_t i = 0; i < ids.size(); ++i) ASSERT_EQ((*taken)[i].id, ids[i]);
  }  // closed: no store thread or connection crosses the fork

  SharedMemory shared;
  const std::string errors = run_two_nodes(
      [&](int node, Lockstep& step) -> std::string {
        auto opened = open_pg(conninfo, schema);
        if (!opened) return "open: " + opened.error().message;
        GatedStore store(std::move(*opened), &step);
        SimClock clock(instant("2026-03-02 09:00"));
        auto eng = make_engine(shared_rules(), &store, &clock);
        if (!eng) return "engine: " + eng.error().message;
        for (size_t p = 0; p < std::size(kPhases); ++p) {
          const int64_t t = instant(kPhases[p].time);
          clock.set(t);
          // Each node acts on its half of the dossiers, at the same time.
          if (!step.begin()) return step.error();
          for (size_t i = 0; i < in.size(); ++i) {
            if (!acts_in(kPhases[p], i) || static_cast<int>(i % 2) != node) continue;
            auto h = current_handler(store, ids[i], "h");
            if (!h) return "handler of " + ids[i] + ": " + h.error().message;
            auto v = (*eng)->act(*h, ids[i], engine::Action::kComplete, "{}", act_key(p, i));
            if (!v) return "act on " + ids[i] + ": " + v.error().message;
          }
          if (!step.end()) return step.error();
          // Both advance to the same time, at the same time.
          if (!step.begin()) return step.error();
          const int64_t lost_before = store.lost;
          store.gating = kPhases[p].gated;
          auto r = (*eng)->advance(t);
          store.gating = false;
          if (!r) return std::string("advance to ") + kPhases[p].time + ": " + r.error().message;
          shared->fired[p][node] = static_cast<int64_t>(r->fired);
          shared->lost[p][node] = store.lost - lost_before;
          if (!step.end()) return step.error();
        }
        return "";
      },
      shared.get());
  ASSERT_TRUE(errors.empty()) << errors;

  int64_t fired_by[2] = {0, 0};
  int64_t lost_total = 0;
  for (size_t p = 0; p < std::size(kPhases); ++p) {
    SCOPED_TRACE(std::string("advance to ") + kPhases[p].time);
    const int64_t fired = shared->fired[p][0] + shared->fired[p][1];
    EXPECT_EQ(fired, ref_fired[p])
        << "node 0 fired " << shared->fired[p][0] << ", node 1 " << shared->fired[p][1];
    const int64_t lost = shared->lost[p][0] + shared->lost[p][1];
    if (kPhases[p].gated && ref_fired[p] > 0) {
      // Both nodes claimed the same due deadlines before either committed
      // (their first commits wait for each other), so both tried each one.
      EXPECT_GT(lost, 0) << "the gated advance did not make the nodes collide";
    }
    fired_by[0] += shared->fired[p][0];
    fired_by[1] += shared->fired[p][1];
    lost_total += lost;
  }

  auto s = open_pg(conninfo, schema);
  ASSERT_TRUE(s.ok()) << s.error().message;
  int64_t fired_events = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    SCOPED_TRACE(ids[i]);
    auto got = (*s)->dossier_journal(ids[i]);
    ASSERT_TRUE(got.ok()) << got.error().message;
    auto want = ref->dossier_journal(ids[i]);
    ASSERT_TRUE(want.ok()) << want.error().message;
    // The same events (each deadline once: none twice, none missing).
    EXPECT_EQ(rows(*got), rows(*want));
    fired_events += deadline_events(*got);
    auto ds = (*s)->get_dossier(ids[i]);
    auto rs = ref->get_dossier(ids[i]);
    ASSERT_TRUE(ds.ok() && rs.ok());
    EXPECT_EQ(ds->version, rs->version);
    EXPECT_EQ(ds->state_json, rs->state_json);
    auto dq = (*s)->dossier_deadlines(ids[i]);
    auto rq = ref->dossier_deadlines(ids[i]);
    ASSERT_TRUE(dq.ok() && rq.ok());
    std::set<std::tuple<std::string, int64_t, std::string>> have, owe;
    for (const auto& d : *dq) have.emplace(d.kind, d.fire_at, d.payload);
    for (const auto& d : *rq) owe.emplace(d.kind, d.fire_at, d.payload);
    EXPECT_EQ(have, owe);
  }
  int64_t ref_total = 0;
  for (int64_t f : ref_fired) ref_total += f;
  EXPECT_EQ(fired_events, ref_total);
  EXPECT_EQ(fired_events, ref_rep.deadline_events);
  EXPECT_EQ(fired_by[0] + fired_by[1], fired_events);
  StoreReport rep = check_store(**s);  // no (dossier, kind, fire_at) twice; chain intact
  EXPECT_TRUE(rep.problems.empty()) << join(rep.problems);
  EXPECT_EQ(rep.deadline_events, fired_events);
  auto counts = (*s)->counts();
  auto ref_counts = ref->counts();
  ASSERT_TRUE(counts.ok() && ref_counts.ok());
  EXPECT_EQ(counts->events, ref_counts->events);
  EXPECT_EQ(counts->deadlines, ref_counts->deadlines);
  auto chain = (*s)->verify_chain();
  ASSERT_TRUE(chain.ok()) << chain.error().message;
  EXPECT_TRUE(chain->intact) << chain->reason;
  EXPECT_EQ(chain->events_checked, counts->events);
  RecordProperty("deadline_events", static_cast<int>(fired_events));
  RecordProperty("node0_fired", static_cast<int>(fired_by[0]));
  RecordProperty("node1_fired", static_cast<int>(fired_by[1]));
  RecordProperty("lost_commits", static_cast<int>(lost_total));
  RecordProperty("events", static_cast<int>(counts->events));
}

}  // namespace
}  // namespace hoso::engine_pg
