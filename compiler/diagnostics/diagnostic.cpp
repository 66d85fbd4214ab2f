#include "diagnostics/diagnostic.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace hoso::diag {

const std::vector<KindInfo>& all_kinds() {
  static const std::vector<KindInfo> kinds = {
#define HOSO_DIAG(name, code, sev, desc) {Kind::name, #name, code, Severity::sev, desc},
#include "diagnostics/kinds.def"
#undef HOSO_DIAG
  };
  return kinds;
}

const KindInfo& info(Kind k) {
  return all_kinds()[static_cast<size_t>(k)];
}

Diagnostic& Diagnostics::report(Kind k, base::Loc loc, std::string message) {
  diags_.push_back(Diagnostic{k, info(k).severity, loc, std::move(message), {}, {}});
  return diags_.back();
}

size_t Diagnostics::error_count() const {
  return static_cast<size_t>(std::count_if(diags_.begin(), diags_.end(), [](const Diagnostic& d) {
    return d.severity == Severity::Error;
  }));
}

void Diagnostics::sort() {
  std::stable_sort(diags_.begin(), diags_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.loc.file != b.loc.file) return a.loc.file < b.loc.file;
    if (a.loc.line != b.loc.line) return a.loc.line < b.loc.line;
    return a.loc.col < b.loc.col;
  });
}

namespace {

std::string_view severity_word(Severity s) {
  switch (s) {
    case Severity::Error:
      return "error";
    case Severity::Warning:
      return "warning";
    case Severity::Note:
      return "note";
  }
  return "error";
}

std::string location_prefix(const base::Loc& loc, const base::SourceManager& sm) {
  if (loc.file == 0 || loc.file >= sm.size()) return "hoso";
  return fmt::format("{}:{}:{}", sm.file(loc.file).path, loc.line, loc.col);
}

void render_snippet(std::string& out, const base::Loc& loc, const base::SourceManager& sm,
                    bool color) {
  if (loc.file == 0 || loc.file >= sm.size() || !loc.valid()) return;
  const auto& f = sm.file(loc.file);
  std::string_view line = f.line_text(loc.line);
  if (line.size() > 300) return;  // generated or minified: the position is enough
  std::string gutter = fmt::format("{:>5} | ", loc.line);
  out += gutter;
  out += line;
  out += '\n';
  uint32_t width = 1;
  if (loc.end_line == loc.line && loc.end_col > loc.col) width = loc.end_col - loc.col;
  if (loc.end_line > loc.line) {
    uint32_t len = base::utf8_length(line);
    width = len >= loc.col ? len - loc.col + 1 : 1;
  }
  out += std::string(gutter.size() - 2, ' ') + "| ";
  // Keep tabs so the caret lines up under tab-indented code.
  size_t upto = base::utf8_offset_of_col(line, loc.col);
  for (size_t i = 0; i < upto && i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) continue;
    out += line[i] == '\t' ? '\t' : ' ';
  }
  if (color) out += "\x1b[1;32m";
  out += '^';
  if (width > 1) out += std::string(width - 1, '~');
  if (color) out += "\x1b[0m";
  out += '\n';
}

}  // namespace

std::string render_console(const Diagnostics& diags, const base::SourceManager& sm, bool color) {
  std::string out;
  for (const auto& d : diags.all()) {
    const auto& ki = info(d.kind);
    const char* sev_color = d.severity == Severity::Error ? "\x1b[1;31m" : "\x1b[1;35m";
    out += location_prefix(d.loc, sm);
    out += ": ";
    if (color) out += sev_color;
    out += fmt::format("{}[{}]", severity_word(d.severity), ki.code);
    if (color) out += "\x1b[0m";
    out += ": ";
    out += d.message;
    out += '\n';
    render_snippet(out, d.loc, sm, color);
    if (!d.suggestion.empty()) out += fmt::format("      = help: {}\n", d.suggestion);
    for (const auto& n : d.notes) {
      out += fmt::format("{}: note: {}\n", location_prefix(n.loc, sm), n.message);
      render_snippet(out, n.loc, sm, color);
    }
  }
  size_t errors = diags.error_count();
  size_t warnings = diags.all().size() - errors;
  if (errors + warnings > 0) {
    out += fmt::format("{} error{}, {} warning{}\n", errors, errors == 1 ? "" : "s", warnings,
                       warnings == 1 ? "" : "s");
  }
  return out;
}

std::string render_json(const Diagnostics& diags, const base::SourceManager& sm) {
  using nlohmann::json;
  json arr = json::array();
  auto loc_json = [&](const base::Loc& l) {
    json j;
    j["file"] = (l.file != 0 && l.file < sm.size()) ? sm.file(l.file).path : "";
    j["line"] = l.line;
    j["column"] = l.col;
    j["end_line"] = l.end_line;
    j["end_column"] = l.end_col;
    return j;
  };
  for (const auto& d : diags.all()) {
    const auto& ki = info(d.kind);
    json j = loc_json(d.loc);
    j["severity"] = severity_word(d.severity);
    j["code"] = ki.code;
    j["kind"] = ki.name;
    j["message"] = d.message;
    if (!d.suggestion.empty()) j["suggestion"] = d.suggestion;
    json notes = json::array();
    for (const auto& n : d.notes) {
      json nj = loc_json(n.loc);
      nj["message"] = n.message;
      notes.push_back(nj);
    }
    if (!notes.empty()) j["notes"] = notes;
    arr.push_back(j);
  }
  json doc;
  doc["diagnostics"] = arr;
  doc["errors"] = diags.error_count();
  doc["warnings"] = diags.all().size() - diags.error_count();
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace hoso::diag
