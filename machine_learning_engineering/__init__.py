"""MLE-STAR machine learning engineering agent on Google ADK.

`adk web`/`adk run` load `root_agent` from `machine_learning_engineering.agent`; the CLI is
`mle-star` (machine_learning_engineering.cli).
"""


def __getattr__(name: str):
    # `adk eval` imports this package and reads its `agent` attribute; importing it only then keeps
    # `import machine_learning_engineering` from building the agent.
    if name == "agent":
        import importlib

        return importlib.import_module(f"{__name__}.agent")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
