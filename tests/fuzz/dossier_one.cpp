#include "dossier_one.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <vector>

#include "driver/driver.h"
#include "hoso/calendar.h"
#include "hoso/rules.h"
#include "ir/interp_decider.h"

namespace hoso::fuzz {
namespace {

// The shipped rules, compiled once per process.
const ir::Module* rules_module() {
  static std::unique_ptr<driver::Compilation> c = [] {
    auto r = driver::compile({HOSO_SOURCE_DIR "/rules"});
    return r ? std::move(*r) : nullptr;
  }();
  return c != nullptr ? c->module.get() : nullptr;
}

}  // namespace

std::string run_dossier(std::string_view input) {
  const ir::Module* m = rules_module();
  if (m == nullptr) return "rules/ does not compile";
  const auto& reg = rules::Registry::default_registry();
  const auto& cal = calendar::default_calendar();
  auto d = rules::marshal(m->meta, input, reg);
  if (!d) {
    const std::string& msg = d.error().message;
    if (msg.empty()) return "a refused dossier got an empty message";
    return "";
  }
  if (d->procedure >= m->meta.procedures.size()) return "marshal gave a procedure out of range";
  const rules::ProcedureMeta& p = m->meta.procedures[d->procedure];
  if (d->slots.size() != p.layout.size()) return "marshal gave the wrong number of slots";
  auto record = rules::to_record(p, d->slots.data());
  for (size_t s = 0; s < p.layout.size(); ++s) {
    if (rules::read_slot(record.data(), p.layout[s]) != d->slots[s]) {
      return "slot " + std::to_string(s) + " of " + p.name + " does not fit its record";
    }
  }
  ir::InterpDecider interp(*m);
  hoso_rt_ctx ctx = rules::make_context(*d, reg, &cal);
  hoso_decision dec{};
  interp.decide_record(d->procedure, record.data(), &ctx, &dec);
  rules::RenderOptions options;
  options.explain = true;
  std::string text = rules::render_decision(m->meta, *d, dec, cal, reg, options);
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return "the decision is not valid JSON:\n" + text;
  if (!j.is_object() || j.value("procedure", "") != p.name) {
    return "the decision does not name procedure " + p.name + ":\n" + text;
  }
  return "";
}

}  // namespace hoso::fuzz
