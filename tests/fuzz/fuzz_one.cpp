#include "fuzz_one.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "driver/driver.h"
#include "parse/parse.h"

namespace hoso::fuzz {
namespace {

constexpr const char* kName = "fuzz.hoso";

bool has_parse_errors(const diag::Diagnostics& diags) {
  return std::any_of(diags.all().begin(), diags.all().end(), [](const diag::Diagnostic& d) {
    return d.severity == diag::Severity::Error && diag::info(d.kind).code.starts_with("P");
  });
}

// The multiset of diagnostic codes, sorted: locations move when the layout
// changes, the codes must not.
std::vector<std::string_view> codes(const diag::Diagnostics& diags) {
  std::vector<std::string_view> out;
  for (const auto& d : diags.all()) out.push_back(diag::info(d.kind).code);
  std::sort(out.begin(), out.end());
  return out;
}

std::string join(const std::vector<std::string_view>& v) {
  std::string s;
  for (auto c : v) {
    if (!s.empty()) s += ' ';
    s += c;
  }
  return s;
}

// Parses `text` alone (no checker) and formats it.
std::string reformat(const std::string& text, bool* parse_ok) {
  base::SourceManager sm;
  uint32_t id = sm.add(kName, text);
  diag::Diagnostics diags;
  ast::File f = parse::parse_file(sm, id, diags);
  *parse_ok = !diags.has_errors();
  return ast::format(f, sm.file(id));
}

}  // namespace

std::string run_one(std::string_view input) {
  driver::Options options;
  options.check = true;
  auto c = driver::compile_sources({{kName, std::string(input)}}, options);
  // Rendering walks the source lines and carets: part of the surface.
  (void)diag::render_console(c->diags, c->sm, false);
  (void)diag::render_json(c->diags, c->sm);
  if (c->files.empty() || has_parse_errors(c->diags)) return "";

  std::string once = ast::format(c->files[0], c->sm.file(1));
  bool ok = false;
  std::string twice = reformat(once, &ok);
  if (!ok) return "format(x) does not parse:\n" + once;
  if (twice != once) {
    return "format is not idempotent\n--- format(x)\n" + once + "--- format(format(x))\n" + twice;
  }

  auto c2 = driver::compile_sources({{kName, once}}, options);
  auto before = codes(c->diags);
  auto after = codes(c2->diags);
  if (before != after) {
    return "checking format(x) changes the diagnostics: [" + join(before) + "] became [" +
           join(after) + "]\n--- format(x)\n" + once;
  }
  return "";
}

}  // namespace hoso::fuzz
