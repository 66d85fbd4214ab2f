// Expression printing and the `--dump-ast` text form.
#include <fmt/format.h>

#include "ast/ast.h"
#include "hoso/calendar.h"

namespace hoso::ast {

std::string QName::str() const {
  std::string s;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) s += '.';
    s += parts[i];
  }
  return s;
}

std::string format_number(int64_t milli, bool group) {
  bool neg = milli < 0;
  uint64_t v = neg ? 0 - static_cast<uint64_t>(milli) : static_cast<uint64_t>(milli);
  uint64_t whole = v / kScale;
  uint64_t frac = v % kScale;
  std::string w = std::to_string(whole);
  if (group && w.size() >= 5) {
    std::string g;
    int n = 0;
    for (auto it = w.rbegin(); it != w.rend(); ++it) {
      if (n > 0 && n % 3 == 0) g += '_';
      g += *it;
      ++n;
    }
    w.assign(g.rbegin(), g.rend());
  }
  std::string s = neg ? "-" + w : w;
  if (frac != 0) {
    std::string f = fmt::format("{:03}", frac);
    while (!f.empty() && f.back() == '0') f.pop_back();
    s += "." + f;
  }
  return s;
}

std::string format_date(int32_t days) {
  return calendar::format_date(days);
}
std::string format_datetime(int64_t minutes) {
  return calendar::format_instant(minutes);
}

namespace {

const char* suffix_text(UnitSuffix u) {
  switch (u) {
    case UnitSuffix::None:
      return "";
    case UnitSuffix::WorkingDays:
      return " working days";
    case UnitSuffix::WorkingHours:
      return " working hours";
    case UnitSuffix::CalendarDays:
      return " calendar days";
    case UnitSuffix::BareDays:
      return " days";
    case UnitSuffix::BareHours:
      return " hours";
    case UnitSuffix::VND:
      return " VND";
    case UnitSuffix::M2:
      return " m2";
  }
  return "";
}

// Binding strength, higher binds tighter; mirrors grammar/Hoso.g4.
int prec(const Expr& e) {
  switch (e.kind) {
    case ExprKind::If:
      return 1;
    case ExprKind::Binary:
      switch (e.op) {
        case BinOp::Or:
          return 2;
        case BinOp::And:
          return 3;
        case BinOp::Eq:
        case BinOp::Ne:
        case BinOp::Lt:
        case BinOp::Le:
        case BinOp::Gt:
        case BinOp::Ge:
          return 5;
        case BinOp::Add:
        case BinOp::Sub:
          return 7;
        case BinOp::Mul:
        case BinOp::Div:
          return 8;
      }
      return 9;
    case ExprKind::Not:
      return 4;
    case ExprKind::InRange:
    case ExprKind::InSet:
      return 6;
    case ExprKind::Neg:
      return 9;
    default:
      return 10;
  }
}

const char* op_text(BinOp op) {
  switch (op) {
    case BinOp::Mul:
      return "*";
    case BinOp::Div:
      return "/";
    case BinOp::Add:
      return "+";
    case BinOp::Sub:
      return "-";
    case BinOp::Eq:
      return "==";
    case BinOp::Ne:
      return "!=";
    case BinOp::Lt:
      return "<";
    case BinOp::Le:
      return "<=";
    case BinOp::Gt:
      return ">";
    case BinOp::Ge:
      return ">=";
    case BinOp::And:
      return "and";
    case BinOp::Or:
      return "or";
  }
  return "?";
}

}  // namespace

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string late_text(const File& f, const LateAction& a) {
  switch (a.kind) {
    case LateAction::Kind::Apologise:
      return "apologise";
    case LateAction::Kind::Notify:
      return "notify " + a.target.str();
    case LateAction::Kind::Escalate:
      return "escalate to " + a.target.str() +
             (a.after ? " after " + expr_to_string(f, *a.after) : "");
  }
  return "";
}

std::string type_text(const TypeRef& t) {
  switch (t.kind) {
    case TypeRef::Kind::WorkingDays:
      return "working days";
    case TypeRef::Kind::WorkingHours:
      return "working hours";
    case TypeRef::Kind::CalendarDays:
      return "calendar days";
    case TypeRef::Kind::Named:
      return t.name.str();
  }
  return "?";
}

namespace {

std::string print(const File& f, ExprId id, int min_prec);

std::string operand(const File& f, ExprId id, int min_prec) {
  return print(f, id, min_prec);
}

std::string print(const File& f, ExprId id, int min_prec) {
  const Expr& e = f.expr(id);
  std::string s;
  int p = prec(e);
  switch (e.kind) {
    case ExprKind::Number:
      s = format_number(e.milli, e.unit == UnitSuffix::VND || e.milli >= 10000 * kScale) +
          suffix_text(e.unit);
      break;
    case ExprKind::String:
      s = quote(e.text);
      break;
    case ExprKind::Date:
      s = format_date(static_cast<int32_t>(e.time));
      break;
    case ExprKind::DateTime:
      s = format_datetime(e.time);
      break;
    case ExprKind::Bool:
      s = e.bool_value ? "true" : "false";
      break;
    case ExprKind::UnitLit:
      s = e.text + " " + quote(e.text2);
      break;
    case ExprKind::Name:
      s = e.text;
      break;
    case ExprKind::Member:
      s = operand(f, e.kids[0], 10) + "." + e.text;
      break;
    case ExprKind::Call: {
      s = e.text + "(";
      for (size_t i = 0; i < e.kids.size(); ++i) {
        if (i > 0) s += ", ";
        s += print(f, e.kids[i], 0);
      }
      s += ")";
      break;
    }
    case ExprKind::Neg:
      s = "-" + operand(f, e.kids[0], 9);
      break;
    case ExprKind::Not:
      s = "not " + operand(f, e.kids[0], 4);
      break;
    case ExprKind::Binary:
      // Left-associative: the right operand needs one more level.
      s = operand(f, e.kids[0], p) + " " + op_text(e.op) + " " + operand(f, e.kids[1], p + 1);
      break;
    case ExprKind::InRange:
      s = operand(f, e.kids[0], 7) + " in " + operand(f, e.kids[1], 7) + ".." +
          operand(f, e.kids[2], 7);
      break;
    case ExprKind::InSet: {
      s = operand(f, e.kids[0], 7) + " in {";
      for (size_t i = 1; i < e.kids.size(); ++i) {
        if (i > 1) s += ", ";
        s += print(f, e.kids[i], 0);
      }
      s += "}";
      break;
    }
    case ExprKind::If:
      s = "if " + print(f, e.kids[0], 0) + " then " + print(f, e.kids[1], 0) + " else " +
          print(f, e.kids[2], 1);
      break;
  }
  if (p < min_prec) s = "(" + s + ")";
  return s;
}

// ------------------------------------------------------------------ dump

class Dumper {
 public:
  explicit Dumper(const File& f) : f_(f) {}

  std::string run() {
    if (f_.module) line("module " + f_.module->str());
    for (const auto& u : f_.uses) line("use " + u.str());
    for (const auto& d : f_.decls) std::visit([this](const auto& x) { decl(x); }, d);
    return out_;
  }

 private:
  void line(const std::string& s) {
    out_ += std::string(indent_ * 2, ' ');
    out_ += s;
    out_ += '\n';
  }
  std::string at(const Loc& l) { return fmt::format("@{}:{}", l.line, l.col); }
  std::string ex(ExprId id) { return expr_to_string(f_, id); }
  static std::string type(const TypeRef& t) { return type_text(t); }

  struct Indent {
    explicit Indent(int& i) : i_(i) { ++i_; }
    ~Indent() { --i_; }
    Indent(const Indent&) = delete;
    Indent& operator=(const Indent&) = delete;
    int& i_;
  };

  void decl(const Procedure& p) {
    line("procedure " + p.name + " " + at(p.loc));
    Indent in(indent_);
    auto opt = [&](const char* key, const std::optional<Located<std::string>>& v) {
      if (v) line(std::string(key) + " " + quote(v->value));
    };
    opt("code", p.code);
    opt("title", p.title);
    opt("sector", p.sector);
    opt("level", p.level);
    for (const auto& b : p.basis) line("basis " + quote(b.value));
    if (p.deadline) line("deadline " + ex(p.deadline->value));
    if (p.receive_anywhere) line("receive anywhere in " + p.receive_anywhere->value);
    if (p.receive_at) line("receive at " + p.receive_at->str());
    opt("online", p.online);
    if (p.fee) line("fee " + ex(p.fee->value));
    opt("supplement", p.supplement);
    for (const auto& fd : p.fields) {
      line("field " + fd.name + " : " + type(fd.type) + (fd.init ? " = " + ex(*fd.init) : ""));
    }
    for (const auto& r : p.requires_) line("require " + ex(r.cond) + " else " + quote(r.message));
    for (const auto& a : p.route) {
      line((a.cond ? "when " + ex(*a.cond) : std::string("otherwise")) + " -> " + a.target.str());
    }
    for (const auto& s : p.steps) {
      std::string t = "step " + s.name;
      if (s.handler) t += " by " + s.handler->str();
      if (s.budget) t += " within " + ex(*s.budget);
      if (s.cond) t += " when " + ex(*s.cond);
      if (s.result) t += " yields " + *s.result;
      line(t);
    }
    if (p.warn) line("warn " + ex(p.warn->value) + " before due");
    if (p.late_policy) line("on late use " + p.late_policy->str());
    for (const auto& a : p.late) line("late " + late(a));
  }

  std::string late(const LateAction& a) { return late_text(f_, a); }

  void decl(const AuthorityRule& r) {
    line(std::string(r.kind == AuthorityRule::Kind::Decentralise ? "decentralise " : "delegate ") +
         r.subject.str() + " " + at(r.loc));
    Indent in(indent_);
    if (r.from) line("from " + r.from->str());
    if (r.to) line("to " + r.to->str());
    if (r.for_) line("for " + r.for_->str());
    if (r.when) line("when " + ex(*r.when));
    if (r.effective) line("effective " + format_date(r.effective->value));
    if (r.until) line("until " + format_date(r.until->value));
    for (const auto& b : r.basis) line("basis " + quote(b.value));
  }

  void decl(const EnumDecl& e) {
    std::string vals;
    for (const auto& v : e.values) vals += (vals.empty() ? "" : ", ") + v.value;
    line("enum " + e.name + " {" + vals + "} " + at(e.loc));
  }

  void decl(const Function& fn) {
    std::string ps;
    for (const auto& p : fn.params) ps += (ps.empty() ? "" : ", ") + p.name + ": " + type(p.type);
    line("fn " + fn.name + "(" + ps + ") -> " + type(fn.result) + " = " + ex(fn.body) + " " +
         at(fn.loc));
  }

  void decl(const Test& t) {
    line("test " + quote(t.name) + " " + at(t.loc));
    Indent in(indent_);
    for (const auto& it : t.items) {
      if (it.kind == TestItem::Kind::Given) {
        std::string s = "given " + it.procedure.str() + " {";
        for (size_t i = 0; i < it.inits.size(); ++i) {
          s += (i ? ", " : "") + it.inits[i].name + ": " + ex(it.inits[i].value);
        }
        s += "}";
        if (it.received) s += " received " + format_datetime(it.received->value);
        if (it.received_at) s += " at " + ex(*it.received_at);
        line(s);
      } else {
        line("expect " + ex(it.expect));
      }
    }
  }

  void decl(const Scenario& s) {
    line("scenario " + quote(s.name) + " " + at(s.loc) +
         " items=" + std::to_string(s.items.size()));
  }

  void decl(const LevelDecl& l) {
    line("level " + l.name + (l.title.empty() ? "" : " " + quote(l.title)) + " " + at(l.loc));
    Indent in(indent_);
    for (const auto& a : l.agencies) {
      std::string roles;
      for (const auto& r : a.roles) roles += " " + r.name;
      line("agency " + a.name + (roles.empty() ? "" : " roles" + roles));
    }
    for (const auto& r : l.roles) line("role " + r.name);
  }

  void decl(const Chain& c) {
    std::string s;
    for (const auto& p : c.procedures) s += (s.empty() ? "" : " -> ") + p.str();
    line("chain " + c.name + " {" + s + "} " + at(c.loc));
  }

  void decl(const Policy& p) {
    line("policy " + p.name + " " + at(p.loc));
    Indent in(indent_);
    for (const auto& a : p.actions) line(late(a));
  }

  const File& f_;
  std::string out_;
  int indent_ = 0;
};

}  // namespace

std::string expr_to_string(const File& f, ExprId id) {
  return print(f, id, 0);
}

std::string dump(const File& f) {
  return Dumper(f).run();
}

}  // namespace hoso::ast
