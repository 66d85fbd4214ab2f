// Only for the `fuzz` preset (clang): the preset puts this folder first on
// the include path. Debian 12's ANTLR 4.9.3 headers do not compile with
// clang: dfa::Vocabulary has `Vocabulary() = default;` and const std::vector
// members without initialisers, so clang deletes that constructor, and
// misc::InterpreterData's constructor calls it. Giving the three members an
// empty default member initialiser (`{}`) keeps the layout and makes the
// constructor valid. GCC builds never see this file.
#pragma once

#include <string>
#include <vector>

#define _literalNames \
  _literalNames {}
#define _symbolicNames \
  _symbolicNames {}
#define _displayNames \
  _displayNames {}
#include <Vocabulary.h>  // NOLINT: #pragma once, so the real header skips it
#undef _literalNames
#undef _symbolicNames
#undef _displayNames
#include_next <antlr4-runtime.h>
