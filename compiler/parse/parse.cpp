// ANTLR's room: lexing and parsing with error listeners that emit Hoso
// diagnostics, a bracket-depth guard before the recursive-descent parser
// runs, and the conversion from parse tree to AST (the tree dies here).
#include "parse/parse.h"

#include <pthread.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <set>

#include <fmt/format.h>
#include "HosoBaseVisitor.h"
#include "HosoLexer.h"
#include "HosoParser.h"
#include "antlr4-runtime.h"
#include "hoso/calendar.h"
#include "parse/lexer.h"

namespace hoso::parse {
namespace {

using P = hoso_antlr::HosoParser;
using base::Loc;

// Runs fn on a thread with a large stack: ANTLR's recursive descent and our
// tree walk recurse per nesting level, and the caller's stack may be small.
void run_with_big_stack(const std::function<void()>& fn) {
  struct Box {
    const std::function<void()>* fn;
  } box{&fn};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, size_t{512} << 20);
  pthread_t th;
  auto tramp = [](void* p) -> void* {
    (*static_cast<Box*>(p)->fn)();
    return nullptr;
  };
  if (pthread_create(&th, &attr, tramp, &box) != 0) {
    pthread_attr_destroy(&attr);
    fn();  // fall back to this thread; the depth guard still protects us
    return;
  }
  pthread_join(th, nullptr);
  pthread_attr_destroy(&attr);
}

Loc token_loc(uint32_t file, const antlr4::Token* t) {
  Loc l;
  if (t == nullptr) return l;
  l.file = file;
  l.line = static_cast<uint32_t>(t->getLine());
  l.col = static_cast<uint32_t>(t->getCharPositionInLine()) + 1;
  l.end_line = l.line;
  // The token's length in code points, without copying its text.
  size_t len = t->getType() == antlr4::Token::EOF || t->getStopIndex() < t->getStartIndex()
                   ? 1
                   : t->getStopIndex() - t->getStartIndex() + 1;
  l.end_col = l.col + static_cast<uint32_t>(std::max<size_t>(1, len));
  if (t->getType() == hoso_antlr::HosoLexer::BLOCK_COMMENT) l.end_col = l.col + 1;
  return l;
}

std::string describe_token(const antlr4::Token* t) {
  if (t == nullptr || t->getType() == antlr4::Token::EOF) return "end of file";
  std::string s = t->getText();
  if (base::utf8_length(s) > 30) s = s.substr(0, base::utf8_offset_of_col(s, 28)) + "...";
  return "`" + s + "`";
}

class DiagListener : public antlr4::BaseErrorListener {
 public:
  DiagListener(uint32_t file, diag::Diagnostics& diags, const Limits& limits)
      : file_(file), diags_(diags), limits_(limits) {}

  void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* offending, size_t line,
                   size_t col, const std::string& msg, std::exception_ptr) override {
    if (count_ >= limits_.max_errors_per_file) return;
    if (offending != nullptr && offending->getType() == hoso_antlr::HosoLexer::UNKNOWN_CHAR) {
      return;  // already reported by the lexer pass
    }
    Loc l;
    if (offending != nullptr) {
      l = token_loc(file_, offending);
    } else {
      l.file = file_;
      l.line = static_cast<uint32_t>(line);
      l.col = static_cast<uint32_t>(col) + 1;
      l.end_line = l.line;
      l.end_col = l.col + 1;
    }
    // Error recovery echoes the first error on the next lines; report one
    // error per three lines.
    if (last_line_ != 0 && l.line <= last_line_ + 2) return;
    last_line_ = l.line;
    ++count_;
    std::string message = "unexpected " + describe_token(offending);
    auto* parser = dynamic_cast<antlr4::Parser*>(recognizer);
    if (parser != nullptr) {
      std::string expected = expected_text(parser);
      if (!expected.empty()) message += "; expected " + expected;
    } else {
      message = msg;
    }
    diags_.report(diag::Kind::SyntaxError, l, message);
  }

 private:
  static std::string expected_text(antlr4::Parser* parser) {
    antlr4::misc::IntervalSet set;
    try {
      set = parser->getExpectedTokens();
    } catch (...) {
      return "";
    }
    const auto& vocab = parser->getVocabulary();
    bool name_ok = set.contains(static_cast<size_t>(hoso_antlr::HosoLexer::ID));
    std::vector<std::string> words;
    for (ssize_t t : set.toList()) {
      if (t == static_cast<ssize_t>(antlr4::Token::EOF)) {
        words.emplace_back("end of file");
        continue;
      }
      if (name_ok && t != hoso_antlr::HosoLexer::ID) {
        // Soft keywords are names too; listing them all helps nobody.
        std::string lit = vocab.getLiteralName(static_cast<size_t>(t));
        if (!lit.empty() && std::isalpha(static_cast<unsigned char>(lit[1]))) continue;
      }
      std::string w;
      if (t == hoso_antlr::HosoLexer::ID) {
        w = "a name";
      } else if (t == hoso_antlr::HosoLexer::STRING) {
        w = "a \"string\"";
      } else if (t == hoso_antlr::HosoLexer::INT || t == hoso_antlr::HosoLexer::DECIMAL) {
        w = "a number";
      } else if (t == hoso_antlr::HosoLexer::DATE) {
        w = "a date (YYYY-MM-DD)";
      } else if (t == hoso_antlr::HosoLexer::TIME) {
        w = "a time (HH:MM)";
      } else {
        std::string lit = vocab.getLiteralName(static_cast<size_t>(t));
        if (lit.size() >= 2) w = "`" + lit.substr(1, lit.size() - 2) + "`";
      }
      if (!w.empty() && std::find(words.begin(), words.end(), w) == words.end()) {
        words.push_back(w);
      }
    }
    if (words.empty() || words.size() > 8) return "";
    std::string out;
    for (size_t i = 0; i < words.size(); ++i) {
      if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
      out += words[i];
    }
    return out;
  }

  uint32_t file_;
  diag::Diagnostics& diags_;
  const Limits& limits_;
  uint32_t count_ = 0;
  uint32_t last_line_ = 0;
};

// ---------------------------------------------------------------- tree -> AST

// The labelled alternatives the builder tells apart.
#define HOSO_ALTS(X) \
  X(AddExpr)         \
  X(AgencyMember)    \
  X(AndExpr)         \
  X(ApologiseAction) \
  X(ArrivalsItem)    \
  X(BasisItem)       \
  X(BoolExpr)        \
  X(ByClause)        \
  X(CalendarType)    \
  X(CallExpr)        \
  X(CapacityItem)    \
  X(CmpExpr)         \
  X(CodeItem)        \
  X(CompareItem)     \
  X(DateExpr)        \
  X(DeadlineItem)    \
  X(DossierItem)     \
  X(EffectiveClause) \
  X(EscalateAction)  \
  X(ExpectItem)      \
  X(FeeItem)         \
  X(FieldMember)     \
  X(ForClause)       \
  X(FromClause)      \
  X(GivenItem)       \
  X(IfExpr)          \
  X(InRangeExpr)     \
  X(InSetExpr)       \
  X(LateItem)        \
  X(LevelItem)       \
  X(MemberExpr)      \
  X(MulExpr)         \
  X(NameExpr)        \
  X(NamedType)       \
  X(NegExpr)         \
  X(NotExpr)         \
  X(NotifyAction)    \
  X(NumberExpr)      \
  X(OnlineItem)      \
  X(OrExpr)          \
  X(OtherwiseArm)    \
  X(ParenExpr)       \
  X(PeriodItem)      \
  X(ReceiveItem)     \
  X(ReportItem)      \
  X(RequireMember)   \
  X(RoleMember)      \
  X(RouteItem)       \
  X(RuleBasisClause) \
  X(RuleWhenClause)  \
  X(SectorItem)      \
  X(StepsItem)       \
  X(StringExpr)      \
  X(SupplementItem)  \
  X(TitleItem)       \
  X(ToClause)        \
  X(UnitLitExpr)     \
  X(WarnItem)        \
  X(WhenArm)         \
  X(WhenClause)      \
  X(WithinClause)    \
  X(WorkingType)     \
  X(YieldsClause)

enum class Alt : uint8_t {
  None,
#define HOSO_ENUM(A) A,
  HOSO_ALTS(HOSO_ENUM)
#undef HOSO_ENUM
};

template <class T>
constexpr Alt kAltOf = Alt::None;
#define HOSO_TRAIT(A) \
  template <>         \
  constexpr Alt kAltOf<P::A##Context> = Alt::A;
HOSO_ALTS(HOSO_TRAIT)
#undef HOSO_TRAIT

// Which labelled alternative a context is: one virtual accept() instead of a
// chain of failing dynamic_casts (which were about 10 % of checking).
class AltOf final : public hoso_antlr::HosoBaseVisitor {
 public:
  Alt of(antlr4::tree::ParseTree* t) {
    alt_ = Alt::None;
    t->accept(this);
    return alt_;
  }

 private:
#define HOSO_VISIT(A)                               \
  antlrcpp::Any visit##A(P::A##Context*) override { \
    alt_ = Alt::A;                                  \
    return {};                                      \
  }
  HOSO_ALTS(HOSO_VISIT)
#undef HOSO_VISIT
  Alt alt_ = Alt::None;
};

class Builder {
 public:
  Builder(ast::File& out, const Lexer& lexer, uint32_t file, diag::Diagnostics& diags,
          const Limits& limits)
      : out_(out), lexer_(lexer), file_(file), diags_(diags), limits_(limits) {}

  void file(P::FileContext* ctx) {
    if (auto* m = ctx->moduleDecl()) out_.module = qname(m->qname());
    for (auto* u : ctx->useDecl()) out_.uses.push_back(qname(u->qname()));
    for (auto* d : ctx->decl()) decl(d);
  }

 private:
  // ctx as a T if it is that labelled alternative, else null. The last
  // answer is kept: the if-chains below ask about one node several times.
  template <class T>
  T* as(antlr4::tree::ParseTree* ctx) {
    if (ctx != last_node_) {
      last_node_ = ctx;
      last_alt_ = alt_of_.of(ctx);
    }
    return last_alt_ == kAltOf<T> ? static_cast<T*>(ctx) : nullptr;
  }

  Loc loc(antlr4::ParserRuleContext* ctx) {
    Loc l = token_loc(file_, ctx->getStart());
    const antlr4::Token* stop = ctx->getStop();
    if (stop != nullptr && stop->getTokenIndex() >= ctx->getStart()->getTokenIndex()) {
      Loc e = token_loc(file_, stop);
      l.end_line = e.end_line;
      l.end_col = e.end_col;
    }
    return l;
  }
  Loc loc(antlr4::tree::TerminalNode* n) { return token_loc(file_, n->getSymbol()); }

  // A token's text, straight from the UTF-8 source.
  std::string text(const antlr4::Token* t) {
    std::string_view v = lexer_.token_text(t);
    if (v.empty() && t != nullptr && t->getType() != antlr4::Token::EOF) return t->getText();
    return std::string(v);
  }
  std::string text(antlr4::tree::TerminalNode* n) { return text(n->getSymbol()); }

  // `name` is one token (ID or a soft keyword).
  std::string name(P::NameContext* n) { return n == nullptr ? "" : text(n->getStart()); }

  ast::QName qname(P::QnameContext* ctx) {
    ast::QName q;
    if (ctx == nullptr) return q;
    // name ('.' name)*: the names are the even children (the builder only
    // sees trees without syntax errors).
    for (size_t i = 0; i < ctx->children.size(); i += 2) {
      q.parts.push_back(
          text(static_cast<antlr4::ParserRuleContext*>(ctx->children[i])->getStart()));
    }
    q.loc = loc(ctx);
    return q;
  }

  std::string string_lit(antlr4::tree::TerminalNode* n) {
    if (n == nullptr) return "";
    std::string_view raw = lexer_.token_text(n->getSymbol());
    std::string owned;
    if (raw.empty()) raw = owned = n->getText();
    std::string s;
    s.reserve(raw.size());
    for (size_t i = 1; i + 1 < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 2 < raw.size()) {
        char c = raw[++i];
        s += c == 'n' ? '\n' : c == 't' ? '\t' : c;
      } else {
        s += raw[i];
      }
    }
    return s;
  }

  ast::Located<std::string> located_string(antlr4::tree::TerminalNode* n) {
    return {string_lit(n), loc(n)};
  }

  std::optional<int32_t> date(antlr4::tree::TerminalNode* n) {
    if (n == nullptr) return std::nullopt;
    auto parsed = calendar::parse_date(text(n));
    std::optional<int32_t> d;
    if (parsed) d = *parsed;
    if (!d) {
      diags_.report(diag::Kind::InvalidDate, loc(n), "`" + n->getText() + "` is not a real date")
          .suggestion = "write a date as YYYY-MM-DD with a month 01-12 and a day that month has";
    }
    return d;
  }

  std::optional<int32_t> time(antlr4::tree::TerminalNode* n) {
    if (n == nullptr) return 0;
    // A time of day is the minutes of an instant on day 0.
    auto parsed = calendar::parse_instant("1970-01-01 " + std::string(text(n)));
    std::optional<int32_t> t;
    if (parsed) t = static_cast<int32_t>(*parsed);
    if (!t) {
      diags_.report(diag::Kind::InvalidDate, loc(n), "`" + n->getText() + "` is not a time of day")
          .suggestion = "write a time as HH:MM between 00:00 and 23:59";
    }
    return t;
  }

  void decl(P::DeclContext* d) {
    std::string doc = doc_comment(d);
    if (auto* p = d->procedureDecl()) {
      out_.decls.emplace_back(procedure(p, doc));
    } else if (auto* r = d->decentraliseDecl()) {
      out_.decls.emplace_back(authority(ast::AuthorityRule::Kind::Decentralise, r->qname(),
                                        r->ruleClause(), loc(r), doc));
    } else if (auto* g = d->delegateDecl()) {
      out_.decls.emplace_back(
          authority(ast::AuthorityRule::Kind::Delegate, g->qname(), g->ruleClause(), loc(g), doc));
    } else if (auto* e = d->enumDecl()) {
      ast::EnumDecl en;
      auto names = e->name();
      en.name = name(names[0]);
      en.loc = loc(e);
      en.doc = doc;
      for (size_t i = 1; i < names.size(); ++i)
        en.values.push_back({name(names[i]), loc(names[i])});
      out_.decls.emplace_back(std::move(en));
    } else if (auto* f = d->functionDecl()) {
      ast::Function fn;
      fn.name = name(f->name());
      fn.loc = loc(f);
      fn.doc = doc;
      for (auto* prm : f->param())
        fn.params.push_back({name(prm->name()), loc(prm), type(prm->typeRef())});
      fn.result = type(f->typeRef());
      fn.body = expr(f->expr());
      out_.decls.emplace_back(std::move(fn));
    } else if (auto* t = d->testDecl()) {
      out_.decls.emplace_back(test(t));
    } else if (auto* s = d->scenarioDecl()) {
      out_.decls.emplace_back(scenario(s));
    } else if (auto* l = d->levelDecl()) {
      out_.decls.emplace_back(level(l, doc));
    } else if (auto* c = d->chainDecl()) {
      ast::Chain ch;
      ch.name = name(c->name());
      ch.title = string_lit(c->STRING());
      ch.loc = loc(c);
      ch.doc = doc;
      for (auto* q : c->qname()) ch.procedures.push_back(qname(q));
      out_.decls.emplace_back(std::move(ch));
    } else if (auto* pol = d->policyDecl()) {
      ast::Policy po;
      po.name = name(pol->name());
      po.loc = loc(pol);
      po.doc = doc;
      for (auto* a : pol->lateAction()) po.actions.push_back(late_action(a));
      out_.decls.emplace_back(std::move(po));
    }
  }

  // The `///` lines right above a declaration document it.
  std::string doc_comment(antlr4::ParserRuleContext* ctx) {
    std::string doc;
    uint32_t line = static_cast<uint32_t>(ctx->getStart()->getLine());
    for (auto it = out_.comments.rbegin(); it != out_.comments.rend(); ++it) {
      if (it->loc.line >= line) continue;
      if (it->loc.line + 1 != line || it->text.rfind("///", 0) != 0) break;
      std::string t = it->text.substr(3);
      if (!t.empty() && t[0] == ' ') t.erase(0, 1);
      doc = doc.empty() ? t : t + "\n" + doc;
      line = it->loc.line;
    }
    return doc;
  }

  ast::LevelDecl level(P::LevelDeclContext* l, const std::string& doc) {
    ast::LevelDecl lv;
    lv.name = name(l->name());
    lv.title = string_lit(l->STRING());
    lv.loc = loc(l);
    lv.doc = doc;
    for (auto* m : l->levelMember()) {
      if (auto* a = as<P::AgencyMemberContext>(m)) {
        ast::Agency ag{name(a->name()), string_lit(a->STRING()), loc(a), {}};
        for (auto* r : a->roleDecl()) ag.roles.push_back(role(r));
        lv.order.push_back(static_cast<int32_t>(lv.agencies.size()));
        lv.agencies.push_back(std::move(ag));
      } else if (auto* r = as<P::RoleMemberContext>(m)) {
        lv.order.push_back(~static_cast<int32_t>(lv.roles.size()));
        lv.roles.push_back(role(r->roleDecl()));
      }
    }
    return lv;
  }

  ast::Role role(P::RoleDeclContext* r) {
    return {name(r->name()), string_lit(r->STRING()), loc(r)};
  }

  ast::TypeRef type(P::TypeRefContext* t) {
    ast::TypeRef tr;
    if (t == nullptr) return tr;
    tr.loc = loc(t);
    if (auto* w = as<P::WorkingTypeContext>(t)) {
      tr.kind = (w->HOURS() != nullptr || w->HOUR() != nullptr) ? ast::TypeRef::Kind::WorkingHours
                                                                : ast::TypeRef::Kind::WorkingDays;
    } else if (as<P::CalendarTypeContext>(t) != nullptr) {
      tr.kind = ast::TypeRef::Kind::CalendarDays;
    } else if (auto* n = as<P::NamedTypeContext>(t)) {
      tr.name = qname(n->qname());
    }
    return tr;
  }

  ast::Procedure procedure(P::ProcedureDeclContext* p, const std::string& doc) {
    ast::Procedure pr;
    pr.name = name(p->name());
    pr.loc = loc(p);
    pr.doc = doc;
    for (auto* item : p->procItem()) {
      if (auto* c = as<P::CodeItemContext>(item)) {
        pr.code = located_string(c->STRING());
      } else if (auto* t = as<P::TitleItemContext>(item)) {
        pr.title = located_string(t->STRING());
      } else if (auto* s = as<P::SectorItemContext>(item)) {
        pr.sector = ast::Located<std::string>{name(s->name()), loc(s)};
      } else if (auto* b = as<P::BasisItemContext>(item)) {
        for (auto* str : b->STRING()) pr.basis.push_back(located_string(str));
      } else if (auto* l = as<P::LevelItemContext>(item)) {
        pr.level = ast::Located<std::string>{name(l->name()), loc(l->name())};
      } else if (auto* d = as<P::DeadlineItemContext>(item)) {
        pr.deadline = ast::Located<ast::ExprId>{expr(d->expr()), loc(d)};
      } else if (auto* r = as<P::ReceiveItemContext>(item)) {
        if (r->ANYWHERE() != nullptr) {
          pr.receive_anywhere = ast::Located<std::string>{name(r->name()), loc(r)};
        } else {
          pr.receive_at = qname(r->qname());
        }
      } else if (auto* o = as<P::OnlineItemContext>(item)) {
        pr.online = ast::Located<std::string>{name(o->name()), loc(o->name())};
      } else if (auto* f = as<P::FeeItemContext>(item)) {
        pr.fee = ast::Located<ast::ExprId>{expr(f->expr()), loc(f)};
      } else if (auto* su = as<P::SupplementItemContext>(item)) {
        pr.supplement = ast::Located<std::string>{name(su->name()), loc(su->name())};
      } else if (auto* ds = as<P::DossierItemContext>(item)) {
        for (auto* m : ds->dossierMember()) dossier_member(pr, m);
      } else if (auto* ro = as<P::RouteItemContext>(item)) {
        pr.has_route = true;
        pr.route_loc = loc(ro->ROUTE());
        for (auto* arm : ro->routeArm()) {
          ast::RouteArm a;
          a.loc = loc(arm);
          if (auto* w = as<P::WhenArmContext>(arm)) {
            a.cond = expr(w->expr());
            a.target = qname(w->qname());
          } else if (auto* ow = as<P::OtherwiseArmContext>(arm)) {
            a.target = qname(ow->qname());
          }
          pr.route.push_back(std::move(a));
        }
      } else if (auto* st = as<P::StepsItemContext>(item)) {
        pr.has_steps = true;
        pr.steps_loc = loc(st->STEPS());
        for (auto* sd : st->stepDecl()) pr.steps.push_back(step(sd));
      } else if (auto* w = as<P::WarnItemContext>(item)) {
        pr.warn = ast::Located<ast::ExprId>{expr(w->expr()), loc(w)};
      } else if (auto* lt = as<P::LateItemContext>(item)) {
        pr.has_late = true;
        pr.late_loc = loc(lt);
        if (lt->USE() != nullptr) pr.late_policy = qname(lt->qname());
        for (auto* a : lt->lateAction()) pr.late.push_back(late_action(a));
      }
    }
    return pr;
  }

  void dossier_member(ast::Procedure& pr, P::DossierMemberContext* m) {
    if (auto* f = as<P::FieldMemberContext>(m)) {
      ast::Field fd;
      fd.name = name(f->name());
      fd.loc = loc(f->name());
      fd.type = type(f->typeRef());
      if (f->expr() != nullptr) fd.init = expr(f->expr());
      pr.fields.push_back(std::move(fd));
    } else if (auto* r = as<P::RequireMemberContext>(m)) {
      pr.requires_.push_back({expr(r->expr()), string_lit(r->STRING()), loc(r)});
    }
  }

  ast::Step step(P::StepDeclContext* sd) {
    ast::Step s;
    s.name = name(sd->name());
    s.loc = loc(sd->name());
    for (auto* c : sd->stepClause()) {
      if (auto* b = as<P::ByClauseContext>(c)) {
        s.handler = qname(b->qname());
      } else if (auto* w = as<P::WithinClauseContext>(c)) {
        s.budget = expr(w->expr());
      } else if (auto* wh = as<P::WhenClauseContext>(c)) {
        s.cond = expr(wh->expr());
      } else if (auto* y = as<P::YieldsClauseContext>(c)) {
        s.result = name(y->name());
        s.result_loc = loc(y->name());
      }
    }
    return s;
  }

  ast::LateAction late_action(P::LateActionContext* a) {
    ast::LateAction la;
    la.loc = loc(a);
    if (as<P::ApologiseActionContext>(a) != nullptr) {
      la.kind = ast::LateAction::Kind::Apologise;
    } else if (auto* n = as<P::NotifyActionContext>(a)) {
      la.kind = ast::LateAction::Kind::Notify;
      la.target = qname(n->qname());
    } else if (auto* e = as<P::EscalateActionContext>(a)) {
      la.kind = ast::LateAction::Kind::Escalate;
      la.target = qname(e->qname());
      if (e->expr() != nullptr) la.after = expr(e->expr());
    }
    return la;
  }

  ast::AuthorityRule authority(ast::AuthorityRule::Kind kind, P::QnameContext* subject,
                               const std::vector<P::RuleClauseContext*>& clauses, Loc l,
                               const std::string& doc) {
    ast::AuthorityRule r;
    r.kind = kind;
    r.loc = l;
    r.doc = doc;
    r.subject = qname(subject);
    for (auto* c : clauses) {
      if (auto* f = as<P::FromClauseContext>(c)) {
        r.from = qname(f->qname());
      } else if (auto* t = as<P::ToClauseContext>(c)) {
        r.to = qname(t->qname());
      } else if (auto* fo = as<P::ForClauseContext>(c)) {
        r.for_ = qname(fo->qname());
      } else if (auto* w = as<P::RuleWhenClauseContext>(c)) {
        r.when = expr(w->expr());
      } else if (auto* e = as<P::EffectiveClauseContext>(c)) {
        r.has_effective = true;
        auto dates = e->DATE();
        if (auto d = date(dates[0])) r.effective = ast::Located<int32_t>{*d, loc(dates[0])};
        if (dates.size() > 1) {
          if (auto d2 = date(dates[1])) r.until = ast::Located<int32_t>{*d2, loc(dates[1])};
        }
      } else if (auto* b = as<P::RuleBasisClauseContext>(c)) {
        for (auto* s : b->STRING()) r.basis.push_back(located_string(s));
      }
    }
    return r;
  }

  ast::Test test(P::TestDeclContext* t) {
    ast::Test ts;
    ts.name = string_lit(t->STRING());
    ts.loc = loc(t);
    for (auto* item : t->testItem()) {
      ast::TestItem ti;
      ti.loc = loc(item);
      if (auto* g = as<P::GivenItemContext>(item)) {
        ti.kind = ast::TestItem::Kind::Given;
        ti.procedure = qname(g->qname());
        for (auto* fi : g->fieldInit()) {
          ti.inits.push_back({name(fi->name()), loc(fi->name()), expr(fi->expr())});
        }
        if (auto* rc = g->receivedClause()) {
          auto d = date(rc->DATE());
          auto tm = time(rc->TIME());
          if (d && tm) {
            ti.received = ast::Located<int64_t>{int64_t{*d} * 1440 + *tm, loc(rc)};
          }
          if (rc->expr() != nullptr) ti.received_at = expr(rc->expr());
        }
      } else if (auto* e = as<P::ExpectItemContext>(item)) {
        ti.kind = ast::TestItem::Kind::Expect;
        ti.expect = expr(e->expr());
      }
      ts.items.push_back(std::move(ti));
    }
    return ts;
  }

  ast::Scenario scenario(P::ScenarioDeclContext* s) {
    ast::Scenario sc;
    sc.name = string_lit(s->STRING());
    sc.loc = loc(s);
    for (auto* item : s->scenarioItem()) {
      ast::ScenarioItem si;
      si.loc = loc(item);
      if (auto* p = as<P::PeriodItemContext>(item)) {
        si.kind = ast::ScenarioItem::Kind::Period;
        auto dates = p->DATE();
        si.from = date(dates[0]).value_or(0);
        si.until = dates.size() > 1 ? date(dates[1]).value_or(0) : 0;
      } else if (auto* a = as<P::ArrivalsItemContext>(item)) {
        si.kind = ast::ScenarioItem::Kind::Arrivals;
        si.subject = qname(a->qname());
        si.amount = expr(a->expr());
        for (auto* n : a->name()) si.words.push_back(name(n));
      } else if (auto* c = as<P::CapacityItemContext>(item)) {
        si.kind = ast::ScenarioItem::Kind::Capacity;
        si.subject = qname(c->qname());
        auto exprs = c->expr();
        si.amount = expr(exprs[0]);
        if (exprs.size() > 1) si.per_officer = expr(exprs[1]);
        for (auto* n : c->name()) si.words.push_back(name(n));
      } else if (auto* cmp = as<P::CompareItemContext>(item)) {
        si.kind = ast::ScenarioItem::Kind::Compare;
        auto strs = cmp->STRING();
        si.left = string_lit(strs[0]);
        si.right = strs.size() > 1 ? string_lit(strs[1]) : "";
      } else if (auto* r = as<P::ReportItemContext>(item)) {
        si.kind = ast::ScenarioItem::Kind::Report;
        for (auto* m : r->reportMetric()) {
          std::vector<std::string> words;
          for (auto* n : m->name()) words.push_back(name(n));
          if (m->BY() != nullptr) words.insert(words.end() - 1, "by");
          si.metrics.push_back(std::move(words));
        }
      }
      sc.items.push_back(std::move(si));
    }
    return sc;
  }

  // ---------------------------------------------------------- expressions

  ast::ExprId error_expr(Loc l) {
    ast::Expr e;
    e.kind = ast::ExprKind::Name;
    e.text = "<error>";
    e.loc = l;
    return out_.add(std::move(e));
  }

  std::optional<int64_t> number_value(const std::string& raw, Loc l, bool& is_decimal) {
    int64_t whole = 0;
    int64_t frac = 0;
    int frac_digits = 0;
    bool after_point = false;
    is_decimal = false;
    for (char c : raw) {
      if (c == '_') continue;
      if (c == '.') {
        after_point = true;
        is_decimal = true;
        continue;
      }
      int d = c - '0';
      if (after_point) {
        if (++frac_digits > 3) {
          diags_
              .report(diag::Kind::NumberOutOfRange, l, "`" + raw + "` has more than three decimals")
              .suggestion = "Hoso numbers are exact to 0.001; round the value";
          return std::nullopt;
        }
        frac = frac * 10 + d;
      } else {
        if (whole > (INT64_MAX / ast::kScale - 9) / 10) {
          diags_.report(diag::Kind::NumberOutOfRange, l, "`" + raw + "` is too large").suggestion =
              "numbers must stay below 9,223,372,036,854,775 (with three decimals)";
          return std::nullopt;
        }
        whole = whole * 10 + d;
      }
    }
    while (frac_digits < 3) {
      frac *= 10;
      ++frac_digits;
    }
    return whole * ast::kScale + frac;
  }

  static ast::UnitSuffix unit_suffix(P::UnitSuffixContext* u) {
    if (u == nullptr) return ast::UnitSuffix::None;
    bool hours = u->HOURS() != nullptr || u->HOUR() != nullptr;
    if (u->WORKING() != nullptr) {
      return hours ? ast::UnitSuffix::WorkingHours : ast::UnitSuffix::WorkingDays;
    }
    if (u->CALENDAR() != nullptr) return ast::UnitSuffix::CalendarDays;
    if (u->VND() != nullptr) return ast::UnitSuffix::VND;
    if (u->M2() != nullptr) return ast::UnitSuffix::M2;
    return hours ? ast::UnitSuffix::BareHours : ast::UnitSuffix::BareDays;
  }

  // expr op expr: children 0 and 2, without the generated accessor's
  // dynamic_casts over every child.
  static std::array<P::ExprContext*, 2> operands(antlr4::ParserRuleContext* ctx) {
    return {static_cast<P::ExprContext*>(ctx->children[0]),
            static_cast<P::ExprContext*>(ctx->children[2])};
  }

  ast::ExprId binary(ast::BinOp op, P::ExprContext* a, P::ExprContext* b, Loc l) {
    ast::ExprId x = expr(a);
    ast::ExprId y = expr(b);
    ast::Expr e;
    e.kind = ast::ExprKind::Binary;
    e.op = op;
    e.loc = l;
    e.kids = {x, y};
    return out_.add(std::move(e));
  }

  ast::ExprId expr(P::ExprContext* ctx) {
    if (ctx == nullptr) return error_expr(Loc{});
    Loc l = loc(ctx);
    if (depth_ >= limits_.max_expr_depth) {
      if (!depth_reported_) {
        depth_reported_ = true;
        diags_
            .report(diag::Kind::ExpressionTooLong, l,
                    "expression nested more than " + std::to_string(limits_.max_expr_depth) +
                        " levels deep")
            .suggestion = "split it into named functions (`fn`)";
      }
      return error_expr(l);
    }
    ++depth_;
    ast::ExprId id = expr_inner(ctx, l);
    --depth_;
    return id;
  }

  ast::ExprId expr_inner(P::ExprContext* ctx, Loc l) {
    ast::Expr e;
    e.loc = l;
    if (auto* p = as<P::ParenExprContext>(ctx)) return expr(p->expr());
    if (auto* m = as<P::MemberExprContext>(ctx)) {
      e.kind = ast::ExprKind::Member;
      e.kids = {expr(m->expr())};
      e.text = name(m->name());
      return out_.add(std::move(e));
    }
    if (auto* c = as<P::CallExprContext>(ctx)) {
      e.kind = ast::ExprKind::Call;
      e.text = name(c->name());
      for (auto* a : c->expr()) e.kids.push_back(expr(a));
      return out_.add(std::move(e));
    }
    if (auto* n = as<P::NegExprContext>(ctx)) {
      e.kind = ast::ExprKind::Neg;
      e.kids = {expr(n->expr())};
      return out_.add(std::move(e));
    }
    if (auto* n = as<P::NotExprContext>(ctx)) {
      e.kind = ast::ExprKind::Not;
      e.kids = {expr(n->expr())};
      return out_.add(std::move(e));
    }
    if (auto* m = as<P::MulExprContext>(ctx)) {
      auto k = operands(m);
      return binary(m->op->getType() == P::STAR ? ast::BinOp::Mul : ast::BinOp::Div, k[0], k[1], l);
    }
    if (auto* a = as<P::AddExprContext>(ctx)) {
      auto k = operands(a);
      return binary(a->op->getType() == P::PLUS ? ast::BinOp::Add : ast::BinOp::Sub, k[0], k[1], l);
    }
    if (auto* c = as<P::CmpExprContext>(ctx)) {
      auto k = operands(c);
      size_t op = c->op->getType();
      ast::BinOp bop = op == P::EQ   ? ast::BinOp::Eq
                       : op == P::NE ? ast::BinOp::Ne
                       : op == P::LT ? ast::BinOp::Lt
                       : op == P::LE ? ast::BinOp::Le
                       : op == P::GT ? ast::BinOp::Gt
                                     : ast::BinOp::Ge;
      return binary(bop, k[0], k[1], l);
    }
    if (auto* a = as<P::AndExprContext>(ctx)) {
      auto k = operands(a);
      return binary(ast::BinOp::And, k[0], k[1], l);
    }
    if (auto* o = as<P::OrExprContext>(ctx)) {
      auto k = operands(o);
      return binary(ast::BinOp::Or, k[0], k[1], l);
    }
    if (auto* r = as<P::InRangeExprContext>(ctx)) {
      e.kind = ast::ExprKind::InRange;
      for (auto* x : r->expr()) e.kids.push_back(expr(x));
      return out_.add(std::move(e));
    }
    if (auto* s = as<P::InSetExprContext>(ctx)) {
      e.kind = ast::ExprKind::InSet;
      for (auto* x : s->expr()) e.kids.push_back(expr(x));
      return out_.add(std::move(e));
    }
    if (auto* i = as<P::IfExprContext>(ctx)) {
      e.kind = ast::ExprKind::If;
      for (auto* x : i->expr()) e.kids.push_back(expr(x));
      return out_.add(std::move(e));
    }
    if (auto* n = as<P::NumberExprContext>(ctx)) {
      e.kind = ast::ExprKind::Number;
      e.text = text(n->number()->getStart());
      auto v = number_value(e.text, l, e.is_decimal);
      if (!v) return error_expr(l);
      e.milli = *v;
      e.unit = unit_suffix(n->unitSuffix());
      return out_.add(std::move(e));
    }
    if (auto* s = as<P::StringExprContext>(ctx)) {
      e.kind = ast::ExprKind::String;
      e.text = string_lit(s->STRING());
      return out_.add(std::move(e));
    }
    if (auto* d = as<P::DateExprContext>(ctx)) {
      auto day = date(d->DATE());
      if (!day) return error_expr(l);
      if (d->TIME() != nullptr) {
        auto t = time(d->TIME());
        if (!t) return error_expr(l);
        e.kind = ast::ExprKind::DateTime;
        e.time = int64_t{*day} * 1440 + *t;
      } else {
        e.kind = ast::ExprKind::Date;
        e.time = *day;
      }
      return out_.add(std::move(e));
    }
    if (auto* b = as<P::BoolExprContext>(ctx)) {
      e.kind = ast::ExprKind::Bool;
      e.bool_value = b->TRUE() != nullptr;
      return out_.add(std::move(e));
    }
    if (auto* u = as<P::UnitLitExprContext>(ctx)) {
      e.kind = ast::ExprKind::UnitLit;
      e.text = u->PROVINCE() != nullptr ? "province" : "commune";
      e.text2 = string_lit(u->STRING());
      return out_.add(std::move(e));
    }
    if (auto* n = as<P::NameExprContext>(ctx)) {
      e.kind = ast::ExprKind::Name;
      e.text = name(n->name());
      return out_.add(std::move(e));
    }
    return error_expr(l);
  }

  ast::File& out_;
  const Lexer& lexer_;
  uint32_t file_;
  diag::Diagnostics& diags_;
  const Limits& limits_;
  uint32_t depth_ = 0;
  bool depth_reported_ = false;
  AltOf alt_of_;
  antlr4::tree::ParseTree* last_node_ = nullptr;
  Alt last_alt_ = Alt::None;
};

// Reports characters no token accepts, collects comments, and refuses input
// nested deeper than the parser's recursion can take.
bool scan_tokens(antlr4::CommonTokenStream& tokens, const Lexer& lexer, uint32_t file,
                 ast::File& out, diag::Diagnostics& diags, const Limits& limits) {
  tokens.fill();
  uint32_t depth = 0;
  uint32_t unknown = 0;
  for (antlr4::Token* t : tokens.getTokens()) {
    size_t type = t->getType();
    if (type == hoso_antlr::HosoLexer::LPAREN || type == hoso_antlr::HosoLexer::LBRACE) {
      if (++depth > limits.max_nesting) {
        diags
            .report(
                diag::Kind::NestingTooDeep, token_loc(file, t),
                "brackets nested more than " + std::to_string(limits.max_nesting) + " levels deep")
            .suggestion = "flatten the expression or split it into functions";
        return false;
      }
    } else if (type == hoso_antlr::HosoLexer::RPAREN || type == hoso_antlr::HosoLexer::RBRACE) {
      if (depth > 0) --depth;
    } else if (type == hoso_antlr::HosoLexer::UNKNOWN_CHAR) {
      if (++unknown <= limits.max_errors_per_file) {
        std::string text(lexer.token_text(t));
        auto& d = diags.report(
            diag::Kind::UnknownCharacter, token_loc(file, t),
            text == "\"" ? "unterminated string" : "unexpected character `" + text + "`");
        d.suggestion = text == "\"" ? "close the string with `\"` on the same line"
                                    : "remove it, or put it inside a \"string\" or a comment";
      }
    } else if (t->getChannel() == antlr4::Token::HIDDEN_CHANNEL) {
      out.comments.push_back({token_loc(file, t), std::string(lexer.token_text(t))});
    }
  }
  return unknown == 0;
}

}  // namespace

ast::File parse_file(const base::SourceManager& sm, uint32_t file_id, diag::Diagnostics& diags,
                     const Limits& limits) {
  ast::File out;
  out.file_id = file_id;
  const auto& src = sm.file(file_id);
  size_t bad = base::find_invalid_utf8(src.text);
  if (bad != std::string::npos) {
    auto it = std::upper_bound(src.line_starts.begin(), src.line_starts.end(), bad);
    uint32_t line = static_cast<uint32_t>(it - src.line_starts.begin());
    size_t line_start = src.line_starts[line - 1];
    Loc l{file_id, line,
          base::utf8_length(std::string_view(src.text).substr(line_start, bad - line_start)) + 1,
          line, 0};
    l.end_col = l.col + 1;
    diags
        .report(diag::Kind::InvalidUtf8, l,
                fmt::format("invalid UTF-8 byte 0x{:02X}",
                            static_cast<unsigned>(static_cast<unsigned char>(src.text[bad]))))
        .suggestion = "save the file as UTF-8 (Vietnamese text must be UTF-8)";
    return out;
  }
  run_with_big_stack([&] {
    try {
      antlr4::ANTLRInputStream input(src.text);
      Lexer lexer(src.text, &input);
      antlr4::CommonTokenStream tokens(&lexer);
      if (!scan_tokens(tokens, lexer, file_id, out, diags, limits)) return;
      hoso_antlr::HosoParser parser(&tokens);
      parser.removeErrorListeners();
      // Stage 1: fast SLL prediction, bail on the first error. Stage 2 (only
      // for files with errors or true ambiguities): full LL with recovery.
      parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
          antlr4::atn::PredictionMode::SLL);
      parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
      P::FileContext* tree = nullptr;
      try {
        tree = parser.file();
      } catch (const antlr4::ParseCancellationException&) {
        tree = nullptr;
      }
      if (tree == nullptr) {
        tokens.seek(0);
        parser.reset();
        parser.setErrorHandler(std::make_shared<antlr4::DefaultErrorStrategy>());
        parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
            antlr4::atn::PredictionMode::LL);
        DiagListener listener(file_id, diags, limits);
        parser.addErrorListener(&listener);
        tree = parser.file();
        parser.removeErrorListeners();
        if (parser.getNumberOfSyntaxErrors() > 0) return;
      }
      Builder(out, lexer, file_id, diags, limits).file(tree);
    } catch (const std::exception& e) {
      diags.report(diag::Kind::SyntaxError, Loc{file_id, 1, 1, 1, 2},
                   std::string("the parser gave up: ") + e.what());
    } catch (...) {
      diags.report(diag::Kind::SyntaxError, Loc{file_id, 1, 1, 1, 2}, "the parser gave up");
    }
  });
  return out;
}

}  // namespace hoso::parse
