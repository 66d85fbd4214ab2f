// Domain checks on a typed Program: the six clears, budgets against the
// statutory deadline, route exhaustiveness and shadowed arms, authority
// periods, escalation levels, unreachable steps, recursion.
#pragma once

#include "check/check.h"

namespace hoso::check {

void run_domain_checks(Program& p, const base::SourceManager& sm, diag::Diagnostics& diags);

// Working minutes of a constant duration expression (8-hour working days),
// or nullopt when it is not a constant working duration.
std::optional<int64_t> constant_working_minutes(const Program& p, uint32_t file, ast::ExprId id);

}  // namespace hoso::check
