// Bad dossiers through rules::marshal(): wrong types, missing and extra
// fields, huge values, invalid UTF-8, empty input, deep nesting. Each gives
// a clear error naming the field, and nothing crashes (issue 4, "Proof").
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "driver/driver.h"
#include "hoso/rules.h"

namespace hoso::difftest {
namespace {

class BadDossier : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto c = driver::compile({HOSO_SOURCE_DIR "/rules"});
    ASSERT_TRUE(c);
    ASSERT_TRUE((*c)->module);
    comp_ = std::move(*c).release();
  }
  static void TearDownTestSuite() {
    delete comp_;
    comp_ = nullptr;
  }
  static const rules::PackMeta& meta() { return comp_->module->meta; }

  // A HousePermit dossier with `fields` as the body of "fields".
  static std::string house(const std::string& fields) {
    return R"({"procedure": "HousePermit", "received": "2026-07-01 09:00",
               "receiving": "commune Sa Pa", "fields": {)" +
           fields + "}}";
  }
  static const std::string& good_fields() {
    static const std::string f =
        R"("applicant": "Giàng A Páo", "site": "Sa Pa", "area": 90, "floors": 2)";
    return f;
  }

  // Marshals `json` and expects an error containing every one of `needles`.
  static void expect_error(const std::string& json, std::initializer_list<const char*> needles) {
    auto r = rules::marshal(meta(), json, rules::Registry::default_registry());
    ASSERT_FALSE(r.ok()) << "accepted: " << json.substr(0, 200);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    for (const char* n : needles) {
      EXPECT_NE(r.error().message.find(n), std::string::npos)
          << "error \"" << r.error().message << "\" does not mention \"" << n << "\"";
    }
  }

  static driver::Compilation* comp_;
};

driver::Compilation* BadDossier::comp_ = nullptr;

TEST_F(BadDossier, GoodDossierMarshals) {
  auto r = rules::marshal(meta(), house(good_fields()), rules::Registry::default_registry());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->slots.size(), rules::slot_count(meta().procedures[r->procedure]));
}

TEST_F(BadDossier, WrongTypesNameTheField) {
  const std::string base = R"("applicant": "A", "site": "Sa Pa", )";
  expect_error(house(base + R"("area": "ninety", "floors": 2)"), {"fields.area", "a string"});
  expect_error(house(base + R"("area": true, "floors": 2)"), {"fields.area", "boolean"});
  expect_error(house(base + R"("area": null, "floors": 2)"), {"fields.area", "null"});
  expect_error(house(base + R"("area": [90], "floors": 2)"), {"fields.area", "array"});
  expect_error(house(base + R"("area": {"v": 90}, "floors": 2)"), {"fields.area", "object"});
  expect_error(house(base + R"("area": 90, "floors": 2.5)"), {"fields.floors", "whole number"});
  expect_error(house(base + R"("area": 90, "floors": "2")"), {"fields.floors"});
  expect_error(house(base + R"("area": 90.1234, "floors": 2)"), {"fields.area", "three decimals"});
  expect_error(house(base + R"("area": 90, "floors": 2, "heritage_zone": 1)"),
               {"fields.heritage_zone", "true or false"});
  expect_error(house(R"("applicant": 7, "site": "Sa Pa", "area": 90, "floors": 2)"),
               {"fields.applicant", "string"});
  expect_error(house(R"("applicant": "A", "site": 4.5, "area": 90, "floors": 2)"), {"fields.site"});
  expect_error(house(R"("applicant": "A", "site": "Atlantis", "area": 90, "floors": 2)"),
               {"fields.site", "Atlantis"});
  expect_error(house(R"("applicant": "A", "site": 3321, "area": 90, "floors": 2)"),
               {"fields.site", "no commune"});
  expect_error(house(R"("applicant": "A", "site": -1, "area": 90, "floors": 2)"),
               {"fields.site", "no commune"});
}

TEST_F(BadDossier, MissingAndExtraFields) {
  expect_error(house(R"("applicant": "A", "site": "Sa Pa", "area": 90)"),
               {"fields.floors", "missing", "HousePermit"});
  expect_error(house(good_fields() + R"(, "colour": "blue")"),
               {"fields.colour", "no such field", "floors"});
  expect_error(R"({"received": "2026-07-01 09:00", "receiving": "commune Sa Pa", "fields": {}})",
               {"procedure", "missing"});
  expect_error(R"({"procedure": "NoSuchThing", "received": "2026-07-01 09:00",
                   "receiving": "commune Sa Pa", "fields": {}})",
               {"procedure", "NoSuchThing"});
  expect_error(R"({"procedure": "HousePermit", "receiving": "commune Sa Pa", "fields": {}})",
               {"received", "missing"});
  expect_error(R"({"procedure": "HousePermit", "received": "2026-02-30 09:00",
                   "receiving": "commune Sa Pa", "fields": {}})",
               {"received"});
  expect_error(R"({"procedure": "HousePermit", "received": "2026-07-01 09:00", "fields": {}})",
               {"receiving", "missing"});
  expect_error(R"({"procedure": "HousePermit", "received": "2026-07-01 09:00",
                   "receiving": "hamlet X", "fields": {}})",
               {"receiving"});
  expect_error(R"({"procedure": "HousePermit", "received": "2026-07-01 09:00",
                   "receiving": "commune Sa Pa", "fields": [1, 2]})",
               {"fields", "object"});
  expect_error(house(good_fields()).insert(1, R"("extra": 1, )"), {"extra", "unknown key"});
  expect_error(R"([1, 2, 3])", {"dossier", "object"});
  expect_error(R"("HousePermit")", {"dossier", "object"});
}

TEST_F(BadDossier, HugeValues) {
  const std::string base = R"("applicant": "A", "site": "Sa Pa", "floors": 2, "area": )";
  for (const char* v :
       {"1e300", "-1e300", "9223372036854775808", "-9223372036854775808", "18446744073709551615",
        "9000000000001", "1e13", "-9000000000001", "123456789012345678901234567890"}) {
    SCOPED_TRACE(v);
    expect_error(house(base + v), {"fields.area", "too large"});
  }
  const std::string fbase = R"("applicant": "A", "site": "Sa Pa", "area": 90, "floors": )";
  for (const char* v :
       {"9223372036854775807", "9223372036854775808", "-9223372036854775808", "1e300"}) {
    SCOPED_TRACE(v);
    expect_error(house(fbase + v), {"fields.floors"});
  }
  expect_error(house(R"("applicant": "A", "area": 90, "floors": 2, "site": 9223372036854775808)"),
               {"fields.site"});
  expect_error(house(R"("applicant": "A", "area": 90, "floors": 2, "site": -9223372036854775808)"),
               {"fields.site"});
  // The largest accepted magnitude still marshals, in range of int64 x1000.
  auto r =
      rules::marshal(meta(), house(base + "9000000000000"), rules::Registry::default_registry());
  ASSERT_TRUE(r.ok()) << r.error().message;
}

TEST_F(BadDossier, InvalidUtf8AndEmptyInput) {
  expect_error("", {"JSON"});
  expect_error("   ", {"JSON"});
  expect_error("{", {"JSON"});
  expect_error(house(R"("applicant": "Gi\xff\xfe", "site": "Sa Pa", "area": 90, "floors": 2)"),
               {"UTF-8"});
  expect_error(house(R"("applicant": "\xc3", "site": "Sa Pa", "area": 90, "floors": 2)"),
               {"UTF-8"});
  expect_error(house(R"("applicant": "\xed\xa0\x80", "site": "Sa Pa", "area": 90, "floors": 2)"),
               {"UTF-8"});
  expect_error(std::string("{\"procedure\": \"House\0Permit\"}", 28), {});
}

TEST_F(BadDossier, DeepNestingDoesNotOverflowTheStack) {
  const size_t depth = 100000;
  std::string arrays = std::string(depth, '[') + std::string(depth, ']');
  expect_error(arrays, {"nests", "32 deep"});
  std::string objects;
  for (size_t i = 0; i < depth; ++i) objects += "{\"a\":";
  objects += "1" + std::string(depth, '}');
  expect_error(objects, {"nests", "32 deep"});
  // Unbalanced: an error, not a crash.
  expect_error(std::string(depth, '['), {"nests"});
}

// Deep nesting inside "fields" (a 2 MB dossier of 1,000,000 nested arrays)
// is refused before parsing: nothing recursive ever sees it.
TEST_F(BadDossier, DeepNestingInAFieldValue) {
  const size_t depth = 1000000;
  std::string arrays = std::string(depth, '[') + std::string(depth, ']');
  expect_error(house(R"("applicant": "A", "site": "Sa Pa", "floors": 2, "area": )" + arrays),
               {"nests", "32 deep"});
}

// Random byte flips, deletions and insertions of a good dossier: any result
// is fine, crashing (or a sanitizer report) is not.
TEST_F(BadDossier, MutatedDossiersNeverCrash) {
  const std::string good = house(good_fields());
  std::mt19937 rng(7);
  size_t accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s = good;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits; ++k) {
      size_t pos = rng() % s.size();
      switch (rng() % 3) {
        case 0:
          s[pos] = static_cast<char>(rng() % 256);
          break;
        case 1:
          s.erase(pos, 1);
          break;
        default:
          s.insert(pos, 1, "{}[]\",:0e-9\\\xff"[rng() % 14]);
          break;
      }
    }
    auto r = rules::marshal(meta(), s, rules::Registry::default_registry());
    if (r.ok()) {
      ++accepted;
    } else {
      EXPECT_FALSE(r.error().message.empty());
    }
  }
  EXPECT_LT(accepted, 20000U);
}

}  // namespace
}  // namespace hoso::difftest
