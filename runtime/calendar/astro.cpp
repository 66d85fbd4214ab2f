// See astro.h for the sources of every formula.
#include "astro.h"

#include <array>
#include <cmath>
#include <numbers>

namespace hoso::calendar::astro {
namespace {

constexpr double kDeg = std::numbers::pi / 180.0;
double sind(double deg) {
  return std::sin(deg * kDeg);
}
double norm360(double deg) {
  const double r = std::fmod(deg, 360.0);
  return r < 0 ? r + 360.0 : r;
}

constexpr double kJdUnixEpoch = 2440587.5;  // 1970-01-01 00:00 UT

}  // namespace

double new_moon_jde(std::int64_t k64) {
  const double k = static_cast<double>(k64);
  const double t = k / 1236.85;
  const double t2 = t * t, t3 = t2 * t, t4 = t3 * t;
  double jde =
      2451550.09766 + 29.530588861 * k + 0.00015437 * t2 - 0.000000150 * t3 + 0.00000000073 * t4;
  const double e = 1 - 0.002516 * t - 0.0000074 * t2;
  const double m = 2.5534 + 29.10535670 * k - 0.0000014 * t2 - 0.00000011 * t3;
  const double mp =
      201.5643 + 385.81693528 * k + 0.0107582 * t2 + 0.00001238 * t3 - 0.000000058 * t4;
  const double f =
      160.7108 + 390.67050284 * k - 0.0016118 * t2 - 0.00000227 * t3 + 0.000000011 * t4;
  const double om = 124.7746 - 1.56375588 * k + 0.0020672 * t2 + 0.00000215 * t3;
  // Periodic terms for the new moon (Meeus table in ch. 49).
  jde += -0.40720 * sind(mp) + 0.17241 * e * sind(m) + 0.01608 * sind(2 * mp) +
         0.01039 * sind(2 * f) + 0.00739 * e * sind(mp - m) - 0.00514 * e * sind(mp + m) +
         0.00208 * e * e * sind(2 * m) - 0.00111 * sind(mp - 2 * f) - 0.00057 * sind(mp + 2 * f) +
         0.00056 * e * sind(2 * mp + m) - 0.00042 * sind(3 * mp) + 0.00042 * e * sind(m + 2 * f) +
         0.00038 * e * sind(m - 2 * f) - 0.00024 * e * sind(2 * mp - m) - 0.00017 * sind(om) -
         0.00007 * sind(mp + 2 * m) + 0.00004 * sind(2 * mp - 2 * f) + 0.00004 * sind(3 * m) +
         0.00003 * sind(mp + m - 2 * f) + 0.00003 * sind(2 * mp + 2 * f) -
         0.00003 * sind(mp + m + 2 * f) + 0.00003 * sind(mp - m + 2 * f) -
         0.00002 * sind(mp - m - 2 * f) - 0.00002 * sind(3 * mp + m) + 0.00002 * sind(4 * mp);
  // Additional corrections from the planetary arguments A1..A14.
  static constexpr std::array<std::array<double, 3>, 14> kPlanetary{{
      {299.77, 0.107408, 0.000325},
      {251.88, 0.016321, 0.000165},
      {251.83, 26.651886, 0.000164},
      {349.42, 36.412478, 0.000126},
      {84.66, 18.206239, 0.000110},
      {141.74, 53.303771, 0.000062},
      {207.14, 2.453732, 0.000060},
      {154.84, 7.306860, 0.000056},
      {34.52, 27.261239, 0.000047},
      {207.19, 0.121824, 0.000042},
      {291.34, 1.844379, 0.000040},
      {161.72, 24.198154, 0.000037},
      {239.56, 25.513099, 0.000035},
      {331.55, 3.592518, 0.000023},
  }};
  for (std::size_t i = 0; i < kPlanetary.size(); ++i) {
    double arg = kPlanetary[i][0] + kPlanetary[i][1] * k;
    if (i == 0) arg -= 0.009173 * t2;
    jde += kPlanetary[i][2] * sind(arg);
  }
  return jde;
}

double sun_apparent_longitude(double jde) {
  const double t = (jde - 2451545.0) / 36525.0;
  const double l0 = 280.46646 + 36000.76983 * t + 0.0003032 * t * t;
  const double m = 357.52911 + 35999.05029 * t - 0.0001537 * t * t;
  const double c = (1.914602 - 0.004817 * t - 0.000014 * t * t) * sind(m) +
                   (0.019993 - 0.000101 * t) * sind(2 * m) + 0.000289 * sind(3 * m);
  const double omega = 125.04 - 1934.136 * t;
  return norm360(l0 + c - 0.00569 - 0.00478 * sind(omega));
}

double sun_longitude_time(double degrees, double jde_guess) {
  double jde = jde_guess;
  for (int i = 0; i < 8; ++i) {
    double diff = norm360(degrees - sun_apparent_longitude(jde));
    if (diff > 180) diff -= 360;
    jde += diff * (365.2422 / 360.0);
    if (std::abs(diff) < 1e-7) break;
  }
  return jde;
}

double delta_t_seconds(double y) {
  if (y < 1900) {
    const double t = y - 1860;
    return 7.62 + 0.5737 * t - 0.251754 * t * t + 0.01680668 * t * t * t -
           0.0004473624 * t * t * t * t + std::pow(t, 5) / 233174;
  }
  if (y < 1920) {
    const double t = y - 1900;
    return -2.79 + 1.494119 * t - 0.0598939 * t * t + 0.0061966 * t * t * t -
           0.000197 * t * t * t * t;
  }
  if (y < 1941) {
    const double t = y - 1920;
    return 21.20 + 0.84493 * t - 0.076100 * t * t + 0.0020936 * t * t * t;
  }
  if (y < 1961) {
    const double t = y - 1950;
    return 29.07 + 0.407 * t - t * t / 233 + t * t * t / 2547;
  }
  if (y < 1986) {
    const double t = y - 1975;
    return 45.45 + 1.067 * t - t * t / 260 - t * t * t / 718;
  }
  if (y < 2005) {
    const double t = y - 2000;
    return 63.86 + 0.3345 * t - 0.060374 * t * t + 0.0017275 * t * t * t +
           0.000651814 * std::pow(t, 4) + 0.00002373599 * std::pow(t, 5);
  }
  if (y < 2050) {
    const double t = y - 2000;
    return 62.92 + 0.32217 * t + 0.005589 * t * t;
  }
  const double u = (y - 1820) / 100;
  if (y < 2150) return -20 + 32 * u * u - 0.5628 * (2150 - y);
  return -20 + 32 * u * u;
}

std::int32_t local_date_utc7(double jde) {
  const double year = 2000.0 + (jde - 2451545.0) / 365.25;
  const double jd_ut = jde - delta_t_seconds(year) / 86400.0;
  const double local_days = jd_ut - kJdUnixEpoch + 7.0 / 24.0;
  return static_cast<std::int32_t>(std::floor(local_days));
}

}  // namespace hoso::calendar::astro
