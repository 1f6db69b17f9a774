"""What model calls cost, in US dollars, from their token counts.

Gemini list prices per million tokens (standard tier, prompts up to 200k tokens) are kept here;
LiteLLM models are priced by LiteLLM's own table; the offline engine is free. A model with no known
price costs None: the run reports its tokens and says the cost is unknown.
"""

from __future__ import annotations

from typing import Optional

# (input, output) US dollars per million tokens; the longest matching prefix wins.
GEMINI_PRICES: dict[str, tuple[float, float]] = {
    "gemini-2.5-pro": (1.25, 10.0),
    "gemini-2.5-flash": (0.30, 2.50),
    "gemini-2.5-flash-lite": (0.10, 0.40),
    "gemini-2.0-flash": (0.10, 0.40),
    "gemini-2.0-flash-lite": (0.075, 0.30),
}
FREE_MODELS = ("mle-star-offline", "offline", "messy", "scripted")


def cost_usd(model: str, prompt_tokens: int, output_tokens: int) -> Optional[float]:
    """The cost of one call, or None when the model's price is unknown."""
    name = model.removeprefix("models/")
    if name.startswith(FREE_MODELS):
        return 0.0
    matches = [prefix for prefix in GEMINI_PRICES if name.startswith(prefix)]
    if matches:
        per_input, per_output = GEMINI_PRICES[max(matches, key=len)]
        return (prompt_tokens * per_input + output_tokens * per_output) / 1e6
    return _litellm_cost(name.removeprefix("litellm/"), prompt_tokens, output_tokens)


def _litellm_cost(model: str, prompt_tokens: int, output_tokens: int) -> Optional[float]:
    try:
        import litellm
    except ImportError:
        return None
    try:
        prompt_cost, output_cost = litellm.cost_per_token(model=model, prompt_tokens=prompt_tokens,
                                                          completion_tokens=output_tokens)
    except Exception:  # noqa: BLE001 - LiteLLM raises a variety of errors for models it does not price
        return None
    return float(prompt_cost) + float(output_cost)
