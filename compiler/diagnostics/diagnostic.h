// Diagnostics are data: a kind from kinds.def, a location, a message and
// optional notes and a suggestion. Emitters collect; renderers print.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/source.h"

namespace hoso::diag {

enum class Severity { Error, Warning, Note };

enum class Kind {
#define HOSO_DIAG(name, code, sev, desc) name,
#include "diagnostics/kinds.def"
#undef HOSO_DIAG
};

struct KindInfo {
  Kind kind;
  std::string_view name;
  std::string_view code;
  Severity severity;
  std::string_view description;
};

const std::vector<KindInfo>& all_kinds();
const KindInfo& info(Kind k);

struct Note {
  base::Loc loc;
  std::string message;
};

struct Diagnostic {
  Kind kind;
  Severity severity;
  base::Loc loc;
  std::string message;
  std::string suggestion;  // e.g. "did you mean `working days`?"
  std::vector<Note> notes;
};

class Diagnostics {
 public:
  Diagnostic& report(Kind k, base::Loc loc, std::string message);
  const std::vector<Diagnostic>& all() const { return diags_; }
  size_t error_count() const;
  bool has_errors() const { return error_count() > 0; }
  void sort();  // by file, line, column: stable output for tests

 private:
  std::vector<Diagnostic> diags_;
};

// "file:line:col: error[D0001]: message", the source line, a caret range,
// the suggestion and notes.
std::string render_console(const Diagnostics& diags, const base::SourceManager& sm, bool color);
// One JSON document: {"diagnostics":[{...}], "errors":N, "warnings":N}.
std::string render_json(const Diagnostics& diags, const base::SourceManager& sm);

}  // namespace hoso::diag
