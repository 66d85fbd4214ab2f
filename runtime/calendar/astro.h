// Astronomy for the lunar calendar, from Jean Meeus, "Astronomical
// Algorithms" (2nd ed.): mean phases with periodic corrections (ch. 49), the
// Sun's apparent longitude at low accuracy (ch. 25), and Espenak & Meeus'
// polynomial expressions for Delta T. Times are Julian Ephemeris Days (TT)
// unless a name says UT.
#pragma once

#include <cstdint>

namespace hoso::calendar::astro {

// Julian Ephemeris Day of new moon number k (k = 0: 2000-01-06).
double new_moon_jde(std::int64_t k);
// The Sun's apparent geocentric longitude in degrees [0, 360) at `jde`.
double sun_apparent_longitude(double jde);
// The JDE at which the Sun's apparent longitude equals `degrees`, searched
// near `jde_guess` (within a few weeks).
double sun_longitude_time(double degrees, double jde_guess);
// TT - UT in seconds for a decimal year.
double delta_t_seconds(double year);
// Converts a JDE (TT) to the local civil date (days since 1970-01-01) at
// UTC+7.
std::int32_t local_date_utc7(double jde);

}  // namespace hoso::calendar::astro
