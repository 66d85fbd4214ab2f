#include "driver/driver.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/source.h"
#include "parse/parse.h"

namespace hoso::embedded {
extern const std::string_view kStdVn;
}

namespace hoso::driver {

namespace fs = std::filesystem;

std::string_view embedded_stdlib() {
  return embedded::kStdVn;
}

Result<std::vector<std::string>> expand_paths(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    auto st = fs::status(p, ec);
    if (ec || !fs::exists(st)) {
      return make_error(ErrorCode::kNotFound, p + ": no such file or folder");
    }
    if (fs::is_directory(st)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::end(it);
           it.increment(ec)) {
        if (it->is_regular_file() && it->path().extension() == ".hoso") {
          found.push_back(it->path().string());
        }
      }
      if (ec) return make_error(ErrorCode::kIo, p + ": " + ec.message());
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.push_back(p);
    }
  }
  return out;
}

namespace {

void run(Compilation& c, const Options& options) {
  for (uint32_t id = 1; id < c.sm.size(); ++id) {
    c.files.push_back(parse::parse_file(c.sm, id, c.diags));
    c.user_file.push_back(true);
  }
  if (options.auto_stdlib) {
    bool wants = false, has = false;
    for (const auto& f : c.files) {
      for (const auto& u : f.uses) wants = wants || u.str() == "std.vn";
      has = has || (f.module && f.module->str() == "std.vn");
    }
    if (wants && !has) {
      uint32_t id = c.sm.add("<stdlib>/std/vn.hoso", std::string(embedded_stdlib()));
      c.files.push_back(parse::parse_file(c.sm, id, c.diags));
      c.user_file.push_back(false);
    }
  }
  if (options.check) c.program = check::check(c.files, c.sm, c.diags);
  if (options.check && options.lower && !c.diags.has_errors()) {
    const auto& reg = rules::Registry::default_registry();
    c.module = std::make_unique<ir::Module>(ir::lower(c.program, c.sm, c.diags, reg));
    c.tests = ir::lower_tests(c.program, c.sm, c.diags, reg, *c.module);
  }
  c.diags.sort();
}

}  // namespace

Result<std::unique_ptr<Compilation>> compile(const std::vector<std::string>& paths,
                                             const Options& options) {
  auto files = expand_paths(paths);
  if (!files) return files.error();
  auto c = std::make_unique<Compilation>();
  for (const auto& path : *files) {
    std::string text, error;
    if (!base::read_text_file(path, text, error)) return make_error(ErrorCode::kIo, error);
    c->sm.add(path, std::move(text));
  }
  run(*c, options);
  return c;
}

std::unique_ptr<Compilation> compile_sources(
    const std::vector<std::pair<std::string, std::string>>& sources, const Options& options) {
  auto c = std::make_unique<Compilation>();
  for (const auto& [name, text] : sources) c->sm.add(name, text);
  run(*c, options);
  return c;
}

}  // namespace hoso::driver
