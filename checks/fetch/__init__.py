"""Safe page fetching for link checks (no Django imports).

* :mod:`checks.fetch.ssrf` - address policy, resolution and connection pinning.
* :mod:`checks.fetch.fetcher` - ``fetch_many`` and its limits.
* :mod:`checks.fetch.extractors` - title / views / excerpt from platform pages.
"""

from .extractors import Extracted, detect_platform, extract, parse_count
from .fetcher import (
    ERROR_CODES,
    FetchConfig,
    Fetcher,
    FetchResult,
    fetch_many,
)
from .ssrf import (
    DEFAULT_PUBLIC_PORTS,
    AddressDecision,
    SSRFGuard,
    SSRFRefused,
    check_address,
    parse_allow_networks,
)

__all__ = [
    "DEFAULT_PUBLIC_PORTS",
    "ERROR_CODES",
    "AddressDecision",
    "Extracted",
    "FetchConfig",
    "FetchResult",
    "Fetcher",
    "SSRFGuard",
    "SSRFRefused",
    "check_address",
    "detect_platform",
    "extract",
    "fetch_many",
    "parse_allow_networks",
    "parse_count",
]
