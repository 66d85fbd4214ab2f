// Due dates on the working calendar and the one JSON form of a decision.
// Every engine (interpreter, JIT, pack) fills the same hoso_decision; this
// file turns it into bytes, so the engines cannot disagree in print.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "hoso/rules.h"

namespace hoso::rules {

using ojson = nlohmann::ordered_json;

namespace {

constexpr int64_t kDay = 480;  // working minutes in a working day (8 h)

std::string days_text(int64_t minutes) {
  if (minutes % kDay == 0) return fmt::format("{}", minutes / kDay);
  return fmt::format("{:.3f}", static_cast<double>(minutes) / kDay);
}

ojson instant_json(int64_t t) {
  if (t < 0) return nullptr;
  return calendar::format_instant(t);
}

ojson unit_json(int64_t unit, const PackMeta& meta, const Registry& reg) {
  ojson j;
  j["id"] = unit;
  int32_t level = hoso_unit_level(unit);
  if (level == 0) {
    j["level"] = nullptr;
    return j;
  }
  if (level == 1) {
    int64_t rel = unit - HOSO_PROVINCE_UNIT_BASE;
    auto p = static_cast<int32_t>(rel / 100);
    auto a = static_cast<size_t>(rel % 100);
    j["level"] = "province";
    j["place"] = reg.province_name(p);
    j["agency"] = a < meta.province_agencies.size() ? meta.province_agencies[a] : "?";
  } else {
    int32_t c = hoso_unit_commune(unit);
    size_t a = unit >= HOSO_COMMUNE_AGENCY_BASE ? static_cast<size_t>(unit % 100) : 0;
    j["level"] = "commune";
    j["place"] = reg.commune_name(c);
    j["province"] = reg.province_name(reg.province_of(c));
    j["agency"] = a < meta.commune_agencies.size() ? meta.commune_agencies[a] : "?";
  }
  return j;
}

ojson slot_json(const FieldMeta& f, int64_t v, const PackMeta& meta, const Registry& reg) {
  switch (f.type) {
    case FieldType::Int:
      return v / 1000;
    case FieldType::Bool:
      return v != 0;
    case FieldType::Date:
      return calendar::format_date(static_cast<calendar::Date>(v));
    case FieldType::DateTime:
      return calendar::format_instant(v);
    case FieldType::Enum:
      return v >= 0 && static_cast<size_t>(v) < f.enum_values.size()
                 ? ojson(f.enum_values[static_cast<size_t>(v)])
                 : ojson(v);
    case FieldType::Text:
    case FieldType::Person:
      return v >= 0 && static_cast<size_t>(v) < meta.strings.size()
                 ? ojson(meta.strings[static_cast<size_t>(v)])
                 : ojson("<text>");
    case FieldType::Commune:
      return reg.commune_name(static_cast<int32_t>(v));
    case FieldType::Province:
    case FieldType::Unit:
      return unit_json(v, meta, reg);
    default:
      if (v % 1000 == 0) return v / 1000;
      return static_cast<double>(v) / 1000.0;
  }
}

}  // namespace

std::optional<int64_t> add_working(const calendar::Calendar& cal, int64_t start, int64_t minutes) {
  auto t = cal.add_working_days(start, static_cast<int32_t>(minutes / kDay),
                                calendar::Rounding::kToOpening);
  if (!t) return std::nullopt;
  if (minutes % kDay == 0) return t;
  return cal.add_working_minutes(*t, minutes % kDay, calendar::Rounding::kToOpening);
}

Due compute_due(const ProcedureMeta& p, const Dossier& d, const hoso_decision& dec,
                const calendar::Calendar& cal) {
  Due out;
  out.start = cal.intake(d.received).value_or(-1);
  if (out.start < 0) {
    // Outside the calendar's years: nothing is due, every step included.
    out.due = -1;
    out.step_due.assign(p.steps.size(), -1);
    return out;
  }
  if (p.calendar_deadline) {
    // Calendar days: the same clock time that many days later, moved to the
    // next opening if it falls outside office hours.
    out.due =
        cal.round(out.start + dec.deadline_minutes, calendar::Rounding::kToOpening).value_or(-1);
  } else {
    out.due = add_working(cal, out.start, dec.deadline_minutes).value_or(-1);
  }
  if (dec.warn_minutes >= 0 && out.due >= 0) {
    auto w = cal.add_working_days(out.due, -static_cast<int32_t>(dec.warn_minutes / kDay),
                                  calendar::Rounding::kToOpening);
    if (w && dec.warn_minutes % kDay != 0) {
      w = cal.add_working_minutes(*w, -(dec.warn_minutes % kDay), calendar::Rounding::kToOpening);
    }
    out.warn = w.value_or(-1);
  }
  int64_t cum = 0;
  for (size_t i = 0; i < p.steps.size(); ++i) {
    if ((dec.steps_included >> i & 1U) == 0) {
      out.step_due.push_back(-1);
      continue;
    }
    cum += dec.step_budget[i];
    out.step_due.push_back(add_working(cal, out.start, cum).value_or(-1));
  }
  return out;
}

std::string unit_text(int64_t unit, const PackMeta& meta, const Registry& registry) {
  ojson j = unit_json(unit, meta, registry);
  if (j["level"].is_null()) return "none";
  return fmt::format("{} {} / {}", j["level"].get<std::string>(), j["place"].get<std::string>(),
                     j["agency"].get<std::string>());
}

std::string overflow_message(const ProcedureMeta& p) {
  return "a computation of procedure " + p.name +
         "'s rules (deadline, fee, budget or condition) overflows on this dossier's values (a "
         "result beyond 9,223,372,036,854,775, the limit of 64-bit numbers with three "
         "decimals), so its numbers cannot be trusted; check the dossier's numbers for an area, "
         "an amount or a count far too large";
}

std::string render_decision(const PackMeta& meta, const Dossier& d, const hoso_decision& dec,
                            const calendar::Calendar& cal, const Registry& reg,
                            const RenderOptions& options) {
  const ProcedureMeta& p = meta.procedures[d.procedure];
  Due due = compute_due(p, d, dec, cal);
  ojson j;
  j["procedure"] = p.name;
  j["code"] = p.code;
  j["title"] = p.title;
  j["rules_version"] = p.version;
  if (!d.id.empty()) j["dossier"] = d.id;
  j["received"] = calendar::format_instant(d.received);
  j["receiving"] = unit_json(d.receiving_unit, meta, reg);
  ojson failed = ojson::array();
  for (size_t i = 0; i < p.requires_.size(); ++i) {
    if ((dec.failed_requires >> i & 1U) != 0) {
      failed.push_back({{"message", p.requires_[i].message}, {"line", p.requires_[i].line}});
    }
  }
  j["valid"] = failed.empty() && dec.overflow == 0;
  j["failed"] = failed;
  if (dec.overflow != 0) j["overflow"] = overflow_message(p);
  j["competent"] = unit_json(dec.unit, meta, reg);
  if (dec.rule >= 0 && static_cast<size_t>(dec.rule) < p.rules.size()) {
    const RuleMeta& r = p.rules[static_cast<size_t>(dec.rule)];
    j["moved_by"] = {{"kind", r.kind}, {"basis", r.basis}, {"line", r.line}};
  }
  // After an overflow the numbers are wrapped: none is printed as if true.
  const bool numbers = dec.overflow == 0;
  j["deadline_working_days"] = numbers ? ojson(days_text(dec.deadline_minutes)) : ojson(nullptr);
  j["clock_starts"] = instant_json(due.start);
  j["due"] = numbers ? instant_json(due.due) : ojson(nullptr);
  j["warn_at"] = numbers ? instant_json(due.warn) : ojson(nullptr);
  j["fee_vnd"] = numbers ? ojson(dec.fee / 1000) : ojson(nullptr);
  ojson steps = ojson::array();
  for (size_t i = 0; i < p.steps.size() && i < HOSO_MAX_STEPS; ++i) {
    if ((dec.steps_included >> i & 1U) == 0) continue;
    ojson s;
    s["step"] = p.steps[i].name;
    s["handler"] = unit_json(dec.step_unit[i], meta, reg);
    int32_t role = dec.step_role[i];
    s["role"] = role >= 0 && static_cast<size_t>(role) < meta.roles.size()
                    ? ojson(meta.roles[static_cast<size_t>(role)])
                    : ojson(nullptr);
    s["budget_working_days"] = numbers ? ojson(days_text(dec.step_budget[i])) : ojson(nullptr);
    s["due"] = numbers ? instant_json(due.step_due[i]) : ojson(nullptr);
    s["yields"] = p.steps[i].result;
    if (dec.step_rule[i] >= 0 && static_cast<size_t>(dec.step_rule[i]) < p.rules.size()) {
      const RuleMeta& r = p.rules[static_cast<size_t>(dec.step_rule[i])];
      s["moved_by"] = {{"kind", r.kind}, {"basis", r.basis}, {"line", r.line}};
    }
    steps.push_back(s);
  }
  j["steps"] = steps;
  if (options.explain) {
    ojson ex;
    ojson route = ojson::array();
    for (size_t i = 0; i < p.arms.size(); ++i) {
      if (dec.arm >= 0 && i > static_cast<size_t>(dec.arm)) break;
      ojson a;
      a["arm"] = i;
      a["when"] = p.arms[i].text;
      a["line"] = p.arms[i].line;
      a["matched"] = dec.arm == static_cast<int32_t>(i);
      ojson seen = ojson::object();
      for (uint32_t fi : p.arms[i].fields) {
        if (fi < p.fields.size())
          seen[p.fields[fi].name] = slot_json(p.fields[fi], d.slots[fi], meta, reg);
      }
      a["saw"] = seen;
      a["target"] = p.arms[i].target;
      route.push_back(a);
    }
    ex["route"] = route;
    ojson rules = ojson::array();
    for (size_t i = 0; i < p.rules.size(); ++i) {
      const RuleMeta& r = p.rules[i];
      bool in_force =
          r.effective <= calendar::date_of(d.received) && calendar::date_of(d.received) <= r.until;
      rules.push_back(
          {{"kind", r.kind},
           {"subject", r.subject},
           {"from", r.from},
           {"to", r.to},
           {"effective", calendar::format_date(r.effective)},
           {"until", r.until == INT32_MAX ? ojson(nullptr) : ojson(calendar::format_date(r.until))},
           {"in_force_on_receipt", in_force},
           {"applied", dec.rule == static_cast<int32_t>(i) ||
                           std::find(dec.step_rule, dec.step_rule + HOSO_MAX_STEPS,
                                     static_cast<int32_t>(i)) != dec.step_rule + HOSO_MAX_STEPS},
           {"basis", r.basis},
           {"file", r.file},
           {"line", r.line}});
    }
    ex["rules"] = rules;
    ex["procedure_basis"] = p.basis;
    j["explain"] = ex;
  }
  return j.dump(2, ' ', false, ojson::error_handler_t::replace) + "\n";
}

}  // namespace hoso::rules
