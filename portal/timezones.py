"""An organization's reporting time zone: the one its days (rollups, "today", period bounds) are cut in."""

from __future__ import annotations

import zoneinfo

from partners.models import Organization

# The zone of each territory the platform serves (the most populous one where a country has several).
TERRITORY_TIME_ZONES = {
    "AE": "Asia/Dubai", "AU": "Australia/Sydney", "BH": "Asia/Bahrain", "BN": "Asia/Brunei",
    "CA": "America/Toronto", "CN": "Asia/Shanghai", "EG": "Africa/Cairo", "GB": "Europe/London",
    "HK": "Asia/Hong_Kong", "ID": "Asia/Jakarta", "IN": "Asia/Kolkata", "JP": "Asia/Tokyo",
    "KH": "Asia/Phnom_Penh", "KR": "Asia/Seoul", "KW": "Asia/Kuwait", "LA": "Asia/Vientiane",
    "MM": "Asia/Yangon", "MO": "Asia/Macau", "MY": "Asia/Kuala_Lumpur", "NZ": "Pacific/Auckland",
    "OM": "Asia/Muscat", "PH": "Asia/Manila", "QA": "Asia/Qatar", "SA": "Asia/Riyadh",
    "SG": "Asia/Singapore", "TH": "Asia/Bangkok", "TW": "Asia/Taipei", "US": "America/New_York",
    "VN": "Asia/Ho_Chi_Minh",
}  # fmt: skip


def organization_time_zone(organization: Organization) -> zoneinfo.ZoneInfo:
    """The zone of the organization's first home territory; UTC when it has none or one not listed."""
    for territory in organization.territories:
        if territory in TERRITORY_TIME_ZONES:
            return zoneinfo.ZoneInfo(TERRITORY_TIME_ZONES[territory])
    return zoneinfo.ZoneInfo("UTC")
