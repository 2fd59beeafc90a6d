"""Domain specifications: what a domain's environments are about, the tools they provide, difficulty levels."""

from litecoder_terminal.spec.schema import DomainSpec, SpecError, builtin_specs, load_spec, load_specs

__all__ = ["DomainSpec", "SpecError", "builtin_specs", "load_spec", "load_specs"]
