// The only door into ANTLR: text in, Hoso AST and diagnostics out. No ANTLR
// type appears in this header; the parse tree dies inside parse.cpp.
#pragma once

#include "ast/ast.h"
#include "base/source.h"
#include "diagnostics/diagnostic.h"

namespace hoso::parse {

struct Limits {
  uint32_t max_nesting = 200;     // ( and { deeper than this: P0002
  uint32_t max_expr_depth = 256;  // operators in one expression chain: P0007
  uint32_t max_errors_per_file = 50;
};

// Parses one file of `sm`. Never throws, never prints; bad input becomes
// diagnostics. Safe on any bytes (invalid UTF-8, 10,000 nested brackets,
// megabytes of text).
ast::File parse_file(const base::SourceManager& sm, uint32_t file_id, diag::Diagnostics& diags,
                     const Limits& limits = {});

}  // namespace hoso::parse
