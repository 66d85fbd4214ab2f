// The JIT and AOT packs decide exactly as the reference interpreter on the
// shipped rules; packs load, unload and replace in a running Jit; two Jits
// live in one process; the object cache is hit on a second load; bad packs
// are refused without crashing. (The 100,000-dossier differential suite is
// tests/diff.)
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "driver/driver.h"
#include "hoso/pack.h"
#include "ir/interp.h"
#include "jit/from_ir.h"
#include "jit/jit.h"

namespace hoso {
namespace {

std::string scratch(const std::string& name) {
  std::string dir = HOSO_JIT_SCRATCH_DIR;
  ::mkdir(dir.c_str(), 0755);
  return dir + "/" + name;
}

std::string fresh_dir(const std::string& name) {
  std::string dir = scratch(name + "-" + std::to_string(::getpid()));
  std::string cmd = "rm -rf '" + dir + "'";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  ::mkdir(dir.c_str(), 0755);
  return dir;
}

const driver::Compilation& rules_compilation() {
  static std::unique_ptr<driver::Compilation> c = [] {
    auto r = driver::compile({HOSO_SOURCE_DIR "/rules"});
    EXPECT_TRUE(r.ok());
    return std::move(*r);
  }();
  return *c;
}

const ir::Module& rules_module() {
  const auto& c = rules_compilation();
  EXPECT_NE(c.module, nullptr) << "the shipped rules must check clean";
  return *c.module;
}

// Random dossiers with edge values: each slot is a small number, a multiple
// of 1000, a boundary, a unit id or a date.
struct Gen {
  std::mt19937_64 rng;
  explicit Gen(uint64_t seed) : rng(seed) {}
  int64_t pick(std::initializer_list<int64_t> v) {
    return *(v.begin() + static_cast<ptrdiff_t>(rng() % v.size()));
  }
  int64_t value() {
    switch (rng() % 8) {
      case 0:
        return static_cast<int64_t>(rng() % 3);
      case 1:
        return static_cast<int64_t>(rng() % 200) * 1000;
      case 2:
        return pick({0, 1, -1, 999, 1000, 1001, INT64_MAX / 2000, -1000});
      case 3:
        return static_cast<int64_t>(rng() % 3321);  // a commune
      case 4:
        return HOSO_PROVINCE_UNIT_BASE + static_cast<int64_t>(rng() % 34) * 100 +
               static_cast<int64_t>(rng() % 12);
      case 5:
        return 19000 + static_cast<int64_t>(rng() % 3000);  // a date, 2022..2030
      case 6:
        return static_cast<int64_t>(rng() % 10000000);
      default:
        return static_cast<int64_t>(rng() % 8);
    }
  }
};

struct Case {
  std::vector<int64_t> slots;
  hoso_rt_ctx ctx{};
};

Case make_case(const ir::Module& m, uint32_t proc, Gen& g) {
  const auto& reg = rules::Registry::default_registry();
  Case c;
  c.slots.resize(rules::slot_count(m.meta.procedures[proc]));
  for (auto& s : c.slots) s = g.value();
  c.ctx.province_of = reg.province_table();
  c.ctx.communes = reg.communes();
  c.ctx.receipt_date = static_cast<int32_t>(19700 + g.rng() % 1200);  // 2023..2027
  c.ctx.receiving_unit = g.rng() % 2 == 0
                             ? static_cast<int64_t>(g.rng() % 3321)
                             : HOSO_PROVINCE_UNIT_BASE + static_cast<int64_t>(g.rng() % 34) * 100;
  c.ctx.calendar = nullptr;
  return c;
}

void expect_same(const hoso_decision& want, const hoso_decision& got, const std::string& where) {
  EXPECT_EQ(want.failed_requires, got.failed_requires) << where;
  EXPECT_EQ(want.arm, got.arm) << where;
  EXPECT_EQ(want.rule, got.rule) << where;
  EXPECT_EQ(want.unit, got.unit) << where;
  EXPECT_EQ(want.deadline_minutes, got.deadline_minutes) << where;
  EXPECT_EQ(want.fee, got.fee) << where;
  EXPECT_EQ(want.warn_minutes, got.warn_minutes) << where;
  EXPECT_EQ(want.steps_included, got.steps_included) << where;
  EXPECT_EQ(want.nsteps, got.nsteps) << where;
  EXPECT_EQ(want.overflow, got.overflow) << where;
  // Entries past nsteps are unspecified (hoso/abi.h).
  for (int s = 0; s < want.nsteps && s < HOSO_MAX_STEPS; ++s) {
    EXPECT_EQ(want.step_role[s], got.step_role[s]) << where << " step " << s;
    EXPECT_EQ(want.step_rule[s], got.step_rule[s]) << where << " step " << s;
    EXPECT_EQ(want.step_unit[s], got.step_unit[s]) << where << " step " << s;
    EXPECT_EQ(want.step_budget[s], got.step_budget[s]) << where << " step " << s;
  }
}

// Compares `d` with the interpreter on `per_proc` dossiers of every procedure.
void check_against_interp(const ir::Module& m, const rules::Decider& d, int per_proc,
                          uint64_t seed) {
  for (uint32_t p = 0; p < m.procedures.size(); ++p) {
    Gen g(seed + p);
    for (int i = 0; i < per_proc; ++i) {
      Case c = make_case(m, p, g);
      hoso_decision want, got;
      std::memset(&want, 0x5a, sizeof want);  // decide() must write every field
      std::memset(&got, 0xa5, sizeof got);
      ir::decide(m, p, rules::to_record(m.meta.procedures[p], c.slots.data()).data(), &c.ctx,
                 &want);
      d.decide(p, c.slots.data(), &c.ctx, &got);
      expect_same(want, got, m.meta.procedures[p].name + " #" + std::to_string(i));
      if (::testing::Test::HasFailure()) return;
    }
  }
}

jit::JitOptions options_in(const std::string& dir, int opt = 2) {
  jit::JitOptions o;
  o.cache_dir = dir;
  o.opt_level = opt;
  return o;
}

TEST(Jit, MatchesInterpreterOnShippedRulesO2) {
  const auto& m = rules_module();
  auto d = jit::make_decider(m, options_in(fresh_dir("o2")));
  ASSERT_TRUE(d.ok()) << d.error().message;
  check_against_interp(m, **d, 3000, 1);
}

TEST(Jit, MatchesInterpreterOnShippedRulesO0) {
  const auto& m = rules_module();
  auto d = jit::make_decider(m, options_in(fresh_dir("o0"), 0));
  ASSERT_TRUE(d.ok()) << d.error().message;
  check_against_interp(m, **d, 1000, 7);
}

TEST(Jit, EntriesAreDirectFunctions) {
  const auto& m = rules_module();
  auto d = jit::make_decider(m, options_in(fresh_dir("entry")));
  ASSERT_TRUE(d.ok());
  for (uint32_t p = 0; p < m.procedures.size(); ++p) EXPECT_NE((*d)->entry(p), nullptr);
  EXPECT_EQ((*d)->entry(static_cast<uint32_t>(m.procedures.size())), nullptr);
}

TEST(Jit, LoadUnloadReplaceInARunningJit) {
  const auto& m = rules_module();
  auto j = jit::Jit::create(options_in(fresh_dir("replace")));
  ASSERT_TRUE(j.ok()) << j.error().message;
  auto& jit = **j;
  auto a = jit.load(m);
  ASSERT_TRUE(a.ok()) << a.error().message;
  auto fa = jit.lookup(*a, 0);
  ASSERT_TRUE(fa.ok()) << fa.error().message;
  Gen g(3);
  Case c = make_case(m, 0, g);
  hoso_decision want{}, got{};
  ir::decide(m, 0, rules::to_record(m.meta.procedures[0], c.slots.data()).data(), &c.ctx, &want);
  (*fa)(rules::to_record(m.meta.procedures[0], c.slots.data()).data(), &c.ctx, &got);
  expect_same(want, got, "pack a");

  // Replace: load the new version, swap, unload the old one.
  auto t0 = std::chrono::steady_clock::now();
  auto b = jit.load(m);
  ASSERT_TRUE(b.ok());
  auto fb = jit.lookup(*b, 0);
  ASSERT_TRUE(fb.ok());
  ASSERT_TRUE(jit.unload(*a).ok());
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0);
  std::printf("replace (load + first lookup + unload): %.2f ms\n", ms.count());
  got = {};
  (*fb)(rules::to_record(m.meta.procedures[0], c.slots.data()).data(), &c.ctx, &got);
  expect_same(want, got, "pack b");
  EXPECT_FALSE(jit.lookup(*a, 0).ok());
  EXPECT_EQ(jit.unload(*a).error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(jit.lookup(*b, 100000).ok());
  ASSERT_TRUE(jit.unload(*b).ok());
}

TEST(Jit, TwoJitsInOneProcess) {
  const auto& m = rules_module();
  auto d1 = jit::make_decider(m, options_in(fresh_dir("two-a")));
  auto d2 = jit::make_decider(m, options_in(fresh_dir("two-b"), 0));
  ASSERT_TRUE(d1.ok() && d2.ok());
  check_against_interp(m, **d1, 200, 11);
  check_against_interp(m, **d2, 200, 12);
  d1->reset();
  check_against_interp(m, **d2, 50, 13);
}

TEST(Jit, ObjectCacheHitOnSecondLoad) {
  const auto& m = rules_module();
  std::string dir = fresh_dir("cache");
  uint32_t n = static_cast<uint32_t>(m.procedures.size());
  {
    auto j = jit::Jit::create(options_in(dir));
    ASSERT_TRUE(j.ok());
    auto h = (*j)->load(m);
    ASSERT_TRUE(h.ok());
    for (uint32_t p = 0; p < n; ++p) ASSERT_TRUE((*j)->lookup(*h, p).ok());
    auto s = (*j)->stats();
    EXPECT_EQ(s.compiled, n);
    EXPECT_EQ(s.cache_hits, 0u);
    EXPECT_EQ(s.cache_writes, n);
    EXPECT_EQ((*j)->cache_dir(), dir);
  }
  auto j = jit::Jit::create(options_in(dir));
  ASSERT_TRUE(j.ok());
  auto h = (*j)->load(m);
  ASSERT_TRUE(h.ok());
  // Lazy: nothing compiled or loaded before the first lookup.
  EXPECT_EQ((*j)->stats().compiled + (*j)->stats().cache_hits, 0u);
  for (uint32_t p = 0; p < n; ++p) ASSERT_TRUE((*j)->lookup(*h, p).ok());
  EXPECT_EQ((*j)->stats().compiled, 0u);
  EXPECT_EQ((*j)->stats().cache_hits, n);
  // Cached code decides like the interpreter.
  Gen g(5);
  for (uint32_t p = 0; p < n; ++p) {
    Case c = make_case(m, p, g);
    hoso_decision want{}, got{};
    ir::decide(m, p, rules::to_record(m.meta.procedures[p], c.slots.data()).data(), &c.ctx, &want);
    (*(*j)->lookup(*h, p))(rules::to_record(m.meta.procedures[p], c.slots.data()).data(), &c.ctx,
                           &got);
    expect_same(want, got, "cached " + std::to_string(p));
  }
  // Another opt level is another key.
  auto j0 = jit::Jit::create(options_in(dir, 0));
  ASSERT_TRUE(j0.ok());
  auto h0 = (*j0)->load(m);
  ASSERT_TRUE((*j0)->lookup(*h0, 0).ok());
  EXPECT_EQ((*j0)->stats().compiled, 1u);
}

TEST(Jit, CacheKeyFollowsTheRecordLayout) {
  // An enum declared outside the procedure grows from 127 to 128 values: the
  // procedure's source is the same, its `kind` slot widens from 1 byte to 2,
  // so the cached object (which reads the old offsets) must not be reused.
  auto compile = [](int values) {
    std::string e = "enum Kind { ";
    for (int i = 0; i < values; ++i) e += (i ? ", v" : "v") + std::to_string(i);
    e += " }\n";
    return driver::compile_sources({{"k.hoso", "use std.vn\n" + e + R"(
procedure P {
  basis "x"
  level commune
  deadline 2 working days
  dossier {
    kind : Kind
    ok   : Bool
  }
}
)"}});
  };
  auto a = compile(127), b = compile(128);
  ASSERT_NE(a->module, nullptr);
  ASSERT_NE(b->module, nullptr);
  const auto& la = a->module->meta.procedures[0].layout;
  const auto& lb = b->module->meta.procedures[0].layout;
  ASSERT_EQ(la[0].width, 1u);
  ASSERT_EQ(lb[0].width, 2u);
  EXPECT_NE(la[1].offset, lb[1].offset);
  EXPECT_NE(jit::procedure_hash(*a->module, 0), jit::procedure_hash(*b->module, 0));
  EXPECT_EQ(jit::procedure_hash(*a->module, 0), jit::procedure_hash(*compile(127)->module, 0));
}

// One procedure per arithmetic operation, its result as the fee.
const ir::Module& overflow_module() {
  static std::unique_ptr<driver::Compilation> c = [] {
    std::string src = "use std.vn\nfn twice(x: VND) -> VND = x + x\n";
    const char* ops[][2] = {{"Add", "a + b"},  {"Sub", "a - b"},  {"Neg", "-a"},
                            {"Abs", "abs(a)"}, {"Mul", "a * n"},  {"MulConst", "a * 3"},
                            {"Div", "a / n"},  {"Fn", "twice(a)"}};
    for (auto& op : ops) {
      src += std::string("procedure O") + op[0] + R"( {
  basis "x"
  level commune
  deadline 1 working days
  fee )" + op[1] +
             R"(
  dossier {
    site : Commune
    a    : VND
    b    : VND
    n    : Dec
  }
  route {
    otherwise -> site.economy
  }
}
)";
    }
    auto comp = driver::compile_sources({{"o.hoso", src}});
    EXPECT_FALSE(comp->diags.has_errors()) << diag::render_console(comp->diags, comp->sm, false);
    return comp;
  }();
  return *c->module;
}

TEST(Jit, ArithmeticOverflowIsReportedByEveryEngine) {
  const auto& m = overflow_module();
  ASSERT_EQ(m.procedures.size(), 8u);
  auto jit = jit::make_decider(m, options_in(fresh_dir("overflow")));
  ASSERT_TRUE(jit.ok()) << jit.error().message;
  std::string path = fresh_dir("overflow-pack") + "/o.pack";
  ASSERT_TRUE(jit::build_pack(m, path).ok());
  auto pack = rules::load_pack(path);
  ASSERT_TRUE(pack.ok()) << pack.error().message;
  const auto& reg = rules::Registry::default_registry();
  hoso_rt_ctx ctx{};
  ctx.province_of = reg.province_table();
  ctx.communes = reg.communes();
  ctx.receipt_date = 20515;
  ctx.receiving_unit = 5;
  const int64_t big = INT64_MAX - 10, small = 2000;
  // {procedure, a, b, n (x1000), overflows}
  struct OverflowCase {
    uint32_t proc;
    int64_t a, b, n;
    int overflow;
  };
  const OverflowCase cases[] = {
      {0, big, 11, 0, 1},
      {0, big, 10, 0, 0},
      {0, small, small, 0, 0},
      {1, INT64_MIN + 5, 6, 0, 1},
      {1, 5, INT64_MIN + 1, 0, 1},
      {1, small, 1, 0, 0},
      {2, INT64_MIN, 0, 0, 1},
      {2, INT64_MAX, 0, 0, 0},
      {3, INT64_MIN, 0, 0, 1},
      {3, -small, 0, 0, 0},
      {4, big, 0, 2000, 1},
      {4, big / 2, 0, 2000, 0},
      {4, big, 0, 500, 0},
      {5, big / 2, 0, 0, 1},
      {5, big / 3 - 1, 0, 0, 0},
      {6, big, 0, 500, 1},
      {6, big, 0, 2000, 0},
      {6, big, 0, 0, 0},
      {7, INT64_MAX / 2 + 1, 0, 0, 1},
      {7, INT64_MAX / 2, 0, 0, 0},
  };
  for (const auto& c : cases) {
    std::vector<int64_t> slots = {3, c.a, c.b, c.n};
    auto rec = rules::to_record(m.meta.procedures[c.proc], slots.data());
    std::string where = m.meta.procedures[c.proc].name + " a=" + std::to_string(c.a) +
                        " b=" + std::to_string(c.b) + " n=" + std::to_string(c.n);
    hoso_decision want{}, got{}, packed{};
    ir::decide(m, c.proc, rec.data(), &ctx, &want);
    EXPECT_EQ(want.overflow, c.overflow) << "interp " << where;
    (*jit)->decide_record(c.proc, rec.data(), &ctx, &got);
    expect_same(want, got, "jit " + where);
    (*pack)->decide_record(c.proc, rec.data(), &ctx, &packed);
    expect_same(want, packed, "pack " + where);
  }
}

TEST(Jit, EmitLlvm) {
  auto text = jit::emit_llvm(rules_module(), 0);
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("define void @hoso_decide_0(ptr"), std::string::npos);
  auto o2 = jit::emit_llvm(rules_module(), 2);
  ASSERT_TRUE(o2.ok());
  EXPECT_NE(o2->find("define void @hoso_decide_0("), std::string::npos);
}

// ------------------------------------------------------------------ packs

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_all(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

TEST(Pack, MatchesInterpreter) {
  const auto& m = rules_module();
  std::string path = fresh_dir("pack") + "/rules.pack";
  auto built = jit::build_pack(m, path);
  ASSERT_TRUE(built.ok()) << built.error().message;
  auto p = rules::load_pack(path);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ((*p)->meta().procedures.size(), m.procedures.size());
  EXPECT_EQ((*p)->meta().compiler_version, rules::compiler_version());
  check_against_interp(m, **p, 2000, 21);
}

class BadPack : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(fresh_dir("bad"));
    good_ = new std::string(*dir_ + "/good.pack");
    auto built = jit::build_pack(rules_module(), *good_);
    ASSERT_TRUE(built.ok()) << built.error().message;
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete good_;
  }
  static Error refused(const std::string& path) {
    auto p = rules::load_pack(path);
    EXPECT_FALSE(p.ok()) << path << " was accepted";
    return p.ok() ? Error{} : p.error();
  }
  static std::string* dir_;
  static std::string* good_;
};
std::string* BadPack::dir_ = nullptr;
std::string* BadPack::good_ = nullptr;

TEST_F(BadPack, MissingFile) {
  Error e = refused(*dir_ + "/nope.pack");
  EXPECT_EQ(e.code, ErrorCode::kNotFound);
}

TEST_F(BadPack, EmptyAndRandomBytes) {
  write_all(*dir_ + "/empty.pack", "");
  EXPECT_NE(refused(*dir_ + "/empty.pack").message.find("too short"), std::string::npos);
  std::mt19937_64 rng(9);
  for (int i = 0; i < 20; ++i) {
    std::string bytes(static_cast<size_t>(64 + rng() % 4096), '\0');
    for (auto& c : bytes) c = static_cast<char>(rng());
    if (i % 2 == 0)
      bytes.replace(0, 4,
                    "\x7f"
                    "ELF");  // passes the magic check
    write_all(*dir_ + "/random.pack", bytes);
    refused(*dir_ + "/random.pack");
  }
  write_all(*dir_ + "/text.pack", std::string(200, '#') + "\nrules version 1\n");
  EXPECT_NE(refused(*dir_ + "/text.pack").message.find("not an ELF file"), std::string::npos);
}

TEST_F(BadPack, ADirectoryIsRefused) {
  Error e = refused(*dir_);
  EXPECT_NE(e.message.find("is not a file"), std::string::npos) << e.message;
}

TEST_F(BadPack, ManifestWhoseProceduresAreNotAllObjects) {
  const rules::PackMeta& meta = rules_module().meta;
  std::string json = rules::manifest_json(meta);
  // The top-level key (sorted after "chains", whose entries have their own).
  const size_t at = json.rfind("\"procedures\":[");
  ASSERT_NE(at, std::string::npos);
  const size_t open = at + std::string("\"procedures\":[").size();
  for (const char* junk : {"5,", "null,", "\"x\",", "[],"}) {
    std::string bad = json;
    bad.insert(open, junk);
    auto back = rules::parse_manifest(bad);
    EXPECT_FALSE(back.ok()) << junk;
  }
  // Two "procedures" keys: refused, not joined.
  std::string twice = json;
  twice.insert(1, "\"procedures\":[],");
  EXPECT_FALSE(rules::parse_manifest(twice).ok());
  EXPECT_TRUE(rules::parse_manifest(json).ok());
}

TEST_F(BadPack, Truncated) {
  std::string bytes = read_all(*good_);
  for (size_t len : {bytes.size() / 2, bytes.size() - 1, size_t{100}}) {
    write_all(*dir_ + "/truncated.pack", bytes.substr(0, len));
    Error e = refused(*dir_ + "/truncated.pack");
    EXPECT_NE(e.message.find("truncated"), std::string::npos) << len << ": " << e.message;
  }
}

TEST_F(BadPack, TamperedManifest) {
  std::string bytes = read_all(*good_);
  size_t at = bytes.find("\"procedures\"");
  ASSERT_NE(at, std::string::npos);
  bytes[at + 1] = 'P';
  write_all(*dir_ + "/tampered.pack", bytes);
  Error e = refused(*dir_ + "/tampered.pack");
  EXPECT_NE(e.message.find("checksum"), std::string::npos) << e.message;
}

TEST_F(BadPack, OtherCompilerVersion) {
  jit::PackOptions o;
  o.compiler_version = "hoso 0.0.1 (abi 1)";
  ASSERT_TRUE(jit::build_pack(rules_module(), *dir_ + "/old.pack", o).ok());
  Error e = refused(*dir_ + "/old.pack");
  EXPECT_EQ(e.code, ErrorCode::kVersionMismatch);
  EXPECT_NE(e.message.find("built by hoso 0.0.1"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("rebuild it with `hoso build`"), std::string::npos) << e.message;
}

TEST_F(BadPack, OtherAbiVersion) {
  jit::PackOptions o;
  o.abi_version = HOSO_ABI_VERSION + 1;
  ASSERT_TRUE(jit::build_pack(rules_module(), *dir_ + "/abi.pack", o).ok());
  Error e = refused(*dir_ + "/abi.pack");
  EXPECT_EQ(e.code, ErrorCode::kVersionMismatch);
  EXPECT_NE(e.message.find("ABI"), std::string::npos) << e.message;
}

TEST_F(BadPack, ManifestWithAnotherRecordLayout) {
  // A pack whose code reads the record at other offsets than the runtime
  // writes it (another layout rule, or an edited manifest) is refused.
  rules::PackMeta meta = rules_module().meta;
  std::string json = rules::manifest_json(meta);
  ASSERT_TRUE(rules::parse_manifest(json).ok());
  ASSERT_FALSE(meta.procedures[0].layout.empty());
  std::swap(meta.procedures[0].layout.front(), meta.procedures[0].layout.back());
  if (meta.procedures[0].layout.size() == 1) meta.procedures[0].layout[0].offset += 8;
  auto back = rules::parse_manifest(rules::manifest_json(meta));
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.error().message.find("record layout of procedure " + meta.procedures[0].name),
            std::string::npos)
      << back.error().message;
  meta = rules_module().meta;
  meta.procedures[0].record_size += 8;
  EXPECT_FALSE(rules::parse_manifest(rules::manifest_json(meta)).ok());
}

rules::FieldMeta field(const char* name, rules::FieldType t, size_t enum_values = 0) {
  rules::FieldMeta f;
  f.name = name;
  f.type = t;
  for (size_t i = 0; i < enum_values; ++i) f.enum_values.push_back("v" + std::to_string(i));
  return f;
}

TEST(Layout, WidestFirstNaturallyAlignedSizeAMultipleOf8) {
  using T = rules::FieldType;
  rules::ProcedureMeta p;
  p.fields = {field("ok", T::Bool),          field("kind", T::Enum, 3), field("n", T::Int),
              field("site", T::Commune),     field("name", T::Text),    field("on", T::Date),
              field("big", T::Enum, 200),    field("fee", T::Money),    field("at", T::DateTime),
              field("huge", T::Enum, 40000), field("unit", T::Unit)};
  rules::lay_out(p);
  ASSERT_EQ(p.layout.size(), rules::slot_count(p));  // 11 fields + the length of `name`
  auto at = [&](uint32_t slot) {
    return std::make_pair(p.layout[slot].offset, p.layout[slot].width);
  };
  // 8 bytes: n, fee, at, len(name); 4: site, name, on, huge, unit; 2: big; 1: ok, kind.
  EXPECT_EQ(at(2), std::make_pair(0u, 8u));
  EXPECT_EQ(at(7), std::make_pair(8u, 8u));
  EXPECT_EQ(at(8), std::make_pair(16u, 8u));
  EXPECT_EQ(at(rules::text_length_slot(p, 4)), std::make_pair(24u, 8u));
  EXPECT_EQ(at(3), std::make_pair(32u, 4u));
  EXPECT_EQ(at(4), std::make_pair(36u, 4u));
  EXPECT_EQ(at(5), std::make_pair(40u, 4u));
  EXPECT_EQ(at(9), std::make_pair(44u, 4u));
  EXPECT_EQ(at(10), std::make_pair(48u, 4u));
  EXPECT_EQ(at(6), std::make_pair(52u, 2u));
  EXPECT_EQ(at(0), std::make_pair(54u, 1u));
  EXPECT_EQ(at(1), std::make_pair(55u, 1u));
  EXPECT_EQ(p.record_size, 56u);
  p.fields.push_back(field("last", T::Bool));
  rules::lay_out(p);
  EXPECT_EQ(p.record_size, 64u);  // 57 bytes, rounded up to 8
}

TEST(Layout, RecordRoundTripsEveryWidthsExtremes) {
  using T = rules::FieldType;
  rules::ProcedureMeta p;
  p.fields = {field("b", T::Bool), field("e", T::Enum, 300), field("c", T::Commune),
              field("n", T::Int)};
  rules::lay_out(p);
  for (auto values : {std::vector<int64_t>{-128, -32768, INT32_MIN, INT64_MIN},
                      std::vector<int64_t>{127, 32767, INT32_MAX, INT64_MAX},
                      std::vector<int64_t>{1, 299, 3320, -1000}}) {
    auto rec = rules::to_record(p, values.data());
    ASSERT_EQ(rec.size() * 8, p.record_size);
    for (uint32_t s = 0; s < values.size(); ++s) {
      EXPECT_TRUE(rules::fits_slot(p.layout[s], values[s]));
      EXPECT_EQ(rules::read_slot(rec.data(), p.layout[s]), values[s]) << "slot " << s;
    }
  }
  EXPECT_FALSE(rules::fits_slot(p.layout[0], 128));
  EXPECT_FALSE(rules::fits_slot(p.layout[1], -32769));
  EXPECT_FALSE(rules::fits_slot(p.layout[2], int64_t{INT32_MAX} + 1));
}

TEST_F(BadPack, ManifestCodec) {
  rules::PackManifest pm;
  pm.compiler_version = std::string(rules::compiler_version());
  pm.target = "x86_64 test";
  pm.procedures = 3;
  pm.manifest_json = "{}";
  std::string text = rules::encode_pack_manifest(pm);
  auto back = rules::decode_pack_manifest(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->procedures, 3u);
  EXPECT_EQ(back->manifest_json, "{}");
  for (size_t len = 0; len < text.size(); ++len) {
    EXPECT_FALSE(rules::decode_pack_manifest(text.substr(0, len)).ok()) << len;
  }
}

}  // namespace
}  // namespace hoso
