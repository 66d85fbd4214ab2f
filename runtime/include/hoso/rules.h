// What the runtime knows about a set of compiled rules, whichever engine
// computes the decisions (reference interpreter, ORC JIT or an
// ahead-of-time pack): procedures, dossier layouts, messages, steps, rules
// and their legal basis. Also the registry of places, the marshalling of
// JSON dossiers into slots, due dates on the working calendar, and the one
// JSON rendering of a decision, so every engine prints the same bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hoso/abi.h"
#include "hoso/calendar.h"
#include "hoso/result.h"

namespace hoso::rules {

// ------------------------------------------------------------------ registry

// The administrative registry: provinces and communes with their numbers.
// The default holds the 34 provinces of 1 July 2025 and 3,321 communes;
// communes are numbered so that province_of(c) = c * 34 / 3321 (the
// benchmark's convention), and a few carry their real names.
class Registry {
 public:
  static const Registry& default_registry();

  int32_t provinces() const { return static_cast<int32_t>(province_names_.size()); }
  int32_t communes() const { return static_cast<int32_t>(province_of_.size()); }
  const int32_t* province_table() const { return province_of_.data(); }
  int32_t province_of(int32_t commune) const;
  std::optional<int32_t> find_commune(std::string_view name) const;
  std::optional<int32_t> find_province(std::string_view name) const;
  std::string commune_name(int32_t c) const;
  std::string province_name(int32_t p) const;

 private:
  std::vector<std::string> province_names_;
  std::vector<std::string> commune_names_;  // "" = unnamed ("Xã số N")
  std::vector<int32_t> province_of_;
  std::map<std::string, int32_t, std::less<>> commune_index_;
};

// ------------------------------------------------------------------ metadata

enum class FieldType : uint8_t {
  Int,
  Dec,
  Bool,
  Text,
  Date,
  DateTime,
  Money,
  Area,
  WorkingDays,
  WorkingHours,
  CalendarDays,
  Person,
  Commune,
  Province,
  Unit,
  Enum,
};

std::string_view field_type_name(FieldType t);

struct FieldMeta {
  std::string name;
  FieldType type = FieldType::Int;
  std::string enum_name;
  std::vector<std::string> enum_values;
  bool has_default = false;
  int64_t default_value = 0;
  std::string default_text;  // Text/Person defaults
};

struct RequireMeta {
  std::string message;
  std::string text;  // the condition as written
  uint32_t line = 0;
};

struct ArmMeta {
  std::string text;    // the condition, "otherwise" for the last arm
  std::string target;  // the unit path as written
  uint32_t line = 0;
  std::vector<uint32_t> fields;  // slots the condition reads
};

struct StepMeta {
  std::string name, result, handler;
  uint32_t line = 0;
};

struct RuleMeta {
  std::string kind;     // "decentralise" | "delegate"
  std::string subject;  // Procedure[.step] or the delegating unit
  int32_t step = -1;
  int32_t effective = 0;
  int32_t until = INT32_MAX;
  std::string from, to, when;
  std::vector<std::string> basis;
  std::string file;
  uint32_t line = 0;
};

struct LateMeta {
  std::string kind;    // apologise | notify | escalate
  std::string target;  // unit path as written
  int64_t after_minutes = 0;
};

// Where one slot lives in a procedure's dossier record (see lay_out).
struct SlotLayout {
  uint32_t offset = 0;
  uint32_t width = 8;  // bytes: 1, 2, 4 or 8; a signed integer in host byte order
};

struct ProcedureMeta {
  std::string name, code, title, module, file, sector, level, online, supplement;
  std::vector<std::string> basis;
  std::string version;             // hash of the procedure's source and the rules that move it
  bool calendar_deadline = false;  // the deadline counts calendar days, not working time
  std::vector<FieldMeta> fields;
  std::vector<RequireMeta> requires_;
  std::vector<ArmMeta> arms;
  std::vector<StepMeta> steps;
  std::vector<RuleMeta> rules;
  std::vector<LateMeta> late;
  // The dossier record compiled code reads (filled by lay_out): one entry
  // per slot (slot_count), and the record's size in bytes.
  std::vector<SlotLayout> layout;
  uint32_t record_size = 0;
  std::optional<uint32_t> field_index(std::string_view n) const;
};

// Liên thông: procedures whose results hand on, in order, to the next.
struct ChainMeta {
  std::string name, title;
  std::vector<uint32_t> procedures;  // indexes into PackMeta::procedures
};

struct PackMeta {
  std::string compiler_version;
  int32_t abi_version = HOSO_ABI_VERSION;
  std::string source_hash;
  std::vector<ProcedureMeta> procedures;
  std::vector<std::string> roles;              // role table: step_role indexes into it
  std::vector<std::string> strings;            // Text literals: their slot value is the index
  std::vector<std::string> province_agencies;  // agency number -> name (std.vn order)
  std::vector<std::string> commune_agencies;
  std::vector<ChainMeta> chains;
  std::optional<uint32_t> procedure_index(std::string_view name) const;
};

// Text and Person fields keep their length (in characters, x1000) in a
// hidden slot after the declared fields, so `len(field)` is a slot read.
uint32_t text_length_slot(const ProcedureMeta& p, uint32_t field);
uint32_t slot_count(const ProcedureMeta& p);

// The width of a slot in the record: Bool and enums of up to 127 values 1
// byte, larger enums 2, places (Commune, Province, Unit), dates and text ids
// 4, numbers (fixed point x1000), instants and text lengths 8.
uint32_t slot_width(const ProcedureMeta& p, uint32_t slot);
// Computes p.layout and p.record_size from p.fields: slots widest first (in
// slot order within a width), so each is naturally aligned; the size is a
// multiple of 8 so records can sit in arrays. A function of the field types
// only: the compiler and a pack's loader get the same layout.
void lay_out(ProcedureMeta& p);
// True when v fits the slot's width.
bool fits_slot(SlotLayout s, int64_t v);

// Reads a slot from a record, sign-extended to int64.
inline int64_t read_slot(const void* record, SlotLayout s) {
  const auto* at = static_cast<const unsigned char*>(record) + s.offset;
  switch (s.width) {
    case 1: {
      int8_t v;
      std::memcpy(&v, at, 1);
      return v;
    }
    case 2: {
      int16_t v;
      std::memcpy(&v, at, 2);
      return v;
    }
    case 4: {
      int32_t v;
      std::memcpy(&v, at, 4);
      return v;
    }
    default: {
      int64_t v;
      std::memcpy(&v, at, 8);
      return v;
    }
  }
}
// Writes slot values (slot_count of them) into a record of p.record_size
// bytes, each truncated to its width (marshal has checked they fit).
void write_record(const ProcedureMeta& p, const int64_t* slots, void* record);
// The same into a new 8-byte-aligned buffer (pass .data() to decide_record
// or a hoso_decide_fn).
std::vector<uint64_t> to_record(const ProcedureMeta& p, const int64_t* slots);

std::string manifest_json(const PackMeta& meta);
Result<PackMeta> parse_manifest(std::string_view json);

// The compiler version packs are built by; a pack from another version is
// refused.
std::string_view compiler_version();

// ------------------------------------------------------------------ engines

// The decision for a procedure index the rules do not have: no arm, no
// unit, nothing due.
void no_decision(hoso_decision* out);

// Something that decides dossiers for a set of rules: the reference
// interpreter, the ORC JIT or a loaded ahead-of-time pack. The runtime, the
// simulator and the service all work through this interface.
class Decider {
 public:
  virtual ~Decider() = default;
  virtual const PackMeta& meta() const = 0;
  // Decides one dossier given as its record (ProcedureMeta::layout).
  virtual void decide_record(uint32_t procedure, const void* record, const hoso_rt_ctx* ctx,
                             hoso_decision* out) const = 0;
  // The same from slot values (what marshal gives): writes the record first.
  void decide(uint32_t procedure, const int64_t* slots, const hoso_rt_ctx* ctx,
              hoso_decision* out) const;
  // A direct entry point when the engine has one (compiled code), else null.
  virtual hoso_decide_fn entry(uint32_t procedure) const = 0;
};

// ------------------------------------------------------------------ dossiers

struct Dossier {
  uint32_t procedure = 0;
  std::vector<int64_t> slots;
  int64_t received = 0;  // instant
  int64_t receiving_unit = HOSO_NO_UNIT;
  std::string id;
};

// True when JSON text nests arrays/objects deeper than max_depth (checked
// without parsing, so hostile input never reaches a recursive algorithm).
bool json_nesting_exceeds(std::string_view text, int max_depth);

// Reads a JSON dossier ({"procedure", "received", "receiving", "fields"})
// into slots. Errors name the field and say what to do.
Result<Dossier> marshal(const PackMeta& meta, std::string_view json, const Registry& registry);

hoso_rt_ctx make_context(const Dossier& d, const Registry& registry, const void* calendar);

// ------------------------------------------------------------------ decisions

// A decision is valid when every `require` held and no computation of the
// rules overflowed (hoso_decision::overflow).
inline bool decision_valid(const hoso_decision& d) {
  return d.failed_requires == 0 && d.overflow == 0;
}
// What to tell the user when a computation overflowed, naming the procedure.
std::string overflow_message(const ProcedureMeta& p);

struct Due {
  int64_t start = 0;  // when the clock starts (intake cut-off applied)
  int64_t due = 0;
  int64_t warn = -1;
  std::vector<int64_t> step_due;  // one per step, cumulative; -1 for skipped steps or none
};

// `minutes` of working time (480 a working day) after `start`: whole days
// keep the clock time, the rest counts office minutes; nullopt outside the
// calendar's years. The one way due dates are computed.
std::optional<int64_t> add_working(const calendar::Calendar& cal, int64_t start, int64_t minutes);

Due compute_due(const ProcedureMeta& p, const Dossier& d, const hoso_decision& dec,
                const calendar::Calendar& cal);

// "Sở Xây dựng"-style description: {level, place, agency} of a unit id.
std::string unit_text(int64_t unit, const PackMeta& meta, const Registry& registry);

struct RenderOptions {
  bool explain = false;
  std::string engine;  // not printed: the bytes must not depend on it
};

// The decision as JSON, identical for every engine.
std::string render_decision(const PackMeta& meta, const Dossier& d, const hoso_decision& dec,
                            const calendar::Calendar& cal, const Registry& registry,
                            const RenderOptions& options = {});

}  // namespace hoso::rules
