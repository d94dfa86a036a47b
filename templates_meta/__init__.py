"""Meta's WhatsApp template rules as data: `load()` the rulebook, `check_components()` against it.

Both Mumble's validator and the sandbox review read the same rulebook (`rules.json`), which is
also the one table of Meta's media formats. Facts: developers.facebook.com/documentation/
business-messaging/whatsapp/templates/components and .../business-phone-numbers/media.
"""

from templates_meta.check import check_components, variable_names
from templates_meta.rulebook import (
    MediaFormat,
    Rulebook,
    RulebookError,
    load,
    normalize_language,
)

__all__ = [
    "MediaFormat",
    "Rulebook",
    "RulebookError",
    "check_components",
    "load",
    "normalize_language",
    "variable_names",
]
