"""Activity entities with any JSON fields: stream info, the AI label and citations.

botbuilder's ``Entity`` model knows only ``type``; msrest drops every other field when
it serialises an activity (and refuses plain dicts). Teams' streaming and AI message
entities are all extra fields, so they travel as ``additional_properties``, which
msrest writes back at the entity's top level.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botbuilder.schema import Entity

__all__ = ["JsonEntity", "entity_fields"]


class JsonEntity(Entity):  # type: ignore[misc]
    """An entity serialised as exactly the JSON object it was made from."""

    _attribute_map = {  # noqa: RUF012 - msrest reads the class attribute
        "type": {"key": "type", "type": "str"},
        "additional_properties": {"key": "", "type": "{object}"},
    }

    def __init__(self, fields: Mapping[str, Any]) -> None:
        """The entity ``fields`` describe; ``fields["type"]`` is its type."""
        super().__init__(type=str(fields["type"]))
        self.additional_properties = {k: v for k, v in fields.items() if k != "type"}


def entity_fields(entity: Any) -> dict[str, Any]:
    """An entity's fields as JSON, whichever model (or none) it was made with."""
    if isinstance(entity, Mapping):
        return dict(entity)
    fields = dict(getattr(entity, "additional_properties", None) or {})
    fields["type"] = getattr(entity, "type", None)
    return fields
