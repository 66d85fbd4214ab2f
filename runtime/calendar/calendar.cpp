// Deadline arithmetic on the precomputed tables. Every operation is a few
// array lookups (working days) or one binary search (working minutes): the
// simulator calls these hundreds of millions of times.
#include <algorithm>
#include <cmath>
#include <mutex>

#include "calendar_data.h"

namespace hoso::calendar {

Calendar::Calendar(Data&& data)
    : first_(data.first),
      day_length_(data.day_length),
      cutoff_(data.cutoff),
      profiles_(std::move(data.profiles)),
      profile_(std::move(data.profile)),
      kind_(std::move(data.kind)),
      entries_(std::move(data.entries)) {
  const std::size_t n = kind_.size();
  wd_prefix_.resize(n + 1);
  wm_prefix_.resize(n + 1);
  for (std::size_t i = 0; i < n; ++i) {
    const Profile& p = profiles_[profile_[i]];
    const bool working = p.count > 0;
    wd_prefix_[i + 1] = wd_prefix_[i] + (working ? 1 : 0);
    wm_prefix_[i + 1] = wm_prefix_[i] + p.total;
    if (working) {
      work_day_.push_back(static_cast<std::int32_t>(i));
      work_pos_.push_back(wm_prefix_[i]);
    }
  }
}

DayKind Calendar::day_kind(Date d) const {
  return in_range(d) ? kind_[static_cast<std::size_t>(index_of(d))] : DayKind::kRestDay;
}

std::span<const OfficeInterval> Calendar::office_hours(Date d) const {
  if (!in_range(d)) return {};
  const Profile& p = profiles_[profile_[static_cast<std::size_t>(index_of(d))]];
  return {p.iv.data(), p.count};
}

std::int32_t Calendar::working_minutes_on(Date d) const {
  return in_range(d) ? profiles_[profile_[static_cast<std::size_t>(index_of(d))]].total : 0;
}

std::vector<CalendarEntry> Calendar::entries(std::int32_t year) const {
  const Date a = days_from_civil(year, 1, 1), b = days_from_civil(year + 1, 1, 1);
  auto lo = std::lower_bound(entries_.begin(), entries_.end(), a,
                             [](const CalendarEntry& e, Date d) { return e.date < d; });
  auto hi = std::lower_bound(lo, entries_.end(), b,
                             [](const CalendarEntry& e, Date d) { return e.date < d; });
  return {lo, hi};
}

std::int64_t Calendar::working_position(std::int32_t i, std::int32_t minute) const noexcept {
  const Profile& p = profiles_[profile_[static_cast<std::size_t>(i)]];
  std::int64_t w = wm_prefix_[static_cast<std::size_t>(i)];
  for (std::uint8_t q = 0; q < p.count; ++q) {
    w += std::clamp<std::int32_t>(minute - p.iv[q].open, 0, p.iv[q].close - p.iv[q].open);
  }
  return w;
}

std::optional<Instant> Calendar::next_opening_after_day(std::int32_t i) const noexcept {
  const auto k = static_cast<std::size_t>(wd_prefix_[static_cast<std::size_t>(i) + 1]);
  if (k >= work_day_.size()) return std::nullopt;
  const std::int32_t j = work_day_[k];
  return make_instant(first_ + j, profiles_[profile_[static_cast<std::size_t>(j)]].iv[0].open);
}

std::optional<Instant> Calendar::last_close_before_day(std::int32_t i) const noexcept {
  const std::int32_t k = wd_prefix_[static_cast<std::size_t>(i)] - 1;
  if (k < 0) return std::nullopt;
  const std::int32_t j = work_day_[static_cast<std::size_t>(k)];
  const Profile& p = profiles_[profile_[static_cast<std::size_t>(j)]];
  return make_instant(first_ + j, p.iv[p.count - 1].close);
}

std::optional<Instant> Calendar::round(Instant t, Rounding r) const noexcept {
  const Date d = date_of(t);
  if (!in_range(d)) return std::nullopt;
  const std::int32_t i = index_of(d), c = minute_of_day(t);
  const Profile& p = profiles_[profile_[static_cast<std::size_t>(i)]];
  for (std::uint8_t q = 0; q < p.count; ++q) {
    if (c < p.iv[q].open) {  // before this interval (and after the previous one)
      if (r == Rounding::kToOpening) return make_instant(d, p.iv[q].open);
      return q > 0 ? make_instant(d, p.iv[q - 1].close) : last_close_before_day(i);
    }
    if (c <= p.iv[q].close) return t;
  }
  // After the last closing, or a day without office hours.
  if (r == Rounding::kToClose) {
    return p.count > 0 ? make_instant(d, p.iv[p.count - 1].close) : last_close_before_day(i);
  }
  return next_opening_after_day(i);
}

std::optional<Instant> Calendar::intake(Instant received) const noexcept {
  const Date d = date_of(received);
  if (!in_range(d)) return std::nullopt;
  const std::int32_t i = index_of(d);
  if (cutoff_ && profile_[static_cast<std::size_t>(i)] != 0 && minute_of_day(received) > *cutoff_) {
    return next_opening_after_day(i);
  }
  return round(received, Rounding::kToOpening);
}

std::optional<Instant> Calendar::add_working_days(Instant t, std::int32_t n,
                                                  Rounding r) const noexcept {
  const auto start = round(t, r);
  if (!start) return std::nullopt;
  const std::int32_t i = index_of(date_of(*start)), c = minute_of_day(*start);
  // `start` is office time, so day i is a working day with index wd_prefix_[i].
  const std::int64_t k = std::int64_t{wd_prefix_[static_cast<std::size_t>(i)]} + n;
  if (k < 0 || k >= static_cast<std::int64_t>(work_day_.size())) return std::nullopt;
  const std::int32_t j = work_day_[static_cast<std::size_t>(k)];
  const Profile& p = profiles_[profile_[static_cast<std::size_t>(j)]];
  const Date target = first_ + j;
  if (c < p.iv[0].open) return make_instant(target, p.iv[0].open);  // never an earlier day
  for (std::uint8_t q = 0; q < p.count; ++q) {
    if (c <= p.iv[q].close) {
      if (c >= p.iv[q].open) return make_instant(target, c);
      return make_instant(target, r == Rounding::kToOpening ? p.iv[q].open : p.iv[q - 1].close);
    }
  }
  if (r == Rounding::kToClose) return make_instant(target, p.iv[p.count - 1].close);
  return next_opening_after_day(j);
}

std::optional<Instant> Calendar::from_position(std::int64_t w, Rounding r) const noexcept {
  if (work_pos_.empty() || w < 0 || w > wm_prefix_.back()) return std::nullopt;
  // kToOpening: the working day whose office time contains w (w at its start
  // belongs to it); kToClose: the day whose office time ends at or after w.
  std::size_t k;
  if (r == Rounding::kToOpening) {
    k = static_cast<std::size_t>(std::upper_bound(work_pos_.begin(), work_pos_.end(), w) -
                                 work_pos_.begin());
    if (k == 0) return std::nullopt;
    --k;
  } else {
    k = static_cast<std::size_t>(std::lower_bound(work_pos_.begin(), work_pos_.end(), w) -
                                 work_pos_.begin());
    k = k == 0 ? 0 : k - 1;
  }
  const std::int32_t j = work_day_[k];
  const Profile& p = profiles_[profile_[static_cast<std::size_t>(j)]];
  std::int64_t off = w - work_pos_[k];
  for (std::uint8_t q = 0; q < p.count; ++q) {
    const std::int64_t len = p.iv[q].close - p.iv[q].open;
    if (off < len || (r == Rounding::kToClose && off == len) || q + 1 == p.count) {
      return make_instant(first_ + j, static_cast<std::int32_t>(p.iv[q].open + off));
    }
    off -= len;
  }
  return std::nullopt;
}

std::optional<Instant> Calendar::add_working_minutes(Instant t, std::int64_t m,
                                                     Rounding r) const noexcept {
  const Date d = date_of(t);
  if (!in_range(d)) return std::nullopt;
  if (m == 0) return t;
  return from_position(working_position(index_of(d), minute_of_day(t)) + m, r);
}

std::optional<std::int64_t> Calendar::working_minutes_between(Instant a, Instant b) const noexcept {
  const Date da = date_of(a), db = date_of(b);
  if (!in_range(da) || !in_range(db)) return std::nullopt;
  return working_position(index_of(db), minute_of_day(b)) -
         working_position(index_of(da), minute_of_day(a));
}

std::int64_t Calendar::working_minutes_for_days(double days) const noexcept {
  return std::llround(days * day_length_);
}

}  // namespace hoso::calendar
