"""Stable family names -> family classes; families register themselves when their domain package is imported."""

from __future__ import annotations

import importlib
import pkgutil
import warnings

from litecoder_terminal.synth.procedural.base import TaskFamily

_FAMILIES: dict[str, type[TaskFamily]] = {}
LOAD_ERRORS: dict[str, str] = {}  # module file -> why it could not be imported (it is skipped, not fatal)


def register(cls: type[TaskFamily]) -> type[TaskFamily]:
    if cls.name in _FAMILIES and _FAMILIES[cls.name] is not cls:
        raise ValueError(f"two task families are named {cls.name!r}")
    _FAMILIES[cls.name] = cls
    return cls


def _load_all() -> None:
    import litecoder_terminal.synth.procedural as pkg

    for mod in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".", onerror=_record_error):
        if mod.name.rsplit(".", 1)[-1] in ("base", "registry", "generate", "dedup") or mod.name in LOAD_ERRORS:
            continue
        try:
            importlib.import_module(mod.name)
        except Exception as e:  # noqa: BLE001 - one broken family file must not take the others down
            LOAD_ERRORS[mod.name] = f"{type(e).__name__}: {e}"
            warnings.warn(f"task family module {mod.name} skipped: {LOAD_ERRORS[mod.name]}", stacklevel=2)


def _record_error(name: str) -> None:
    LOAD_ERRORS[name] = "package could not be imported"


def families(domain: str | None = None) -> list[type[TaskFamily]]:
    _load_all()
    return sorted((f for f in _FAMILIES.values() if domain in (None, "all", f.domain)), key=lambda f: (f.domain, f.name))


def get_family(name: str) -> type[TaskFamily]:
    _load_all()
    try:
        return _FAMILIES[name]
    except KeyError:
        raise KeyError(f"unknown task family {name!r}") from None
