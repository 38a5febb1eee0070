"""Typed reading of parsed YAML with error messages that name the file and the field."""

from __future__ import annotations

from collections.abc import Collection, Iterator


class SurveyError(ValueError):
    """An assessment data file is missing or invalid; the message names file and field."""


class Fields:
    """A YAML mapping plus where it sits, e.g. ``questions.yaml: questions[3]``."""

    def __init__(self, data: object, file: str, path: str = "") -> None:
        self.file = file
        self.path = path
        if not isinstance(data, dict):
            where = f"{path}: " if path else ""
            raise SurveyError(f"{file}: {where}expected a mapping, got {_kind(data)}")
        self._data: dict[object, object] = data

    def error(self, key: str, message: str) -> SurveyError:
        """A ``SurveyError`` for one field of this mapping."""
        return SurveyError(f"{self.file}: {self._name(key)}: {message}")

    def at(self, key: str) -> Fields:
        """An empty ``Fields`` whose path names a child key (for list-level messages)."""
        return Fields({}, self.file, self._name(key))

    def sub(self, key: str) -> Fields:
        """The mapping under ``key``."""
        if key not in self._data:
            raise self.error(key, "missing")
        return Fields(self._data[key], self.file, self._name(key))

    def items(self, key: str) -> Iterator[Fields]:
        """Each mapping of the non-empty list under ``key``."""
        value = self._data.get(key)
        if not isinstance(value, list) or not value:
            raise self.error(key, f"expected a non-empty list, got {_kind(value)}")
        for index, item in enumerate(value):
            yield Fields(item, self.file, f"{self._name(key)}[{index}]")

    def text(self, key: str, *, required: bool = True) -> str:
        """A non-empty string (or ``""`` when optional and absent)."""
        value = self._data.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"expected a non-empty string, got {_kind(value)}")
        return value.strip()

    def texts(self, key: str, *, required: bool = True) -> tuple[str, ...]:
        """A list of non-empty strings (empty when optional and absent)."""
        value = self._data.get(key)
        if value is None and not required:
            return ()
        if not isinstance(value, list):
            raise self.error(key, f"expected a list of strings, got {_kind(value)}")
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.error(
                    f"{key}[{index}]", f"expected a non-empty string, got {_kind(item)}"
                )
        return tuple(str(item).strip() for item in value)

    def integers(self, key: str) -> tuple[int, ...]:
        """A list of integers."""
        value = self._data.get(key)
        if not isinstance(value, list):
            raise self.error(key, f"expected a list of integers, got {_kind(value)}")
        for index, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, int):
                raise self.error(f"{key}[{index}]", f"expected an integer, got {_kind(item)}")
        return tuple(int(item) for item in value)

    def numbers(self, key: str, *, default: tuple[float, ...], length: int) -> tuple[float, ...]:
        """A list of ``length`` positive numbers, or ``default`` when absent."""
        value = self._data.get(key)
        if value is None:
            return default
        if not isinstance(value, list) or len(value) != length:
            raise self.error(key, f"expected a list of {length} numbers, got {_kind(value)}")
        for index, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, int | float) or item <= 0:
                raise self.error(
                    f"{key}[{index}]", f"expected a positive number, got {_kind(item)}"
                )
        return tuple(float(item) for item in value)

    def flag(self, key: str) -> bool:
        """An optional boolean, false when absent."""
        value = self._data.get(key, False)
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {_kind(value)}")
        return value

    def choice(self, key: str, allowed: tuple[str, ...]) -> str:
        """A string that must be one of ``allowed``."""
        value = self.text(key)
        if value not in allowed:
            raise self.error(key, f"expected one of {', '.join(allowed)}, got {value!r}")
        return value

    def known(self, key: str, ids: Collection[str]) -> str:
        """A string that must be one of the known ids (e.g. a dimension id)."""
        value = self.text(key)
        if value not in ids:
            raise self.error(key, f"unknown {key} {value!r}; known: {', '.join(sorted(ids))}")
        return value

    def _name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f"{value!r}" if len(value) <= 40 else "a long string"
    if isinstance(value, bool | int | float):
        return repr(value)
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
