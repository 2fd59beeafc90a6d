"""Model access for every LLM-driven part: LiteLLM with cache, budget and retries, plus a scripted local server."""

from litecoder_terminal.llm.client import (
                                           Budget,
                                           BudgetExceeded,
                                           Completion,
                                           LLMCache,
                                           LLMClient,
                                           LLMConfig,
                                           LLMError,
                                           Usage,
)
from litecoder_terminal.llm.scripted import Reply, Rule, ScriptedLLMServer

__all__ = ["Budget", "BudgetExceeded", "Completion", "LLMCache", "LLMClient", "LLMConfig", "LLMError", "Reply", "Rule",
           "ScriptedLLMServer", "Usage"]
