// Pack manifests: the metadata of compiled rules as JSON, read back with
// every field checked, so a truncated or tampered manifest is refused with a
// message instead of running.
#include <cstring>

#include <nlohmann/json.hpp>

#include "hoso/rules.h"

namespace hoso::rules {

using nlohmann::json;

std::string_view compiler_version() {
  return "hoso 0.1.0 (abi 2, codegen " HOSO_CODEGEN_ID ")";
}

std::string_view field_type_name(FieldType t) {
  static const char* const kNames[] = {"Int",          "Dec",           "Bool",          "Text",
                                       "Date",         "DateTime",      "VND",           "m2",
                                       "working days", "working hours", "calendar days", "Person",
                                       "Commune",      "Province",      "Unit",          "Enum"};
  return kNames[static_cast<size_t>(t)];
}

std::optional<uint32_t> ProcedureMeta::field_index(std::string_view n) const {
  for (uint32_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == n) return i;
  }
  return std::nullopt;
}

namespace {
bool is_text(FieldType t) {
  return t == FieldType::Text || t == FieldType::Person;
}
}  // namespace

uint32_t text_length_slot(const ProcedureMeta& p, uint32_t field) {
  auto slot = static_cast<uint32_t>(p.fields.size());
  for (uint32_t i = 0; i < field && i < p.fields.size(); ++i) {
    if (is_text(p.fields[i].type)) ++slot;
  }
  return slot;
}

uint32_t slot_count(const ProcedureMeta& p) {
  return text_length_slot(p, static_cast<uint32_t>(p.fields.size()));
}

uint32_t slot_width(const ProcedureMeta& p, uint32_t slot) {
  if (slot >= p.fields.size()) return 8;  // a text length (characters x1000)
  const FieldMeta& f = p.fields[slot];
  switch (f.type) {
    case FieldType::Bool:
      return 1;
    case FieldType::Enum:
      return f.enum_values.size() <= 127 ? 1 : f.enum_values.size() <= 32767 ? 2 : 4;
    case FieldType::Commune:
    case FieldType::Province:
    case FieldType::Unit:
    case FieldType::Date:
    case FieldType::Text:
    case FieldType::Person:
      return 4;
    default:
      return 8;
  }
}

void lay_out(ProcedureMeta& p) {
  const uint32_t n = slot_count(p);
  p.layout.assign(n, SlotLayout{});
  uint32_t offset = 0;
  for (uint32_t width : {8u, 4u, 2u, 1u}) {
    for (uint32_t s = 0; s < n; ++s) {
      if (slot_width(p, s) != width) continue;
      p.layout[s] = SlotLayout{offset, width};
      offset += width;
    }
  }
  p.record_size = (offset + 7) / 8 * 8;
}

bool fits_slot(SlotLayout s, int64_t v) {
  if (s.width >= 8) return true;
  const int64_t limit = int64_t{1} << (s.width * 8 - 1);
  return v >= -limit && v < limit;
}

void write_record(const ProcedureMeta& p, const int64_t* slots, void* record) {
  auto* out = static_cast<unsigned char*>(record);
  std::memset(out, 0, p.record_size);
  for (size_t s = 0; s < p.layout.size(); ++s) {
    const SlotLayout l = p.layout[s];
    const int64_t v = slots[s];
    switch (l.width) {
      case 1: {
        auto x = static_cast<int8_t>(v);
        std::memcpy(out + l.offset, &x, 1);
        break;
      }
      case 2: {
        auto x = static_cast<int16_t>(v);
        std::memcpy(out + l.offset, &x, 2);
        break;
      }
      case 4: {
        auto x = static_cast<int32_t>(v);
        std::memcpy(out + l.offset, &x, 4);
        break;
      }
      default:
        std::memcpy(out + l.offset, &v, 8);
        break;
    }
  }
}

std::vector<uint64_t> to_record(const ProcedureMeta& p, const int64_t* slots) {
  std::vector<uint64_t> r((p.record_size + 7) / 8);
  write_record(p, slots, r.data());
  return r;
}

void no_decision(hoso_decision* out) {
  *out = hoso_decision{};
  out->arm = out->rule = -1;
  out->unit = HOSO_NO_UNIT;
  out->warn_minutes = -1;
}

void Decider::decide(uint32_t procedure, const int64_t* slots, const hoso_rt_ctx* ctx,
                     hoso_decision* out) const {
  const auto& procs = meta().procedures;
  if (procedure >= procs.size()) {
    no_decision(out);
    return;
  }
  const ProcedureMeta& p = procs[procedure];
  // Records of up to 512 bytes (64 numbers) on the stack, larger on the heap.
  alignas(8) unsigned char small[512];
  std::vector<uint64_t> big;
  void* record = small;
  if (p.record_size > sizeof small) {
    big.resize((p.record_size + 7) / 8);
    record = big.data();
  }
  write_record(p, slots, record);
  decide_record(procedure, record, ctx, out);
}

std::optional<uint32_t> PackMeta::procedure_index(std::string_view name) const {
  for (uint32_t i = 0; i < procedures.size(); ++i) {
    if (procedures[i].name == name) return i;
  }
  return std::nullopt;
}

std::string manifest_json(const PackMeta& m) {
  json procs = json::array();
  for (const auto& p : m.procedures) {
    json fields = json::array();
    for (const auto& f : p.fields) {
      fields.push_back({{"name", f.name},
                        {"type", static_cast<int>(f.type)},
                        {"enum", f.enum_name},
                        {"values", f.enum_values},
                        {"has_default", f.has_default},
                        {"default", f.default_value},
                        {"default_text", f.default_text}});
    }
    json reqs = json::array();
    for (const auto& r : p.requires_) {
      reqs.push_back({{"message", r.message}, {"text", r.text}, {"line", r.line}});
    }
    json arms = json::array();
    for (const auto& a : p.arms) {
      arms.push_back(
          {{"text", a.text}, {"target", a.target}, {"line", a.line}, {"fields", a.fields}});
    }
    json steps = json::array();
    for (const auto& s : p.steps) {
      steps.push_back(
          {{"name", s.name}, {"result", s.result}, {"handler", s.handler}, {"line", s.line}});
    }
    json rules = json::array();
    for (const auto& r : p.rules) {
      rules.push_back({{"kind", r.kind},
                       {"subject", r.subject},
                       {"step", r.step},
                       {"effective", r.effective},
                       {"until", r.until},
                       {"from", r.from},
                       {"to", r.to},
                       {"when", r.when},
                       {"basis", r.basis},
                       {"file", r.file},
                       {"line", r.line}});
    }
    json layout = json::array();
    for (const auto& l : p.layout) layout.push_back({l.offset, l.width});
    json late = json::array();
    for (const auto& l : p.late) {
      late.push_back({{"kind", l.kind}, {"target", l.target}, {"after", l.after_minutes}});
    }
    procs.push_back({{"name", p.name},
                     {"code", p.code},
                     {"title", p.title},
                     {"module", p.module},
                     {"file", p.file},
                     {"sector", p.sector},
                     {"level", p.level},
                     {"online", p.online},
                     {"supplement", p.supplement},
                     {"basis", p.basis},
                     {"version", p.version},
                     {"calendar_deadline", p.calendar_deadline},
                     {"layout", layout},
                     {"record_size", p.record_size},
                     {"fields", fields},
                     {"requires", reqs},
                     {"arms", arms},
                     {"steps", steps},
                     {"rules", rules},
                     {"late", late}});
  }
  json chains = json::array();
  for (const auto& c : m.chains) {
    chains.push_back({{"name", c.name}, {"title", c.title}, {"procedures", c.procedures}});
  }
  json doc = {{"compiler_version", m.compiler_version},
              {"chains", chains},
              {"abi_version", m.abi_version},
              {"source_hash", m.source_hash},
              {"roles", m.roles},
              {"strings", m.strings},
              {"province_agencies", m.province_agencies},
              {"commune_agencies", m.commune_agencies},
              {"procedures", procs}};
  return doc.dump();
}

namespace {

// One procedure of a manifest; throws on a missing or ill-typed member.
ProcedureMeta read_procedure(const json& jp) {
  ProcedureMeta p;
  p.name = jp.at("name").get<std::string>();
  p.code = jp.at("code").get<std::string>();
  p.title = jp.at("title").get<std::string>();
  p.module = jp.at("module").get<std::string>();
  p.file = jp.at("file").get<std::string>();
  p.sector = jp.at("sector").get<std::string>();
  p.level = jp.at("level").get<std::string>();
  p.online = jp.at("online").get<std::string>();
  p.supplement = jp.at("supplement").get<std::string>();
  p.basis = jp.at("basis").get<std::vector<std::string>>();
  p.version = jp.at("version").get<std::string>();
  p.calendar_deadline = jp.at("calendar_deadline").get<bool>();
  for (const auto& jf : jp.at("fields")) {
    FieldMeta f;
    f.name = jf.at("name").get<std::string>();
    int t = jf.at("type").get<int>();
    if (t < 0 || t > static_cast<int>(FieldType::Enum)) throw std::out_of_range("field type");
    f.type = static_cast<FieldType>(t);
    f.enum_name = jf.at("enum").get<std::string>();
    f.enum_values = jf.at("values").get<std::vector<std::string>>();
    f.has_default = jf.at("has_default").get<bool>();
    f.default_value = jf.at("default").get<int64_t>();
    f.default_text = jf.at("default_text").get<std::string>();
    p.fields.push_back(std::move(f));
  }
  for (const auto& jr : jp.at("requires")) {
    p.requires_.push_back({jr.at("message").get<std::string>(), jr.at("text").get<std::string>(),
                           jr.at("line").get<uint32_t>()});
  }
  for (const auto& ja : jp.at("arms")) {
    p.arms.push_back({ja.at("text").get<std::string>(), ja.at("target").get<std::string>(),
                      ja.at("line").get<uint32_t>(), ja.at("fields").get<std::vector<uint32_t>>()});
  }
  for (const auto& js : jp.at("steps")) {
    p.steps.push_back({js.at("name").get<std::string>(), js.at("result").get<std::string>(),
                       js.at("handler").get<std::string>(), js.at("line").get<uint32_t>()});
  }
  for (const auto& jr : jp.at("rules")) {
    RuleMeta r;
    r.kind = jr.at("kind").get<std::string>();
    r.subject = jr.at("subject").get<std::string>();
    r.step = jr.at("step").get<int32_t>();
    r.effective = jr.at("effective").get<int32_t>();
    r.until = jr.at("until").get<int32_t>();
    r.from = jr.at("from").get<std::string>();
    r.to = jr.at("to").get<std::string>();
    r.when = jr.at("when").get<std::string>();
    r.basis = jr.at("basis").get<std::vector<std::string>>();
    r.file = jr.at("file").get<std::string>();
    r.line = jr.at("line").get<uint32_t>();
    p.rules.push_back(std::move(r));
  }
  for (const auto& jl : jp.at("late")) {
    p.late.push_back({jl.at("kind").get<std::string>(), jl.at("target").get<std::string>(),
                      jl.at("after").get<int64_t>()});
  }
  if (p.steps.size() > HOSO_MAX_STEPS || p.requires_.size() > HOSO_MAX_REQUIRES) {
    throw std::out_of_range("too many steps or requires");
  }
  // The compiled code reads the record at the offsets it was built
  // with; the runtime writes it at the offsets lay_out computes. They
  // must agree, or the code would read the wrong bytes.
  lay_out(p);
  std::vector<std::pair<uint32_t, uint32_t>> built;
  for (const auto& jl : jp.at("layout")) {
    built.emplace_back(jl.at(0).get<uint32_t>(), jl.at(1).get<uint32_t>());
  }
  bool same =
      built.size() == p.layout.size() && jp.at("record_size").get<uint32_t>() == p.record_size;
  for (size_t i = 0; same && i < built.size(); ++i) {
    same = built[i].first == p.layout[i].offset && built[i].second == p.layout[i].width;
  }
  if (!same) throw std::out_of_range("record layout of procedure " + p.name);
  return p;
}

}  // namespace

Result<PackMeta> parse_manifest(std::string_view text) {
  PackMeta m;
  // Each procedure is read as soon as its object is parsed and then dropped
  // from the document, so a manifest of thousands of procedures never
  // stands as one tree (building and freeing that tree was most of the load
  // time of a 5,000-procedure pack).
  bool in_procedures = false;
  int procedures_keys = 0;
  std::optional<std::string> procedure_error;
  auto each = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth == 1 && event == json::parse_event_t::key) {
      in_procedures = parsed == "procedures";
      procedures_keys += in_procedures ? 1 : 0;
    } else if (depth == 2 && in_procedures && event == json::parse_event_t::object_end) {
      if (!procedure_error) {
        try {
          m.procedures.push_back(read_procedure(parsed));
        } catch (const std::exception& e) {
          procedure_error =
              std::string("procedure ") + std::to_string(m.procedures.size()) + ": " + e.what();
        }
      }
      return false;
    }
    return true;
  };
  json doc = json::parse(text.begin(), text.end(), each, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the rule pack's manifest is not valid JSON (truncated or damaged); "
                      "rebuild it with `hoso build`");
  }
  try {
    // Every entry was a procedure object, read and dropped above: anything
    // left in the array is not one.
    if (procedures_keys != 1 || !doc.at("procedures").is_array()) {
      throw std::out_of_range("procedures");
    }
    if (!doc.at("procedures").empty()) {
      throw std::out_of_range("procedures: an entry is not an object");
    }
    m.compiler_version = doc.at("compiler_version").get<std::string>();
    m.abi_version = doc.at("abi_version").get<int32_t>();
    m.source_hash = doc.at("source_hash").get<std::string>();
    m.roles = doc.at("roles").get<std::vector<std::string>>();
    m.strings = doc.at("strings").get<std::vector<std::string>>();
    m.province_agencies = doc.at("province_agencies").get<std::vector<std::string>>();
    m.commune_agencies = doc.at("commune_agencies").get<std::vector<std::string>>();
    for (const auto& jc : doc.at("chains")) {
      ChainMeta c;
      c.name = jc.at("name").get<std::string>();
      c.title = jc.at("title").get<std::string>();
      c.procedures = jc.at("procedures").get<std::vector<uint32_t>>();
      m.chains.push_back(std::move(c));
    }
    if (procedure_error) throw std::out_of_range(*procedure_error);
    for (const auto& c : m.chains) {
      for (uint32_t pi : c.procedures) {
        if (pi >= m.procedures.size()) throw std::out_of_range("chain " + c.name);
      }
    }
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kInvalidArgument,
                      std::string("the rule pack's manifest is incomplete or damaged (") +
                          e.what() + "); rebuild it with `hoso build`");
  }
  return m;
}

}  // namespace hoso::rules
