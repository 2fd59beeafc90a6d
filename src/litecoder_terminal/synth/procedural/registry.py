"""Stable family names -> family classes.

A kit family is the folder synth/procedural/<domain>/<name>/ and registers by being there: its `family.py` is
imported and the TaskFamily subclass it defines is registered under the folder's name. The folder's other modules
(templates, the verifier file) are package data and never imported. Older single-file families call `register`."""

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


_SKIP = ("base", "registry", "generate", "dedup", "kit")


def _load_all() -> None:
    import litecoder_terminal.synth.procedural as pkg

    mods = list(pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".", onerror=_record_error))
    kit_folders = {m.name.rsplit(".", 1)[0] for m in mods if m.name.endswith(".family")}
    for mod in mods:
        if mod.name.rsplit(".", 1)[-1] in _SKIP or mod.name in LOAD_ERRORS or mod.name in kit_folders:
            continue
        folder = mod.name.rsplit(".", 1)[0]
        if folder in kit_folders and not mod.name.endswith(".family"):
            continue  # a kit family's template or verifier file: package data, not code of ours
        try:
            module = importlib.import_module(mod.name)
        except Exception as e:  # noqa: BLE001 - one broken family file must not take the others down
            LOAD_ERRORS[mod.name] = f"{type(e).__name__}: {e}"
            warnings.warn(f"task family module {mod.name} skipped: {LOAD_ERRORS[mod.name]}", stacklevel=2)
            continue
        if folder in kit_folders:
            found = [c for c in vars(module).values() if isinstance(c, type) and issubclass(c, TaskFamily)
                     and c.__module__ == mod.name]
            if len(found) != 1:
                LOAD_ERRORS[mod.name] = f"defines {len(found)} TaskFamily subclasses, a family.py defines exactly one"
                warnings.warn(f"task family module {mod.name} skipped: {LOAD_ERRORS[mod.name]}", stacklevel=2)
                continue
            register(found[0])


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
