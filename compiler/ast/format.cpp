// `hoso fmt`: the canonical layout. Items keep the author's order; comments
// come back where they were (own-line comments before the construct that
// followed them, trailing comments after the line they ended). Idempotent.
#include <algorithm>
#include <functional>

#include "ast/ast.h"

namespace hoso::ast {
namespace {

std::string pad(std::string s, size_t width) {
  size_t len = base::utf8_length(s);
  if (len < width) s += std::string(width - len, ' ');
  return s;
}

class Formatter {
 public:
  Formatter(const File& f, const base::SourceFile& src) : f_(f), src_(src) {}

  std::string run() {
    // Canonical: module, a blank line, the uses, a blank line, then the
    // declarations one blank line apart.
    if (f_.module) emit("module " + f_.module->str(), f_.module->loc.line);
    for (size_t i = 0; i < f_.uses.size(); ++i) {
      if (i == 0 && f_.module) blank();
      emit("use " + f_.uses[i].str(), f_.uses[i].loc.line);
    }
    bool first = !f_.module && f_.uses.empty();
    for (const auto& d : f_.decls) {
      uint32_t line = std::visit([](const auto& x) { return x.loc.line; }, d);
      if (!first) blank();
      first = false;
      flush_before(line);
      std::visit([this](const auto& x) { decl(x); }, d);
    }
    flush_before(UINT32_MAX);
    return out_;
  }

 private:
  // ------------------------------------------------------------ emission

  bool is_trailing(const Comment& c) const {
    std::string_view line = src_.line_text(c.loc.line);
    size_t upto = base::utf8_offset_of_col(line, c.loc.col);
    for (size_t i = 0; i < upto && i < line.size(); ++i) {
      if (line[i] != ' ' && line[i] != '\t') return true;
    }
    return false;
  }

  bool blank_line_between(uint32_t a, uint32_t b) const {
    for (uint32_t l = a + 1; l < b; ++l) {
      std::string_view t = src_.line_text(l);
      if (t.find_first_not_of(" \t\r") == std::string_view::npos) return true;
    }
    return false;
  }

  void blank() {
    if (!out_.empty() && !last_blank_) {
      out_ += '\n';
      last_blank_ = true;
    }
  }

  // Own-line comments that stand before `line` (and trailing ones whose line
  // printed nothing) come out first, at the current indentation.
  void flush_before(uint32_t line) {
    while (next_ < f_.comments.size() && f_.comments[next_].loc.line < line) {
      const Comment& c = f_.comments[next_++];
      if (last_src_line_ != 0 && blank_line_between(last_src_line_, c.loc.line)) blank();
      raw_line(c.text);
      last_src_line_ = c.loc.line;
    }
  }

  void raw_line(const std::string& text) {
    out_ += std::string(indent_ * 2, ' ');
    out_ += text;
    out_ += '\n';
    last_blank_ = false;
  }

  // One output line for source line `line`, with that line's trailing comment.
  void emit(const std::string& text, uint32_t line, bool keep_blank = false) {
    flush_before(line);
    if (keep_blank && last_src_line_ != 0 && line > last_src_line_ &&
        blank_line_between(last_src_line_, line)) {
      blank();
    }
    std::string s = text;
    while (next_ < f_.comments.size() && f_.comments[next_].loc.line == line &&
           is_trailing(f_.comments[next_])) {
      s += "  " + f_.comments[next_].text;
      ++next_;
    }
    raw_line(s);
    if (line != 0) last_src_line_ = std::max(last_src_line_, line);
  }

  struct Indent {
    explicit Indent(int& i) : i_(i) { ++i_; }
    ~Indent() { --i_; }
    Indent(const Indent&) = delete;
    Indent& operator=(const Indent&) = delete;
    int& i_;
  };

  std::string ex(ExprId id) { return expr_to_string(f_, id); }

  // Items of a block, printed in source order.
  struct Item {
    uint32_t line;
    std::function<void()> print;
  };
  void print_items(std::vector<Item>& items) {
    std::stable_sort(items.begin(), items.end(),
                     [](const Item& a, const Item& b) { return a.line < b.line; });
    for (auto& it : items) it.print();
  }

  // The closing brace of a block; comments left inside the block come out
  // first, indented as its members.
  void close(const Loc& l) {
    ++indent_;
    flush_before(l.end_line);
    --indent_;
    emit("}", l.end_line);
  }

  // ------------------------------------------------------------ decls

  void decl(const Procedure& p) {
    emit("procedure " + p.name + " {", p.loc.line);
    {
      Indent in(indent_);
      std::vector<Item> items;
      auto kv = [&](const char* key, const std::string& value, uint32_t line) {
        items.push_back(
            {line, [this, key, value, line] { emit(pad(key, 8) + " " + value, line, true); }});
      };
      if (p.code) kv("code", quote(p.code->value), p.code->loc.line);
      if (p.title) kv("title", quote(p.title->value), p.title->loc.line);
      if (p.sector) kv("sector", p.sector->value, p.sector->loc.line);
      if (!p.basis.empty()) {
        std::string b;
        for (size_t i = 0; i < p.basis.size(); ++i) b += (i ? ", " : "") + quote(p.basis[i].value);
        kv("basis", b, p.basis.front().loc.line);
      }
      if (p.level) kv("level", p.level->value, p.level->loc.line);
      if (p.deadline) kv("deadline", ex(p.deadline->value), p.deadline->loc.line);
      if (p.receive_anywhere) {
        kv("receive", "anywhere in " + p.receive_anywhere->value, p.receive_anywhere->loc.line);
      }
      if (p.receive_at) kv("receive", "at " + p.receive_at->str(), p.receive_at->loc.line);
      if (p.online) kv("online", p.online->value, p.online->loc.line);
      if (p.fee) kv("fee", ex(p.fee->value), p.fee->loc.line);
      if (p.supplement) kv("supplement", p.supplement->value, p.supplement->loc.line);
      if (!p.fields.empty() || !p.requires_.empty()) {
        uint32_t line = UINT32_MAX;
        if (!p.fields.empty()) line = p.fields.front().loc.line;
        if (!p.requires_.empty()) line = std::min(line, p.requires_.front().loc.line);
        items.push_back({line > 0 ? line - 1 : 0, [this, &p] { dossier(p); }});
      }
      if (p.has_route) items.push_back({p.route_loc.line, [this, &p] { route(p); }});
      if (p.has_steps) items.push_back({p.steps_loc.line, [this, &p] { steps(p); }});
      if (p.warn) {
        items.push_back({p.warn->loc.line, [this, &p] {
                           emit("warn " + ex(p.warn->value) + " before due", p.warn->loc.line,
                                true);
                         }});
      }
      if (p.has_late) items.push_back({p.late_loc.line, [this, &p] { late(p); }});
      print_items(items);
    }
    close(p.loc);
  }

  void dossier(const Procedure& p) {
    uint32_t line = UINT32_MAX;
    if (!p.fields.empty()) line = p.fields.front().loc.line;
    if (!p.requires_.empty()) line = std::min(line, p.requires_.front().loc.line);
    // The `dossier {` line itself is the line before the first member when
    // written in the usual layout; comments before it flush first.
    emit("dossier {", line > 1 ? line - 1 : line, true);
    {
      Indent in(indent_);
      size_t w = 0;
      for (const auto& fd : p.fields) w = std::max<size_t>(w, base::utf8_length(fd.name));
      std::vector<Item> items;
      for (const auto& fd : p.fields) {
        items.push_back({fd.loc.line, [this, &fd, w] {
                           std::string s = pad(fd.name, w) + " : " + type_text(fd.type);
                           if (fd.init) s += " = " + ex(*fd.init);
                           emit(s, fd.loc.line, true);
                         }});
      }
      for (const auto& r : p.requires_) {
        items.push_back({r.loc.line, [this, &r] {
                           emit("require " + ex(r.cond) + " else " + quote(r.message), r.loc.line,
                                true);
                         }});
      }
      print_items(items);
    }
    uint32_t end = 0;
    for (const auto& fd : p.fields) end = std::max(end, fd.loc.end_line);
    for (const auto& r : p.requires_) end = std::max(end, r.loc.end_line);
    emit("}", end + 1);
  }

  void route(const Procedure& p) {
    emit("route {", p.route_loc.line, true);
    {
      Indent in(indent_);
      std::vector<std::string> lhs;
      size_t w = 0;
      for (const auto& a : p.route) {
        lhs.push_back(a.cond ? "when " + ex(*a.cond) : std::string("otherwise"));
        w = std::max<size_t>(w, base::utf8_length(lhs.back()));
      }
      if (w > 60) w = 0;  // long conditions: no alignment
      for (size_t i = 0; i < p.route.size(); ++i) {
        emit(pad(lhs[i], w) + " -> " + p.route[i].target.str(), p.route[i].loc.line, true);
      }
    }
    uint32_t end = p.route.empty() ? p.route_loc.line : p.route.back().loc.end_line + 1;
    emit("}", end);
  }

  void steps(const Procedure& p) {
    emit("steps {", p.steps_loc.line, true);
    {
      Indent in(indent_);
      size_t wn = 0, wb = 0, ww = 0;
      for (const auto& s : p.steps) {
        wn = std::max<size_t>(wn, base::utf8_length(s.name));
        if (s.handler) wb = std::max<size_t>(wb, s.handler->str().size() + 3);
        if (s.budget) ww = std::max<size_t>(ww, base::utf8_length(ex(*s.budget)) + 7);
      }
      for (const auto& s : p.steps) {
        std::vector<std::string> cols;
        cols.push_back(pad(s.name, wn));
        if (wb > 0) cols.push_back(pad(s.handler ? "by " + s.handler->str() : "", wb));
        if (ww > 0) cols.push_back(pad(s.budget ? "within " + ex(*s.budget) : "", ww));
        if (s.cond) cols.push_back("when " + ex(*s.cond));
        if (s.result) cols.push_back("yields " + *s.result);
        std::string line;
        for (const auto& c : cols) line += (line.empty() ? "" : "  ") + c;
        while (!line.empty() && line.back() == ' ') line.pop_back();
        emit(line, s.loc.line, true);
      }
    }
    uint32_t end = p.steps.empty() ? p.steps_loc.line : p.steps.back().loc.line + 1;
    emit("}", end);
  }

  void late(const Procedure& p) {
    if (p.late_policy) {
      emit("on late use " + p.late_policy->str(), p.late_loc.line, true);
      return;
    }
    emit("on late {", p.late_loc.line, true);
    {
      Indent in(indent_);
      for (const auto& a : p.late) emit(late_text(f_, a), a.loc.line, true);
    }
    emit("}", p.late_loc.end_line);
  }

  void decl(const AuthorityRule& r) {
    emit(std::string(r.kind == AuthorityRule::Kind::Decentralise ? "decentralise " : "delegate ") +
             r.subject.str(),
         r.loc.line);
    Indent in(indent_);
    std::vector<Item> items;
    auto add = [&](uint32_t line, std::string text) {
      items.push_back({line, [this, line, text] { emit(text, line); }});
    };
    if (r.from && r.to && r.from->loc.line == r.to->loc.line) {
      add(r.from->loc.line, "from " + r.from->str() + " to " + r.to->str());
    } else {
      if (r.from) add(r.from->loc.line, "from " + r.from->str());
      if (r.to) add(r.to->loc.line, "to " + r.to->str());
    }
    if (r.for_) add(r.for_->loc.line, "for " + r.for_->str());
    if (r.when) add(f_.expr(*r.when).loc.line, "when " + ex(*r.when));
    if (r.effective) {
      std::string t = "effective " + format_date(r.effective->value);
      if (r.until) t += " until " + format_date(r.until->value);
      add(r.effective->loc.line, t);
    }
    if (!r.basis.empty()) {
      std::string b;
      for (size_t i = 0; i < r.basis.size(); ++i) b += (i ? ", " : "") + quote(r.basis[i].value);
      add(r.basis.front().loc.line, "basis " + b);
    }
    print_items(items);
  }

  void decl(const EnumDecl& e) {
    std::string vals;
    for (const auto& v : e.values) vals += (vals.empty() ? "" : ", ") + v.value;
    emit("enum " + e.name + " { " + vals + " }", e.loc.line);
    last_src_line_ = std::max(last_src_line_, e.loc.end_line);
  }

  void decl(const Function& fn) {
    std::string ps;
    for (const auto& p : fn.params) {
      ps += (ps.empty() ? "" : ", ") + p.name + ": " + type_text(p.type);
    }
    emit("fn " + fn.name + "(" + ps + ") -> " + type_text(fn.result) + " = " + ex(fn.body),
         fn.loc.line);
    last_src_line_ = std::max(last_src_line_, fn.loc.end_line);
  }

  void decl(const Test& t) {
    emit("test " + quote(t.name) + " {", t.loc.line);
    {
      Indent in(indent_);
      for (const auto& it : t.items) {
        if (it.kind == TestItem::Kind::Given) {
          std::string s = "given " + it.procedure.str() + " {";
          for (size_t i = 0; i < it.inits.size(); ++i) {
            s += (i ? ", " : " ") + it.inits[i].name + ": " + ex(it.inits[i].value);
          }
          s += it.inits.empty() ? "}" : " }";
          emit(s, it.loc.line, true);
          if (it.received) {
            Indent in2(indent_);
            std::string r = "received " + format_datetime(it.received->value);
            if (it.received_at) r += " at " + ex(*it.received_at);
            emit(r, it.received->loc.line);
          }
        } else {
          emit("expect " + ex(it.expect), it.loc.line, true);
        }
      }
    }
    close(t.loc);
  }

  void decl(const Scenario& s) {
    emit("scenario " + quote(s.name) + " {", s.loc.line);
    {
      Indent in(indent_);
      for (const auto& it : s.items) {
        std::string t;
        switch (it.kind) {
          case ScenarioItem::Kind::Period:
            t = "period   " + format_date(it.from) + " .. " + format_date(it.until);
            break;
          case ScenarioItem::Kind::Arrivals: {
            t = "arrivals " + it.subject.str() + " " + ex(*it.amount);
            for (const auto& w : it.words) t += " per " + w;
            break;
          }
          case ScenarioItem::Kind::Capacity: {
            t = "capacity " + it.subject.str() + " " + ex(*it.amount) + " " +
                (it.words.empty() ? "" : it.words[0]);
            if (it.per_officer && it.words.size() >= 4) {
              t += ", " + ex(*it.per_officer) + " " + it.words[1] + " per " + it.words[2] +
                   " per " + it.words[3];
            }
            break;
          }
          case ScenarioItem::Kind::Compare:
            t = "compare  rules " + quote(it.left) + " with rules " + quote(it.right);
            break;
          case ScenarioItem::Kind::Report: {
            t = "report   ";
            for (size_t i = 0; i < it.metrics.size(); ++i) {
              if (i) t += ", ";
              for (size_t j = 0; j < it.metrics[i].size(); ++j) {
                t += (j ? " " : "") + it.metrics[i][j];
              }
            }
            break;
          }
        }
        emit(t, it.loc.line, true);
      }
    }
    close(s.loc);
  }

  std::string role_text(const Role& r) {
    return "role " + r.name + (r.title.empty() ? "" : " " + quote(r.title));
  }

  void decl(const LevelDecl& l) {
    emit("level " + l.name + (l.title.empty() ? "" : " " + quote(l.title)) + " {", l.loc.line);
    {
      Indent in(indent_);
      size_t w = 0;
      for (const auto& a : l.agencies) w = std::max<size_t>(w, base::utf8_length(a.name));
      for (const auto& r : l.roles) w = std::max<size_t>(w, base::utf8_length(r.name) - 1);
      for (int32_t idx : l.order) {
        if (idx >= 0) {
          const Agency& a = l.agencies[static_cast<size_t>(idx)];
          std::string s = "agency " + pad(a.name, w);
          if (!a.title.empty()) s += " " + quote(a.title);
          if (a.roles.empty()) {
            while (!s.empty() && s.back() == ' ') s.pop_back();
            emit(s, a.loc.line, true);
          } else {
            emit(s + " {", a.loc.line, true);
            {
              Indent in2(indent_);
              for (const auto& r : a.roles) emit(role_text(r), r.loc.line, true);
            }
            emit("}", a.loc.end_line);
          }
        } else {
          const Role& r = l.roles[static_cast<size_t>(~idx)];
          std::string s = "role   " + pad(r.name, w);
          if (!r.title.empty()) s += " " + quote(r.title);
          while (!s.empty() && s.back() == ' ') s.pop_back();
          emit(s, r.loc.line, true);
        }
      }
    }
    close(l.loc);
  }

  void decl(const Chain& c) {
    emit("chain " + c.name + (c.title.empty() ? "" : " " + quote(c.title)) + " {", c.loc.line);
    {
      Indent in(indent_);
      std::string s;
      for (const auto& p : c.procedures) s += (s.empty() ? "" : " -> ") + p.str();
      emit(s, c.procedures.empty() ? c.loc.line : c.procedures.front().loc.line);
    }
    close(c.loc);
  }

  void decl(const Policy& p) {
    emit("policy " + p.name + " {", p.loc.line);
    {
      Indent in(indent_);
      for (const auto& a : p.actions) emit(late_text(f_, a), a.loc.line, true);
    }
    close(p.loc);
  }

  const File& f_;
  const base::SourceFile& src_;
  std::string out_;
  int indent_ = 0;
  size_t next_ = 0;
  uint32_t last_src_line_ = 0;
  bool last_blank_ = false;
};

}  // namespace

std::string format(const File& f, const base::SourceFile& src) {
  return Formatter(f, src).run();
}

}  // namespace hoso::ast
