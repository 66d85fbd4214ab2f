// Runs the `test` blocks of rules files on any engine, and measures what
// they exercised (route arms, requires, steps, rules).
#pragma once

#include <string>
#include <vector>

#include "driver/driver.h"
#include "hoso/calendar.h"
#include "hoso/rules.h"

namespace hoso::driver {

struct Failure {
  uint32_t line = 0;
  std::string expectation;  // as written
  std::string expected;     // the right-hand side's value, when the expectation compares
  std::string actual;       // the left-hand side's value
};

struct TestResult {
  std::string name, file;
  uint32_t line = 0;
  bool passed = true;
  std::vector<Failure> failures;
};

struct Uncovered {
  std::string file;
  uint32_t line = 0;
  std::string what;  // "route arm `when ...`", "require \"...\"", "step sign", "rule ..."
};

struct TestReport {
  std::vector<TestResult> results;
  size_t passed = 0, failed = 0;
  std::vector<Uncovered> uncovered;
};

TestReport run_tests(const Compilation& c, const rules::Decider& engine,
                     const calendar::Calendar& cal);

}  // namespace hoso::driver
