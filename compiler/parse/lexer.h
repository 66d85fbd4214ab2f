// A hand-written lexer for grammar/Hoso.g4, feeding the ANTLR parser through
// antlr4::TokenSource. It produces the token types, channels, code-point
// start/stop indexes, lines and columns of the generated HosoLexer (kept as
// the reference: tests/compiler/lexer_test.cpp compares the two), without
// ANTLR's DFA walk and its per-edge mutex.
//
// The input must be valid UTF-8 (parse_file checks it first). Identifier
// characters beyond ASCII follow the ANTLR tool's \p{L}, \p{M} and \p{N}
// sets exactly (tables in lexer.cpp, extracted from the generated lexer).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "antlr4-runtime.h"

namespace hoso::parse {

class Lexer final : public antlr4::TokenSource {
 public:
  // `text` must outlive the lexer and the tokens; `input` holds the same
  // text as a CharStream, from which a token's getText() is computed.
  Lexer(std::string_view text, antlr4::CharStream* input);

  std::unique_ptr<antlr4::Token> nextToken() override;
  size_t getLine() const override { return line_; }
  size_t getCharPositionInLine() override { return col_; }
  antlr4::CharStream* getInputStream() override { return input_; }
  std::string getSourceName() override { return input_->getSourceName(); }
  void setTokenFactory(antlr4::TokenFactory<antlr4::CommonToken>* factory) { factory_ = factory; }
  antlr4::TokenFactory<antlr4::CommonToken>* getTokenFactory() override { return factory_; }

  // The UTF-8 text of the index-th token this lexer emitted (its index in a
  // CommonTokenStream fed by this lexer), without going through UTF-32.
  // Empty for EOF and for indexes it never emitted (tokens the parser's
  // error recovery makes up).
  std::string_view token_text(size_t index) const {
    if (index >= spans_.size()) return {};
    return text_.substr(spans_[index].begin, spans_[index].end - spans_[index].begin);
  }
  std::string_view token_text(const antlr4::Token* t) const {
    return t == nullptr ? std::string_view{} : token_text(t->getTokenIndex());
  }

 private:
  struct Span {
    uint32_t begin, end;
  };

  std::string_view text_;
  antlr4::CharStream* input_;
  antlr4::TokenFactory<antlr4::CommonToken>* factory_;
  size_t pos_ = 0;   // byte offset
  size_t cp_ = 0;    // code-point index (ANTLR's input index)
  size_t line_ = 1;  // ANTLR's line: 1-based, only '\n' counts
  size_t col_ = 0;   // ANTLR's charPositionInLine: 0-based code points
  std::vector<Span> spans_;
};

}  // namespace hoso::parse
