// engine_load: drives the real engine on a SQLite store until killed.
//
//   engine_load STORE RUN START_INSTANT [THREADS]
//
// THREADS workers submit dossiers and act on them as the right officials
// (complete steps, request and supply supplements, await payment, reject,
// withdraw, return); one clock thread moves the simulated clock by 30 minutes
// and calls advance(now) so deadlines fire. Every acknowledged call (it
// returned ok) is written to stdout with one write(2) after it returned:
//   A <key> <dossier> <action> <version>     an action, its idempotency key
//   C <instant> <fired>                      advance(instant) completed
// Keys carry RUN so they are unique across restarts on the same store.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine_harness.h"

namespace {

using hoso::engine_crash::json;
namespace engine = hoso::engine;

void ack(const std::string& line) {
  // Lines are far below PIPE_BUF: one write is atomic on the pipe.
  if (write(1, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(5);
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "engine_load: %s\n", what.c_str());
  std::fflush(stderr);
  _exit(4);
}

struct Open {
  std::string id;
  json st;  // the view after our last action
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: engine_load STORE RUN START_INSTANT [THREADS]\n");
    return 2;
  }
  const std::string path = argv[1];
  const std::string run = argv[2];
  const int64_t start = std::stoll(argv[3]);
  const int threads = argc > 4 ? std::atoi(argv[4]) : 4;

  auto rules = hoso::engine_crash::compile_rules();
  if (!rules.error.empty()) die("rules: " + rules.error);
  auto opened = hoso::store::open_sqlite_store(hoso::store::SqliteConfig(path));
  if (!opened.ok()) die(opened.error().message);
  hoso::engine_crash::SimClock clock(start);
  auto made = hoso::engine_crash::make_engine(rules, opened->get(), &clock);
  if (!made.ok()) die(made.error().message);
  engine::Engine& eng = **made;
  const auto& meta = rules.decider->meta();
  const auto& reg = hoso::rules::Registry::default_registry();
  auto desk = engine::parse_actor("commune Bắc Hà/one_stop#desk", meta, reg);
  if (!desk.ok()) die(desk.error().message);

  // Adopt the open dossiers earlier runs left behind, so overdue ones are
  // acted on again after a restart.
  std::vector<std::vector<Open>> adopted(static_cast<size_t>(threads));
  {
    std::set<std::string> ids;
    for (hoso::store::Sequence from = 1;;) {
      auto page = (*opened)->read_journal(from, 4096);
      if (!page.ok()) die(page.error().message);
      if (page->empty()) break;
      for (const auto& e : *page) {
        if (!e.dossier_id.empty()) ids.insert(e.dossier_id);
      }
      from = page->back().seq + 1;
    }
    size_t i = 0;
    for (const auto& id : ids) {
      auto ds = (*opened)->get_dossier(id);
      if (!ds.ok()) continue;
      json st = json::parse(ds->state_json);
      const std::string state = st["state"];
      if (state != "in_process" && state != "supplement_requested" && state != "awaiting_payment" &&
          state != "result_ready") {
        continue;
      }
      adopted[i++ % adopted.size()].push_back({id, st});
    }
  }

  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(std::hash<std::string>{}(run)) * 31U +
                       static_cast<unsigned>(t));
      auto pct = [&] { return std::uniform_int_distribution<int>(0, 99)(rng); };
      std::vector<Open> open = std::move(adopted[static_cast<size_t>(t)]);
      int64_t n = 0;
      auto key = [&] { return "r" + run + "-t" + std::to_string(t) + "-" + std::to_string(n++); };
      for (;;) {
        if (open.size() < 30 || pct() < 5) {
          engine::Submission s;
          const char* site = pct() < 50 ? "Sa Pa" : "Bắc Hà";
          int floors = std::uniform_int_distribution<int>(0, 12)(rng);  // 0: incomplete
          const char* proc = pct() < 70 ? "Permit" : "Notice";
          s.dossier_json = json{{"procedure", proc},
                                {"received", hoso::calendar::format_instant(clock.now())},
                                {"receiving", "commune Bắc Hà"},
                                {"fields", {{"site", site}, {"floors", floors}}}}
                               .dump();
          s.idempotency_key = key();
          auto v = eng.submit(*desk, s);
          if (!v.ok()) die("submit: " + v.error().message);
          ack("A " + s.idempotency_key + " " + v->id + " submit " + std::to_string(v->version) +
              "\n");
          open.push_back({v->id, json::parse(v->json)});
          continue;
        }
        size_t i = std::uniform_int_distribution<size_t>(0, open.size() - 1)(rng);
        Open& o = open[i];
        const std::string state = o.st["state"];
        engine::Action a = engine::Action::kComplete;
        engine::Actor who = *desk;
        std::string payload = "{}";
        int r = pct();
        if (state == "in_process" && o.st["paused_since"].is_null()) {
          size_t step = o.st["step"];
          const json& sd = o.st["steps"][step];
          engine::Actor handler;
          handler.unit = sd["unit"];
          handler.role = sd["role"];
          handler.id = "h" + std::to_string(t);
          who = handler;
          if (r < 70) {
            a = engine::Action::kComplete;
          } else if (r < 82) {
            a = engine::Action::kRequestSupplement;
          } else if (r < 92) {
            a = engine::Action::kAwaitPayment;
          } else if (r < 96) {
            a = engine::Action::kReject;
            payload = R"({"reason": "không đủ điều kiện"})";
          } else {
            a = engine::Action::kWithdraw;
            who = *desk;
          }
        } else if (state == "supplement_requested") {
          a = engine::Action::kSupplement;
          payload = R"({"fields": {"floors": 3}})";
        } else if (state == "awaiting_payment") {
          a = engine::Action::kPaid;
        } else if (state == "result_ready") {
          a = r < 90 ? engine::Action::kReturn : engine::Action::kNotCollected;
        } else {
          open.erase(open.begin() + static_cast<std::ptrdiff_t>(i));  // closed
          continue;
        }
        const std::string k = key();
        for (int attempt = 0;; ++attempt) {
          auto v = eng.act(who, o.id, a, payload, k);
          if (v.ok()) {
            ack("A " + k + " " + o.id + " " + std::string(engine::action_name(a)) + " " +
                std::to_string(v->version) + "\n");
            o.st = json::parse(v->json);
            break;
          }
          // A deadline fired on this dossier meanwhile: the same action again.
          bool conflict = v.error().code == hoso::ErrorCode::kFailedPrecondition &&
                          v.error().message.find("changed while") != std::string::npos;
          if (!conflict || attempt > 20) {
            die("act " + std::string(engine::action_name(a)) + " on " + o.id + ": " +
                v.error().message);
          }
        }
      }
    });
  }
  // The clock: 30 simulated minutes every 2 ms, firing what is due.
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    int64_t now = clock.add(30);
    auto r = eng.advance(now);
    if (!r.ok()) die("advance: " + r.error().message);
    ack("C " + std::to_string(now) + " " + std::to_string(r->fired) + "\n");
  }
}
