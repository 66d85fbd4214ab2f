// JSON dossiers into the compiler-computed slot layout. Every error names
// the field (or the key) and says what to write instead.
#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "hoso/rules.h"

namespace hoso::rules {

using nlohmann::json;

namespace {

constexpr double kMaxMagnitude = 9e12;  // keeps value * 1000 inside int64

Error bad(const std::string& where, const std::string& what) {
  return make_error(ErrorCode::kInvalidArgument, where + ": " + what);
}

std::string json_kind(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number_integer() || v.is_number_unsigned()) return "an integer";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "an array";
  return "an object";
}

Result<int64_t> fixed(const json& v, const std::string& where, bool integer_only) {
  if (!v.is_number()) {
    return bad(where, "expected " + std::string(integer_only ? "an integer" : "a number") +
                          ", got " + json_kind(v));
  }
  if (v.is_number_integer() || v.is_number_unsigned()) {
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(kMaxMagnitude)) {
      return bad(where, "the value is too large (at most 9,000,000,000,000)");
    }
    int64_t i = v.get<int64_t>();
    if (static_cast<double>(i) > kMaxMagnitude || static_cast<double>(i) < -kMaxMagnitude) {
      return bad(where, "the value is too large (at most 9,000,000,000,000)");
    }
    return i * 1000;
  }
  double d = v.get<double>();
  if (!std::isfinite(d) || std::fabs(d) > kMaxMagnitude) {
    return bad(where, "the value is too large (at most 9,000,000,000,000)");
  }
  if (integer_only) return bad(where, "expected a whole number, got " + v.dump());
  double scaled = d * 1000.0;
  double r = std::nearbyint(scaled);
  if (std::fabs(scaled - r) > 1e-6 * std::max(1.0, std::fabs(scaled))) {
    return bad(where, "at most three decimals are allowed, got " + v.dump());
  }
  return static_cast<int64_t>(r);
}

Result<int64_t> unit_value(const std::string& text, const std::string& where, const Registry& reg) {
  auto space = text.find(' ');
  std::string level = space == std::string::npos ? "" : text.substr(0, space);
  std::string name = space == std::string::npos ? text : text.substr(space + 1);
  if (level == "commune") {
    auto c = reg.find_commune(name);
    if (!c) return bad(where, "no commune named \"" + name + "\" in the registry");
    return hoso_commune_unit(*c, 0);
  }
  if (level == "province") {
    auto p = reg.find_province(name);
    if (!p) return bad(where, "no province named \"" + name + "\" in the registry");
    return hoso_province_unit(*p, 0);
  }
  return bad(where,
             "write a unit as \"commune <name>\" or \"province <name>\", got \"" + text + "\"");
}

}  // namespace

bool json_nesting_exceeds(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

Result<Dossier> marshal(const PackMeta& meta, std::string_view text, const Registry& reg) {
  // Dossiers are shallow; refusing deep nesting first keeps every later step
  // (parse, copy, destroy) away from deep recursion.
  if (json_nesting_exceeds(text, 32)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the dossier nests arrays or objects more than 32 deep; field values are "
                      "numbers, strings or booleans");
  }
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    // Parse again with exceptions for the position and reason.
    try {
      json again = json::parse(text);
      (void)again;
    } catch (const json::exception& e) {
      // A syntax error, or a number no double holds (1e400): both name the
      // place in the text.
      return make_error(ErrorCode::kInvalidArgument,
                        std::string("the dossier is not valid JSON (UTF-8): ") + e.what());
    }
    return make_error(ErrorCode::kInvalidArgument, "the dossier is not valid JSON");
  }
  if (!doc.is_object()) return bad("dossier", "expected a JSON object");
  for (const auto& [key, value] : doc.items()) {
    (void)value;
    if (key != "procedure" && key != "received" && key != "receiving" && key != "fields" &&
        key != "id") {
      return bad(key, "unknown key; a dossier has procedure, received, receiving, fields, id");
    }
  }
  Dossier d;
  if (!doc.contains("procedure") || !doc["procedure"].is_string()) {
    return bad("procedure", "missing: name the procedure, e.g. \"procedure\": \"HousePermit\"");
  }
  std::string pname = doc["procedure"].get<std::string>();
  auto pi = meta.procedure_index(pname);
  if (!pi) return bad("procedure", "no procedure named \"" + pname + "\" in these rules");
  d.procedure = *pi;
  const ProcedureMeta& p = meta.procedures[*pi];
  if (!doc.contains("received") || !doc["received"].is_string()) {
    return bad("received", "missing: when the dossier was received, \"YYYY-MM-DD HH:MM\"");
  }
  auto rec = calendar::parse_instant(doc["received"].get<std::string>());
  if (!rec) return bad("received", rec.error().message);
  d.received = *rec;
  if (!doc.contains("receiving") || !doc["receiving"].is_string()) {
    return bad("receiving", "missing: the desk that received it, e.g. \"commune Bắc Hà\"");
  }
  auto ru = unit_value(doc["receiving"].get<std::string>(), "receiving", reg);
  if (!ru) return ru.error();
  d.receiving_unit = *ru;
  if (doc.contains("id")) {
    if (!doc["id"].is_string()) return bad("id", "expected a string");
    d.id = doc["id"].get<std::string>();
  }
  static const json kNoFields = json::object();
  const json& fields = doc.contains("fields") ? doc["fields"] : kNoFields;
  if (!fields.is_object()) return bad("fields", "expected an object of field values");
  for (const auto& [key, value] : fields.items()) {
    (void)value;
    if (!p.field_index(key)) {
      std::string names;
      for (const auto& f : p.fields) names += (names.empty() ? "" : ", ") + f.name;
      return bad("fields." + key,
                 "procedure " + p.name + " has no such field (its fields: " + names + ")");
    }
  }
  std::map<std::string, int64_t> fresh_texts;
  d.slots.resize(slot_count(p));
  auto chars = [](const std::string& s) {
    int64_t n = 0;
    for (char ch : s) n += (static_cast<unsigned char>(ch) & 0xC0) != 0x80 ? 1 : 0;
    return n * 1000;
  };
  for (size_t i = 0; i < p.fields.size(); ++i) {
    const FieldMeta& f = p.fields[i];
    std::string where = "fields." + f.name;
    if (!fields.contains(f.name)) {
      if (f.has_default) {
        d.slots[i] = f.default_value;
        if (f.type == FieldType::Text || f.type == FieldType::Person) {
          d.slots[text_length_slot(p, static_cast<uint32_t>(i))] = chars(f.default_text);
        }
        continue;
      }
      return bad(where, fmt::format("missing: procedure {} needs a value of type {}", p.name,
                                    field_type_name(f.type)));
    }
    const json& v = fields[f.name];
    auto as_text = [&]() -> Result<std::string> {
      if (!v.is_string()) return bad(where, "expected a string, got " + json_kind(v));
      return v.get<std::string>();
    };
    switch (f.type) {
      case FieldType::Int: {
        auto r = fixed(v, where, true);
        if (!r) return r.error();
        d.slots[i] = *r;
        break;
      }
      case FieldType::Money: {
        auto r = fixed(v, where, true);
        if (!r) return r.error();
        d.slots[i] = *r;
        break;
      }
      case FieldType::Dec:
      case FieldType::Area:
      case FieldType::WorkingDays:
      case FieldType::WorkingHours:
      case FieldType::CalendarDays: {
        auto r = fixed(v, where, false);
        if (!r) return r.error();
        d.slots[i] = *r;
        break;
      }
      case FieldType::Bool:
        if (!v.is_boolean()) return bad(where, "expected true or false, got " + json_kind(v));
        d.slots[i] = v.get<bool>() ? 1 : 0;
        break;
      case FieldType::Text:
      case FieldType::Person: {
        auto s = as_text();
        if (!s) return s.error();
        int64_t id = -1;
        for (size_t k = 0; k < meta.strings.size(); ++k) {
          if (meta.strings[k] == *s) id = static_cast<int64_t>(k);
        }
        if (id < 0) {
          auto [it, inserted] = fresh_texts.emplace(
              *s, static_cast<int64_t>(meta.strings.size() + fresh_texts.size()));
          (void)inserted;
          id = it->second;
        }
        d.slots[i] = id;
        d.slots[text_length_slot(p, static_cast<uint32_t>(i))] = chars(*s);
        break;
      }
      case FieldType::Date: {
        auto s = as_text();
        if (!s) return s.error();
        auto dt = calendar::parse_date(*s);
        if (!dt) return bad(where, dt.error().message);
        d.slots[i] = *dt;
        break;
      }
      case FieldType::DateTime: {
        auto s = as_text();
        if (!s) return s.error();
        auto t = calendar::parse_instant(*s);
        if (!t) return bad(where, t.error().message);
        d.slots[i] = *t;
        break;
      }
      case FieldType::Enum: {
        auto s = as_text();
        if (!s) return s.error();
        bool found = false;
        for (size_t k = 0; k < f.enum_values.size(); ++k) {
          if (f.enum_values[k] == *s) {
            d.slots[i] = static_cast<int64_t>(k);
            found = true;
          }
        }
        if (!found) {
          std::string vals;
          for (const auto& ev : f.enum_values) vals += (vals.empty() ? "" : ", ") + ev;
          return bad(where, "\"" + *s + "\" is not a " + f.enum_name + " (one of: " + vals + ")");
        }
        break;
      }
      case FieldType::Commune: {
        if (v.is_number_integer()) {
          int64_t c = v.get<int64_t>();
          if (c < 0 || c >= reg.communes()) return bad(where, "no commune with that number");
          d.slots[i] = c;
          break;
        }
        auto s = as_text();
        if (!s) return s.error();
        auto c = reg.find_commune(*s);
        if (!c) return bad(where, "no commune named \"" + *s + "\" in the registry");
        d.slots[i] = *c;
        break;
      }
      case FieldType::Province: {
        auto s = as_text();
        if (!s) return s.error();
        auto pr = reg.find_province(*s);
        if (!pr) return bad(where, "no province named \"" + *s + "\" in the registry");
        d.slots[i] = hoso_province_unit(*pr, 0);
        break;
      }
      case FieldType::Unit: {
        auto s = as_text();
        if (!s) return s.error();
        auto u = unit_value(*s, where, reg);
        if (!u) return u.error();
        d.slots[i] = *u;
        break;
      }
    }
  }
  // Every value must fit its slot in the record compiled code reads. The
  // checks above already bound every type (4-digit years, registry places,
  // enum indexes); this guard keeps a future type or width from being
  // truncated silently.
  for (size_t i = 0; i < p.fields.size() && i < p.layout.size(); ++i) {
    if (!fits_slot(p.layout[i], d.slots[i])) {
      return bad("fields." + p.fields[i].name,
                 fmt::format("the value is out of range for a {} field ({} bytes); give a "
                             "smaller one",
                             field_type_name(p.fields[i].type), p.layout[i].width));
    }
  }
  return d;
}

hoso_rt_ctx make_context(const Dossier& d, const Registry& registry, const void* calendar) {
  hoso_rt_ctx ctx{};
  ctx.province_of = registry.province_table();
  ctx.communes = registry.communes();
  ctx.receipt_date = static_cast<int32_t>(calendar::date_of(d.received));
  ctx.receiving_unit = d.receiving_unit;
  ctx.calendar = calendar;
  return ctx;
}

}  // namespace hoso::rules
