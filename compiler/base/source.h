// Source files and locations. Columns count Unicode code points (what an
// author sees in an editor), lines and columns are 1-based.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hoso::base {

struct Loc {
  uint32_t file = 0;  // index into SourceManager; 0 = no file
  uint32_t line = 0;
  uint32_t col = 0;
  uint32_t end_line = 0;
  uint32_t end_col = 0;  // exclusive
  bool valid() const { return line != 0; }
};

struct SourceFile {
  std::string path;
  std::string text;
  std::vector<uint32_t> line_starts;  // byte offsets

  std::string_view line_text(uint32_t line) const;
};

// Reads a whole text file named on a command line or found in a folder
// (rules, dossiers): only a regular file of at most max_bytes, so a device
// such as /dev/zero, a FIFO or a folder is refused instead of read forever.
// On failure returns false with `error` saying why ("PATH: ...").
bool read_text_file(const std::string& path, std::string& text, std::string& error,
                    std::uintmax_t max_bytes = std::uintmax_t{64} << 20);

// Owns every loaded file; file index 0 is reserved for "no file".
class SourceManager {
 public:
  SourceManager();
  uint32_t add(std::string path, std::string text);
  const SourceFile& file(uint32_t id) const { return files_[id]; }
  size_t size() const { return files_.size(); }

 private:
  std::vector<SourceFile> files_;
};

// Returns the byte offset of the first invalid UTF-8 sequence, or npos.
size_t find_invalid_utf8(std::string_view s);
// Number of code points in s (s must be valid UTF-8).
uint32_t utf8_length(std::string_view s);
// Byte offset of code-point column `col` (1-based) in line.
size_t utf8_offset_of_col(std::string_view line, uint32_t col);

// Damerau-free Levenshtein distance, for "did you mean" suggestions.
size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word`, or "" if none is close enough.
std::string closest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace hoso::base
