"""The LLM synthesis pipeline (`lct synth`): task ideas, then refine -> environment -> solution -> verifier ->
package, each an agentic loop on a real sandbox whose work is checked on fresh containers before it counts."""

from litecoder_terminal.synth.llm.pipeline import RunStatus, SynthSettings, synthesize

__all__ = ["RunStatus", "SynthSettings", "synthesize"]
