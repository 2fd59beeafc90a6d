"""Datasets from finished work: SFT conversations from rollout trials (`sft`), RL environment manifests (`rl`).
Exporters only read trial dirs and task dirs; they never run anything."""

from litecoder_terminal.export.rl import rl_manifest, task_meta, write_manifest
from litecoder_terminal.export.sft import ExportStats, SFTRecord, collect_sft, write_sft

__all__ = ["ExportStats", "SFTRecord", "collect_sft", "rl_manifest", "task_meta", "write_manifest", "write_sft"]
