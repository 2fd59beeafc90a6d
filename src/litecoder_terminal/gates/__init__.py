"""Quality gates: compose lint, build and trials into one verdict per task, with reasons."""

from litecoder_terminal.gates.validate import GateReason, TaskVerdict, Verdict, validate_task

__all__ = ["GateReason", "TaskVerdict", "Verdict", "validate_task"]
