/* HTTP-dates (RFC 9110 5.6.7): seconds since 1970 to IMF-fixdate and back, by calendar
 * arithmetic alone, since Flotilla has no time-of-day library (nor a clock to read one). */
#include "user/httpd/http.h"
#include "user/httpd/port.h"

#define SECONDS_PER_DAY 86400
#define DAYS_PER_ERA    146097          /* 400 Gregorian years */
#define EPOCH_SHIFT     719468          /* days from 0000-03-01 to 1970-01-01 */
#define DATE_MAX        253402300799LL  /* 9999-12-31 23:59:59: four-digit years only */

static const char day_names[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const day_names_long[7] = { "Sunday", "Monday", "Tuesday", "Wednesday",
					       "Thursday", "Friday", "Saturday" };
static const char month_names[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* Counting years from March makes February, with its leap day, the last month of the year,
 * so a month's first day is a fixed function of the month: (153 * m' + 2) / 5, m' = 0 for
 * March. Years are grouped in 400-year eras of exactly DAYS_PER_ERA days. */
int64_t http_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t year_of_era = y - era * 400;
	int64_t month_from_march = m > 2 ? m - 3 : m + 9;
	int64_t day_of_year = (153 * month_from_march + 2) / 5 + d - 1;
	int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
	return era * DAYS_PER_ERA + day_of_era - EPOCH_SHIFT;
}

/* The inverse of http_days_from_civil: find the era, the year in it (correcting 365-day
 * years for the leap days of every 4th, 100th and 400th), then the month from March. */
void http_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	days += EPOCH_SHIFT;
	int64_t era = (days >= 0 ? days : days - (DAYS_PER_ERA - 1)) / DAYS_PER_ERA;
	int64_t day_of_era = days - era * DAYS_PER_ERA;
	int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 -
			       day_of_era / (DAYS_PER_ERA - 1)) / 365;
	int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
	int64_t month_from_march = (5 * day_of_year + 2) / 153;
	*d = (unsigned)(day_of_year - (153 * month_from_march + 2) / 5 + 1);
	*m = (unsigned)(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
	*y = year_of_era + era * 400 + (*m <= 2);
}

void http_date_format(int64_t t, char out[HTTP_DATE_LEN + 1])
{
	int64_t y;
	unsigned m, d;

	if (t < 0)
		t = 0;
	if (t > DATE_MAX)
		t = DATE_MAX;
	int64_t days = t / SECONDS_PER_DAY, secs = t % SECONDS_PER_DAY;
	http_civil_from_days(days, &y, &m, &d);
	snprintf(out, HTTP_DATE_LEN + 1, "%s, %02u %s %04u %02u:%02u:%02u GMT",
		 day_names[(days + 4) % 7], d, month_names[m - 1], (unsigned)y,
		 (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
}

/* A cursor over the date being parsed; every step checks what is there. */
struct scan {
	const char *s;
	size_t n, i;
};

static bool scan_lit(struct scan *c, const char *lit)
{
	size_t len = strlen(lit);
	if (c->n - c->i < len || memcmp(c->s + c->i, lit, len) != 0)
		return false;
	c->i += len;
	return true;
}

/* Exactly `count` digits; a leading space stands for a zero where asctime pads with one. */
static int scan_num(struct scan *c, unsigned count, bool space_pad)
{
	int v = 0;
	if (c->n - c->i < count)
		return -1;
	for (unsigned k = 0; k < count; k++) {
		char ch = c->s[c->i + k];
		if (ch == ' ' && space_pad && k == 0)
			continue;
		if (ch < '0' || ch > '9')
			return -1;
		v = v * 10 + (ch - '0');
	}
	c->i += count;
	return v;
}

static int scan_month(struct scan *c)
{
	for (int m = 0; m < 12; m++)
		if (scan_lit(c, month_names[m]))
			return m + 1;
	return -1;
}

/* One of the given day names (their correctness against the date is not checked). */
static bool scan_day(struct scan *c, bool long_names)
{
	for (int k = 0; k < 7; k++)
		if (scan_lit(c, long_names ? day_names_long[k] : day_names[k]))
			return true;
	return false;
}

/* "08:49:37" as seconds into the day, or -1. */
static int64_t scan_time(struct scan *c)
{
	int h = scan_num(c, 2, false);
	if (h < 0 || h > 23 || !scan_lit(c, ":"))
		return -1;
	int mi = scan_num(c, 2, false);
	if (mi < 0 || mi > 59 || !scan_lit(c, ":"))
		return -1;
	int s = scan_num(c, 2, false);
	if (s < 0 || s > 60)            /* 60: a leap second */
		return -1;
	return h * 3600 + mi * 60 + s;
}

static int64_t to_seconds(int64_t y, int m, int d, int64_t secs)
{
	static const unsigned char mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 0 || m < 1 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap) || secs < 0)
		return -1;
	return http_days_from_civil(y, (unsigned)m, (unsigned)d) * SECONDS_PER_DAY + secs;
}

/* "Sun, 06 Nov 1994 08:49:37 GMT" */
static int64_t parse_imf_fixdate(struct scan *c)
{
	if (!scan_day(c, false) || !scan_lit(c, ", "))
		return -1;
	int d = scan_num(c, 2, false);
	int m = scan_lit(c, " ") ? scan_month(c) : -1;
	int y = scan_lit(c, " ") ? scan_num(c, 4, false) : -1;
	int64_t t = scan_lit(c, " ") ? scan_time(c) : -1;
	if (d < 0 || m < 0 || y < 0 || t < 0 || !scan_lit(c, " GMT") || c->i != c->n)
		return -1;
	return to_seconds(y, m, d, t);
}

/* "Sunday, 06-Nov-94 08:49:37 GMT": a two-digit year. Without a clock to compare with
 * (RFC 9110 5.6.7's "50 years in the future" rule), 70-99 are 19xx and 00-69 are 20xx. */
static int64_t parse_rfc850(struct scan *c)
{
	if (!scan_day(c, true) || !scan_lit(c, ", "))
		return -1;
	int d = scan_num(c, 2, false);
	int m = scan_lit(c, "-") ? scan_month(c) : -1;
	int y = scan_lit(c, "-") ? scan_num(c, 2, false) : -1;
	int64_t t = scan_lit(c, " ") ? scan_time(c) : -1;
	if (d < 0 || m < 0 || y < 0 || t < 0 || !scan_lit(c, " GMT") || c->i != c->n)
		return -1;
	return to_seconds(y < 70 ? 2000 + y : 1900 + y, m, d, t);
}

/* "Sun Nov  6 08:49:37 1994" */
static int64_t parse_asctime(struct scan *c)
{
	if (!scan_day(c, false) || !scan_lit(c, " "))
		return -1;
	int m = scan_month(c);
	int d = scan_lit(c, " ") ? scan_num(c, 2, true) : -1;
	int64_t t = scan_lit(c, " ") ? scan_time(c) : -1;
	int y = scan_lit(c, " ") ? scan_num(c, 4, false) : -1;
	if (d < 0 || m < 0 || y < 0 || t < 0 || c->i != c->n)
		return -1;
	return to_seconds(y, m, d, t);
}

int64_t http_date_parse(const char *s, size_t len)
{
	int64_t (*const parsers[])(struct scan *) = { parse_imf_fixdate, parse_rfc850,
						      parse_asctime };
	for (size_t k = 0; k < sizeof(parsers) / sizeof(parsers[0]); k++) {
		struct scan c = { s, len, 0 };
		int64_t t = parsers[k](&c);
		if (t >= 0)
			return t;
	}
	return -1;
}
