// The C API (hoso/hoso.h) over the C++ runtime. Every entry point catches
// everything: no exception crosses into C, nothing is printed, and the only
// state lives in the handles.
#include "hoso/hoso.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "hoso/calendar.h"
#include "hoso/engine.h"
#include "hoso/pack.h"
#include "hoso/rules.h"
#include "hoso/store.h"

using nlohmann::json;

struct hoso_rules {
  std::shared_ptr<const hoso::rules::Decider> decider;
};

struct hoso_store {
  // Shared with the engines built on it, so the host may free either first.
  std::shared_ptr<hoso::store::Store> store;
};

namespace {

using hoso::Error;
using hoso::ErrorCode;
using hoso::Result;

// The clock an engine sees: a fixed time once set, else the host's callback,
// else this machine's clock.
class HostClock final : public hoso::engine::Clock {
 public:
  HostClock(hoso_clock_fn fn, void* user)
      : fn_(fn), user_(user), system_(hoso::engine::system_clock()) {}
  int64_t now() const override {
    if (fixed_set_.load(std::memory_order_acquire)) return fixed_.load(std::memory_order_relaxed);
    if (fn_ != nullptr) return fn_(user_);
    return system_->now();
  }
  void set(int64_t t) {
    fixed_.store(t, std::memory_order_relaxed);
    fixed_set_.store(true, std::memory_order_release);
  }

 private:
  hoso_clock_fn fn_;
  void* user_;
  std::unique_ptr<hoso::engine::Clock> system_;
  std::atomic<int64_t> fixed_{0};
  std::atomic<bool> fixed_set_{false};
};

}  // namespace

struct hoso_engine {
  std::shared_ptr<hoso::store::Store> store;
  std::optional<hoso::calendar::Calendar> calendar;  // when loaded from a file
  std::unique_ptr<HostClock> clock;
  std::unique_ptr<hoso::engine::Engine> engine;
  mutable std::mutex rules_mu;  // guards `rules` against hoso_engine_replace_rules
  std::shared_ptr<const hoso::rules::Decider> rules;  // for parsing actors
  std::shared_ptr<const hoso::rules::Decider> current_rules() const {
    std::lock_guard<std::mutex> lock(rules_mu);
    return rules;
  }
  const hoso::rules::Registry* registry = &hoso::rules::Registry::default_registry();
};

namespace {

char* dup(const std::string& s) {
  auto* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p != nullptr) std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

hoso_status to_status(ErrorCode c) {
  switch (c) {
    case ErrorCode::kInvalidArgument:
      return HOSO_INVALID_ARGUMENT;
    case ErrorCode::kNotFound:
      return HOSO_NOT_FOUND;
    case ErrorCode::kAlreadyExists:
      return HOSO_ALREADY_EXISTS;
    case ErrorCode::kPermissionDenied:
      return HOSO_PERMISSION_DENIED;
    case ErrorCode::kFailedPrecondition:
      return HOSO_FAILED_PRECONDITION;
    case ErrorCode::kVersionMismatch:
      return HOSO_VERSION_MISMATCH;
    case ErrorCode::kIo:
      return HOSO_IO;
    case ErrorCode::kInternal:
      return HOSO_INTERNAL;
  }
  return HOSO_INTERNAL;
}

hoso_status fail(char** error, hoso_status status, const std::string& message) {
  if (error != nullptr) *error = dup(message);
  return status;
}

hoso_status fail(char** error, const Error& e) {
  return fail(error, to_status(e.code), e.message);
}

hoso_status ok(char** error) {
  if (error != nullptr) *error = nullptr;
  return HOSO_OK;
}

// Runs f, turning any exception into HOSO_INTERNAL.
template <class F>
hoso_status guarded(char** error, F&& f) noexcept {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return fail(error, HOSO_INTERNAL, "out of memory");
  } catch (const std::exception& e) {
    return fail(error, HOSO_INTERNAL, std::string("hoso: internal error: ") + e.what());
  } catch (...) {
    return fail(error, HOSO_INTERNAL, "hoso: internal error");
  }
}

hoso_status missing(char** error, const char* what) {
  return fail(error, HOSO_INVALID_ARGUMENT, std::string(what) + " is NULL");
}

// Writes a JSON string result.
hoso_status put(char** out, char** error, const std::string& s) {
  char* p = dup(s);
  if (p == nullptr) return fail(error, HOSO_INTERNAL, "out of memory");
  *out = p;
  return ok(error);
}

Result<hoso::engine::Actor> actor_of(const hoso_engine* e, const char* text) {
  if (text == nullptr) {
    return hoso::make_error(ErrorCode::kInvalidArgument,
                            "the actor is NULL; write e.g. \"commune Bắc Hà/one_stop#nva\"");
  }
  return hoso::engine::parse_actor(text, e->current_rules()->meta(), *e->registry);
}

json kpi_row(const hoso::engine::UnitKpi& u) {
  return json{{"unit", u.unit},
              {"unit_id", u.unit_id},
              {"level", u.level},
              {"received", u.received},
              {"closed", u.closed},
              {"early", u.early},
              {"on_time", u.on_time},
              {"late", u.late},
              {"in_process_late", u.in_process_late},
              {"supplements", u.supplements},
              {"online", u.online},
              {"late_receipts", u.late_receipts},
              {"on_time_rate", u.on_time_rate},
              {"supplements_per_dossier", u.supplements_per_dossier},
              {"online_share", u.online_share}};
}

json chain_json(const hoso::store::ChainReport& r) {
  return json{{"intact", r.intact},
              {"events_checked", r.events_checked},
              {"first_broken", r.first_broken},
              {"reason", r.reason}};
}

std::string dump(const json& j) {
  return j.dump(2, ' ', false, json::error_handler_t::replace);
}

hoso_status submit(hoso_engine* engine, const char* actor, const char* dossier_json,
                   const char* channel, std::optional<int64_t> submitted,
                   const char* idempotency_key, char** out_json, char** error) {
  return guarded(error, [&] {
    if (engine == nullptr) return missing(error, "engine");
    if (dossier_json == nullptr) return missing(error, "dossier_json");
    if (out_json == nullptr) return missing(error, "out_json");
    auto who = actor_of(engine, actor);
    if (!who) return fail(error, who.error());
    hoso::engine::Submission s;
    s.dossier_json = dossier_json;
    if (channel != nullptr) s.channel = channel;
    if (s.channel != "desk" && s.channel != "online" && s.channel != "post") {
      return fail(error, HOSO_INVALID_ARGUMENT,
                  "channel \"" + s.channel + "\": write \"desk\", \"online\" or \"post\"");
    }
    s.submitted = submitted;
    if (idempotency_key != nullptr) s.idempotency_key = idempotency_key;
    auto v = engine->engine->submit(*who, s);
    if (!v) return fail(error, v.error());
    return put(out_json, error, v->json);
  });
}

}  // namespace

extern "C" {

const char* hoso_version(void) {
  return HOSO_VERSION_STRING;
}

const char* hoso_status_name(hoso_status status) {
  switch (status) {
    case HOSO_OK:
      return "HOSO_OK";
    case HOSO_INVALID_ARGUMENT:
      return "HOSO_INVALID_ARGUMENT";
    case HOSO_NOT_FOUND:
      return "HOSO_NOT_FOUND";
    case HOSO_ALREADY_EXISTS:
      return "HOSO_ALREADY_EXISTS";
    case HOSO_PERMISSION_DENIED:
      return "HOSO_PERMISSION_DENIED";
    case HOSO_FAILED_PRECONDITION:
      return "HOSO_FAILED_PRECONDITION";
    case HOSO_VERSION_MISMATCH:
      return "HOSO_VERSION_MISMATCH";
    case HOSO_IO:
      return "HOSO_IO";
    case HOSO_INTERNAL:
      return "HOSO_INTERNAL";
  }
  return "HOSO_UNKNOWN_STATUS";
}

void hoso_free(void* p) {
  std::free(p);
}

hoso_status hoso_parse_instant(const char* text, int64_t* out, char** error) {
  return guarded(error, [&] {
    if (text == nullptr) return missing(error, "text");
    if (out == nullptr) return missing(error, "out");
    auto t = hoso::calendar::parse_instant(text);
    if (!t) return fail(error, t.error());
    *out = *t;
    return ok(error);
  });
}

hoso_status hoso_format_instant(int64_t instant, char** out, char** error) {
  return guarded(error, [&] {
    if (out == nullptr) return missing(error, "out");
    return put(out, error, hoso::calendar::format_instant(instant));
  });
}

// ------------------------------------------------------------------ rules

hoso_status hoso_rules_load_pack(const char* path, hoso_rules** out, char** error) {
  return guarded(error, [&] {
    if (path == nullptr) return missing(error, "path");
    if (out == nullptr) return missing(error, "out");
    auto d = hoso::rules::load_pack(path);
    if (!d) return fail(error, d.error());
    auto r = std::make_unique<hoso_rules>();
    r->decider = std::shared_ptr<const hoso::rules::Decider>(std::move(*d));
    *out = r.release();
    return ok(error);
  });
}

void hoso_rules_free(hoso_rules* rules) {
  delete rules;
}

hoso_status hoso_rules_manifest(const hoso_rules* rules, char** out_json, char** error) {
  return guarded(error, [&] {
    if (rules == nullptr) return missing(error, "rules");
    if (out_json == nullptr) return missing(error, "out_json");
    return put(out_json, error, hoso::rules::manifest_json(rules->decider->meta()));
  });
}

hoso_status hoso_rules_decide(const hoso_rules* rules, const char* dossier_json,
                              char** decision_json, char** error) {
  return guarded(error, [&] {
    if (rules == nullptr) return missing(error, "rules");
    if (dossier_json == nullptr) return missing(error, "dossier_json");
    if (decision_json == nullptr) return missing(error, "decision_json");
    const auto& reg = hoso::rules::Registry::default_registry();
    const auto& cal = hoso::calendar::default_calendar();
    const auto& meta = rules->decider->meta();
    auto d = hoso::rules::marshal(meta, dossier_json, reg);
    if (!d) return fail(error, d.error());
    hoso_rt_ctx ctx = hoso::rules::make_context(*d, reg, &cal);
    hoso_decision dec{};
    rules->decider->decide(d->procedure, d->slots.data(), &ctx, &dec);
    return put(decision_json, error, hoso::rules::render_decision(meta, *d, dec, cal, reg));
  });
}

// ------------------------------------------------------------------ stores

hoso_status hoso_store_open_sqlite(const char* path, hoso_store** out, char** error) {
  return guarded(error, [&] {
    if (path == nullptr) return missing(error, "path");
    if (out == nullptr) return missing(error, "out");
    auto s = hoso::store::open_sqlite_store(hoso::store::SqliteConfig(path));
    if (!s) return fail(error, s.error());
    auto h = std::make_unique<hoso_store>();
    h->store = std::shared_ptr<hoso::store::Store>(std::move(*s));
    *out = h.release();
    return ok(error);
  });
}

hoso_status hoso_store_open_postgres(const char* conninfo, const char* schema, hoso_store** out,
                                     char** error) {
  return guarded(error, [&] {
    if (conninfo == nullptr) return missing(error, "conninfo");
    if (out == nullptr) return missing(error, "out");
    hoso::store::PostgresConfig config(conninfo);
    if (schema != nullptr) config.schema = schema;
    auto s = hoso::store::open_postgres_store(config);
    if (!s) return fail(error, s.error());
    auto h = std::make_unique<hoso_store>();
    h->store = std::shared_ptr<hoso::store::Store>(std::move(*s));
    *out = h.release();
    return ok(error);
  });
}

hoso_status hoso_store_open_memory(hoso_store** out, char** error) {
  return guarded(error, [&] {
    if (out == nullptr) return missing(error, "out");
    auto h = std::make_unique<hoso_store>();
    h->store = hoso::store::make_memory_store();
    *out = h.release();
    return ok(error);
  });
}

void hoso_store_free(hoso_store* store) {
  delete store;
}

hoso_status hoso_store_verify(const hoso_store* store, char** report_json, char** error) {
  return guarded(error, [&] {
    if (store == nullptr) return missing(error, "store");
    if (report_json == nullptr) return missing(error, "report_json");
    auto r = store->store->verify_chain();
    if (!r) return fail(error, r.error());
    return put(report_json, error, dump(chain_json(*r)));
  });
}

hoso_status hoso_audit_verify_file(const char* path, char** report_json, char** error) {
  return guarded(error, [&] {
    if (path == nullptr) return missing(error, "path");
    if (report_json == nullptr) return missing(error, "report_json");
    auto r = hoso::store::verify_store_file(path);
    if (!r) return fail(error, r.error());
    return put(report_json, error, dump(chain_json(*r)));
  });
}

// ------------------------------------------------------------------ engines

void hoso_engine_config_init(hoso_engine_config* config) {
  if (config == nullptr) return;
  *config = hoso_engine_config{};
  config->online_receipt_sla_hours = 8;
}

hoso_status hoso_engine_create(const hoso_engine_config* config, hoso_engine** out, char** error) {
  return guarded(error, [&] {
    if (config == nullptr) return missing(error, "config");
    if (out == nullptr) return missing(error, "out");
    if (config->rules == nullptr) {
      return fail(error, HOSO_INVALID_ARGUMENT,
                  "config.rules is NULL: load a rule pack with hoso_rules_load_pack first");
    }
    if (config->store == nullptr) {
      return fail(error, HOSO_INVALID_ARGUMENT,
                  "config.store is NULL: open one with hoso_store_open_sqlite or "
                  "hoso_store_open_memory first");
    }
    auto e = std::make_unique<hoso_engine>();
    e->store = config->store->store;
    e->rules = config->rules->decider;
    if (config->calendar_path != nullptr) {
      auto cal = hoso::calendar::load_calendar_file(config->calendar_path);
      if (!cal) return fail(error, cal.error());
      e->calendar.emplace(std::move(*cal));
    }
    e->clock = std::make_unique<HostClock>(config->now, config->now_user);
    hoso::engine::Config cfg;
    cfg.rules = e->rules;
    cfg.store = e->store.get();
    if (e->calendar) cfg.calendar = &*e->calendar;
    cfg.registry = e->registry;
    cfg.clock = e->clock.get();
    if (config->online_receipt_sla_hours > 0) {
      cfg.online_receipt_sla_hours = config->online_receipt_sla_hours;
    }
    if (config->node != nullptr) cfg.node = config->node;
    if (config->lease_ms > 0) cfg.lease_ms = config->lease_ms;
    if (config->on_event != nullptr) {
      cfg.on_event = [fn = config->on_event,
                      user = config->on_event_user](const hoso::store::Event& ev) {
        json j{{"seq", ev.seq},         {"dossier_id", ev.dossier_id}, {"kind", ev.kind},
               {"instant", ev.instant}, {"actor", ev.actor},           {"payload", nullptr}};
        j["payload"] = json::parse(ev.payload, nullptr, false);
        if (j["payload"].is_discarded()) j["payload"] = ev.payload;
        std::string text = j.dump(-1, ' ', false, json::error_handler_t::replace);
        fn(user, text.c_str());
      };
    }
    auto eng = hoso::engine::Engine::create(std::move(cfg));
    if (!eng) return fail(error, eng.error());
    e->engine = std::move(*eng);
    *out = e.release();
    return ok(error);
  });
}

void hoso_engine_free(hoso_engine* engine) {
  delete engine;
}

void hoso_engine_set_time(hoso_engine* engine, int64_t instant) {
  if (engine != nullptr) engine->clock->set(instant);
}

hoso_status hoso_engine_replace_rules(hoso_engine* engine, const hoso_rules* rules, char** error) {
  return guarded(error, [&] {
    if (engine == nullptr) return missing(error, "engine");
    if (rules == nullptr) return missing(error, "rules");
    {
      std::lock_guard<std::mutex> lock(engine->rules_mu);
      engine->rules = rules->decider;
    }
    engine->engine->replace_rules(rules->decider);
    return ok(error);
  });
}

hoso_status hoso_engine_submit(hoso_engine* engine, const char* actor, const char* dossier_json,
                               const char* channel, const char* idempotency_key, char** out_json,
                               char** error) {
  return submit(engine, actor, dossier_json, channel, std::nullopt, idempotency_key, out_json,
                error);
}

hoso_status hoso_engine_submit_online(hoso_engine* engine, const char* actor,
                                      const char* dossier_json, int64_t submitted,
                                      const char* idempotency_key, char** out_json, char** error) {
  return submit(engine, actor, dossier_json, "online", submitted, idempotency_key, out_json, error);
}

hoso_status hoso_engine_act(hoso_engine* engine, const char* actor, const char* dossier_id,
                            const char* action, const char* payload_json,
                            const char* idempotency_key, char** out_json, char** error) {
  return guarded(error, [&] {
    if (engine == nullptr) return missing(error, "engine");
    if (dossier_id == nullptr) return missing(error, "dossier_id");
    if (action == nullptr) return missing(error, "action");
    if (out_json == nullptr) return missing(error, "out_json");
    auto who = actor_of(engine, actor);
    if (!who) return fail(error, who.error());
    auto a = hoso::engine::parse_action(action);
    if (!a) return fail(error, a.error());
    auto v = engine->engine->act(*who, dossier_id, *a, payload_json ? payload_json : "{}",
                                 idempotency_key ? idempotency_key : "");
    if (!v) return fail(error, v.error());
    return put(out_json, error, v->json);
  });
}

hoso_status hoso_engine_advance(hoso_engine* engine, int64_t now, char** report_json,
                                char** error) {
  return guarded(error, [&] {
    if (engine == nullptr) return missing(error, "engine");
    if (report_json == nullptr) return missing(error, "report_json");
    auto r = engine->engine->advance(now);
    if (!r) return fail(error, r.error());
    return put(
        report_json, error,
        dump(json{
            {"fired", r->fired}, {"events", r->events}, {"taken_elsewhere", r->taken_elsewhere}}));
  });
}

hoso_status hoso_engine_show(hoso_engine* engine, const char* actor, const char* dossier_id,
                             char** out_json, char** error) {
  return guarded(error, [&] {
    if (engine == nullptr) return missing(error, "engine");
    if (dossier_id == nullptr) return missing(error, "dossier_id");
    if (out_json == nullptr) return missing(error, "out_json");
    auto who = actor_of(engine, actor);
    if (!who) return fail(error, who.error());
    auto v = engine->engine->show(*who, dossier_id);
    if (!v) return fail(error, v.error());
    return put(out_json, error, v->json);
  });
}

hoso_status hoso_engine_kpi(hoso_engine* engine, char** kpi_json, char** error) {
  return guarded(error, [&] {
    if (engine == nullptr) return missing(error, "engine");
    if (kpi_json == nullptr) return missing(error, "kpi_json");
    auto k = engine->engine->kpi();
    if (!k) return fail(error, k.error());
    json levels = json::array();
    json units = json::array();
    for (const auto& u : k->levels) levels.push_back(kpi_row(u));
    for (const auto& u : k->units) units.push_back(kpi_row(u));
    return put(kpi_json, error, dump(json{{"levels", levels}, {"units", units}}));
  });
}

}  // extern "C"
