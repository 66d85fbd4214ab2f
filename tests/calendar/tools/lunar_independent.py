#!/usr/bin/env python3
"""Independent check table for the Vietnamese lunar calendar (Tết, Hùng Kings' Day).

Written from scratch with formulations deliberately different from
runtime/calendar/astro.cpp, so that agreement between the two means something:

* new moons are found by root-finding the Moon-Sun elongation, with the Moon's
  longitude from the periodic series of Meeus ch. 47 (truncated to its ~50
  largest terms) instead of the new-moon phase series of ch. 49;
* the Sun's longitude uses the Astronomical Almanac's low-precision formula
  (L = 280.460 + 0.9856474 n, g = 357.528 + 0.9856003 n) instead of Meeus ch. 25;
* Delta T is Morrison & Stephenson's parabola -20 + 32 u^2 for every year.

The calendar rules are the same (they are the definition): local time UTC+7,
month 11 contains the winter solstice, the leap month is the first month after
month 11 without a principal term when 13 months start between two months 11.

Usage: lunar_independent.py > ../data/lunar_independent.csv
Output: year,tet,hung_kings,leap_month  for lunar years 1900-2200.
"""
import datetime
import math

EPOCH = datetime.date(1970, 1, 1)
JD_UNIX = 2440587.5

# (D, M, M', F, coefficient in 1e-6 degree) -- Meeus, Astronomical Algorithms, table 47.A.
MOON_TERMS = [
    (0, 0, 1, 0, 6288774), (2, 0, -1, 0, 1274027), (2, 0, 0, 0, 658314), (0, 0, 2, 0, 213618),
    (0, 1, 0, 0, -185116), (0, 0, 0, 2, -114332), (2, 0, -2, 0, 58793), (2, -1, -1, 0, 57066),
    (2, 0, 1, 0, 53322), (2, -1, 0, 0, 45758), (0, 1, -1, 0, -40923), (1, 0, 0, 0, -34720),
    (0, 1, 1, 0, -30383), (2, 0, 0, -2, 15327), (0, 0, 1, 2, -12528), (0, 0, 1, -2, 10980),
    (4, 0, -1, 0, 10675), (0, 0, 3, 0, 10034), (4, 0, -2, 0, 8548), (2, 1, -1, 0, -7888),
    (2, 1, 0, 0, -6766), (1, 0, -1, 0, -5163), (1, 1, 0, 0, 4987), (2, -1, 1, 0, 4036),
    (2, 0, 2, 0, 3994), (4, 0, 0, 0, 3861), (2, 0, -3, 0, 3665), (0, 1, -2, 0, -2689),
    (2, 0, -1, 2, -2602), (2, -1, -2, 0, 2390), (1, 0, 1, 0, -2348), (2, -2, 0, 0, 2236),
    (0, 1, 2, 0, -2120), (0, 2, 0, 0, -2069), (2, -2, -1, 0, 2048), (2, 0, 1, -2, -1773),
    (2, 0, 0, 2, -1595), (4, -1, -1, 0, 1215), (0, 0, 2, 2, -1110), (3, 0, -1, 0, -892),
    (2, 1, 1, 0, -810), (4, -1, -2, 0, 759), (0, 2, -1, 0, -713), (2, 2, -1, 0, -700),
    (2, 1, -2, 0, 691), (2, -1, 0, -2, 596), (4, 0, 1, 0, 549), (0, 0, 4, 0, 537),
    (4, -1, 0, 0, 520), (1, 0, -2, 0, -487),
]


def sin_d(x):
    return math.sin(math.radians(x))


def moon_longitude(jde):
    t = (jde - 2451545.0) / 36525.0
    lp = 218.3164477 + 481267.88123421 * t - 0.0015786 * t * t + t ** 3 / 538841
    d = 297.8501921 + 445267.1114034 * t - 0.0018819 * t * t + t ** 3 / 545868
    m = 357.5291092 + 35999.0502909 * t - 0.0001536 * t * t
    mp = 134.9633964 + 477198.8675055 * t + 0.0087414 * t * t + t ** 3 / 69699
    f = 93.2720950 + 483202.0175233 * t - 0.0036539 * t * t
    e = 1 - 0.002516 * t - 0.0000074 * t * t
    total = 0.0
    for cd, cm, cmp, cf, coef in MOON_TERMS:
        term = coef * sin_d(cd * d + cm * m + cmp * mp + cf * f)
        total += term * (e ** abs(cm))
    a1 = 119.75 + 131.849 * t
    a2 = 53.09 + 479264.290 * t
    total += 3958 * sin_d(a1) + 1962 * sin_d(lp - f) + 318 * sin_d(a2)
    return (lp + total / 1e6) % 360.0


def sun_longitude(jde):
    n = jde - 2451545.0
    el = 280.460 + 0.9856474 * n
    g = 357.528 + 0.9856003 * n
    return (el + 1.915 * sin_d(g) + 0.020 * sin_d(2 * g)) % 360.0


def delta_t_days(jde):
    year = 2000 + (jde - 2451545.0) / 365.25
    u = (year - 1820) / 100
    return (-20 + 32 * u * u) / 86400.0


def wrap180(x):
    return (x + 180.0) % 360.0 - 180.0


def solve(func, target, guess, rate):
    """Secant-like iteration on an angle function with a known mean rate (deg/day)."""
    x = guess
    for _ in range(50):
        diff = wrap180(target - func(x))
        x += diff / rate
        if abs(diff) < 1e-8:
            break
    return x


def local_day(jde):
    return math.floor(jde - delta_t_days(jde) - JD_UNIX + 7 / 24)


def new_moons(first_year, last_year):
    # Start from a known mean new moon (2000-01-06 18:14 TT) and step by the mean lunation.
    out = []
    base = 2451550.26
    lunation = 29.530588853
    k0 = math.floor((first_year - 2000) * 12.3685)
    k1 = math.ceil((last_year + 1 - 2000) * 12.3685)
    for k in range(k0, k1 + 1):
        guess = base + k * lunation
        jde = solve(lambda x: wrap180(moon_longitude(x) - sun_longitude(x)), 0.0, guess,
                    12.190749)
        out.append(local_day(jde))
    return out


def principal_terms(first_year, last_year):
    days, solstices = [], {}
    for y in range(first_year, last_year + 1):
        for k in range(12):
            target = (270 + 30 * k) % 360  # from the December solstice of year y-1 onwards
            guess = (datetime.date(y - 1, 12, 21) - EPOCH).days + JD_UNIX + k * 30.44
            d = local_day(solve(sun_longitude, target, guess, 0.98564736))
            days.append(d)
            if k == 0:
                solstices[y - 1] = d
    return sorted(set(days)), solstices


def main():
    nm = new_moons(1896, 2203)
    terms, solstices = principal_terms(1897, 2203)

    def containing(day):
        i = max(j for j in range(len(nm)) if nm[j] <= day)
        return i

    def has_term(i):
        return any(nm[i] <= t < nm[i + 1] for t in terms if nm[i] - 1 <= t <= nm[i + 1])

    # Lunar year Y runs from month 1 after the month 11 of Gregorian Y-1's solstice.
    rows = []
    for y in range(1900, 2201):
        a = containing(solstices[y - 1])
        b = containing(solstices[y])
        leap_index = None
        if b - a == 13:
            leap_index = next(j for j in range(a + 1, b) if not has_term(j))
        # Number months a..b-1: a is month 11 of year y-1.
        numbers = []
        num = 11
        for j in range(a, b):
            if j == a:
                numbers.append((11, False))
            elif j == leap_index:
                numbers.append((num, True))
            else:
                num = num % 12 + 1
                numbers.append((num, False))
        tet = hung = None
        leap_month = 0
        seen_new_year = False
        for j, (month, leap) in zip(range(a, b), numbers):
            if month == 1 and not leap:
                seen_new_year = True
                tet = nm[j]
            if seen_new_year and month == 3 and not leap:
                hung = nm[j] + 9
            if seen_new_year and leap:
                leap_month = month
        # Leap months 11 and 12 of lunar year y lie after its month 11, in the next span.
        a2 = b
        b2 = containing(solstices[y + 1]) if (y + 1) in solstices else b
        if b2 - a2 == 13:
            j = next(j for j in range(a2 + 1, b2) if not has_term(j))
            if j - a2 == 1:
                leap_month = 11
            elif j - a2 == 2:
                leap_month = 12
        fmt = lambda d: (EPOCH + datetime.timedelta(days=d)).isoformat()
        rows.append(f"{y},{fmt(tet)},{fmt(hung)},{leap_month}")
    print("year,tet,hung_kings,leap_month")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
