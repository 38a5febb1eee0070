"""The Teams app package: the manifest template filled in for one bot, zipped with its icons.

An admin uploads the zip in the Teams admin center (or a user side-loads it).
The template is ``manifest/manifest.json``; ``{{APP_ID}}`` is the bot's
Microsoft App ID, which also serves as the Teams app id, and the developer
URLs point at ``host`` when one is given.
"""

from __future__ import annotations

import json
import re
import uuid
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = ["ICONS", "MANIFEST_DIR", "build_package", "manifest_for", "normalise_app_id"]

MANIFEST_DIR = Path(__file__).resolve().parent / "manifest"
ICONS = ("color.png", "outline.png")
DEFAULT_SITE = "https://example.com/scaling-advisor"  # replace by passing host
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9-]{1,63}$")
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)  # fixed, so the same inputs give the same bytes


def normalise_app_id(app_id: str) -> str:
    """The app id in canonical form (lower-case 8-4-4-4-12 GUID).

    Raises:
        ValueError: ``app_id`` is not a GUID.

    """
    candidate = app_id.strip().lower()
    if not _GUID.match(candidate):
        raise ValueError(
            f"{app_id!r} is not a Microsoft App ID: expected a GUID such as "
            "00000000-0000-0000-0000-000000000000"
        )
    return str(uuid.UUID(candidate))


def manifest_for(app_id: str, host: str | None = None) -> dict[str, Any]:
    """The manifest template filled in for ``app_id`` (and ``host``, the bot's public host).

    Raises:
        ValueError: A bad app id or host.

    """
    app_id = normalise_app_id(app_id)
    domain = _domain(host) if host else None
    site = f"https://{domain}" if domain else DEFAULT_SITE
    values = {
        "APP_ID": app_id,
        "WEBSITE_URL": f"{site}/",
        "PRIVACY_URL": f"{site}/privacy",
        "TERMS_URL": f"{site}/terms",
    }
    text = (MANIFEST_DIR / "manifest.json").read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    manifest: dict[str, Any] = json.loads(text)
    manifest["validDomains"] = [domain] if domain else []
    left = re.findall(r"\{\{[A-Z_]+\}\}", json.dumps(manifest))
    if left:  # a placeholder added to the template but not here
        raise ValueError(f"manifest template has unfilled placeholders: {', '.join(left)}")
    return manifest


def build_package(app_id: str, output: Path, host: str | None = None) -> Path:
    """Write the Teams app package zip: manifest.json, color.png and outline.png.

    Args:
        app_id: The bot's Microsoft App ID (a GUID).
        output: The zip file to write; when it is an existing folder, the zip is
            written inside it as ``scaling-advisor-teams.zip``.
        host: The bot's public host name (``bot.example.com``, or a URL whose
            host is used), listed in validDomains and used for developer URLs.

    Returns:
        The path of the zip written.

    Raises:
        ValueError: ``app_id`` is not a GUID or ``host`` is not a host name.

    """
    manifest = manifest_for(app_id, host)
    target = output / "scaling-advisor-teams.zip" if output.is_dir() else output
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _add(archive, "manifest.json", json.dumps(manifest, indent=2).encode("utf-8") + b"\n")
        for icon in ICONS:
            _add(archive, icon, (MANIFEST_DIR / icon).read_bytes())
    partial.replace(target)  # never leave a half-written package under the real name
    return target


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def _domain(host: str) -> str:
    """The bare host name of ``host`` (scheme, port and path dropped), checked."""
    text = host.strip()
    parsed = urlsplit(text if "://" in text else f"https://{text}")
    domain = (parsed.hostname or "").lower()
    if not _HOSTNAME.match(domain):
        raise ValueError(f"{host!r} is not a host name such as bot.example.com")
    return domain
